// Enum strings and validation of the training configuration. Every message starts with the
// field's path in config.json ("step.initial must be ...").
#include "bilevel/training_config.h"

#include <charconv>
#include <cmath>
#include <string>

namespace bilevel {

const char* ToString(Method method) {
  switch (method) {
    case Method::kIsgd:
      return "isgd";
    case Method::kAdam:
      return "adam";
    case Method::kMaid:
      return "maid";
    case Method::kIgd:
      return "igd";
  }
  return "unknown";
}

std::optional<Method> MethodFromString(std::string_view text) {
  if (text == "isgd" || text == "sgd") return Method::kIsgd;
  if (text == "adam") return Method::kAdam;
  if (text == "maid") return Method::kMaid;
  if (text == "igd" || text == "gd") return Method::kIgd;
  return std::nullopt;
}

namespace {

// The shortest text that reads back as the same double ("0.1", "-1", "1e-08").
std::string Number(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

Status Fail(const std::string& prefix, const char* field, const std::string& rule, double got) {
  return Status::Error(prefix + field + " " + rule + ", got " + Number(got));
}

bool Finite(double v) {
  return std::isfinite(v);
}

// Adam, MAID and the budget are checked under a prefix: "" on their own, "adam." etc. inside a
// TrainingConfig.
Status CheckAdam(const AdamOptions& o, const std::string& p) {
  if (!(o.beta1 >= 0.0 && o.beta1 < 1.0)) return Fail(p, "beta1", "must be in [0, 1)", o.beta1);
  if (!(o.beta2 >= 0.0 && o.beta2 < 1.0)) return Fail(p, "beta2", "must be in [0, 1)", o.beta2);
  if (!(o.epsilon > 0.0) || !Finite(o.epsilon))
    return Fail(p, "epsilon", "must be positive and finite", o.epsilon);
  return Status::Ok();
}

Status CheckMaid(const MaidOptions& o, const std::string& p) {
  const std::pair<const char*, double> positive[] = {{"step", o.step},
                                                     {"epsilon", o.epsilon},
                                                     {"delta", o.delta},
                                                     {"lipschitz_g", o.lipschitz_g},
                                                     {"min_epsilon", o.min_epsilon}};
  for (const auto& [name, value] : positive)
    if (!(value > 0.0) || !Finite(value))
      return Fail(p, name, "must be positive and finite", value);
  if (!(o.rho > 0.0 && o.rho < 1.0)) return Fail(p, "rho", "must be in (0, 1)", o.rho);
  if (!(o.nu_low > 0.0 && o.nu_low < 1.0)) return Fail(p, "nu_low", "must be in (0, 1)", o.nu_low);
  if (!(o.nu_high >= 1.0) || !Finite(o.nu_high))
    return Fail(p, "nu_high", "must be finite and >= 1", o.nu_high);
  if (!(o.step_growth >= 1.0) || !Finite(o.step_growth))
    return Fail(p, "step_growth", "must be finite and >= 1", o.step_growth);
  if (!(o.eta > 0.0 && o.eta < 1.0)) return Fail(p, "eta", "must be in (0, 1)", o.eta);
  if (o.max_backtracks < 1)
    return Fail(p, "max_backtracks", "must be at least 1", o.max_backtracks);
  if (o.min_epsilon > o.epsilon)
    return Fail(p, "min_epsilon", "must not exceed " + p + "epsilon (" + Number(o.epsilon) + ")",
                o.min_epsilon);
  return Status::Ok();
}

Status CheckBudget(const Budget& b, const std::string& p) {
  if (b.computations < 0) return Fail(p, "computations", "must be >= 0", double(b.computations));
  if (!(b.epochs >= 0.0) || !Finite(b.epochs))
    return Fail(p, "epochs", "must be finite and >= 0", b.epochs);
  if (!(b.wall_seconds >= 0.0) || !Finite(b.wall_seconds))
    return Fail(p, "wall_seconds", "must be finite and >= 0", b.wall_seconds);
  if (b.iterations < 0) return Fail(p, "iterations", "must be >= 0", double(b.iterations));
  if (b.computations == 0 && b.epochs == 0.0 && b.wall_seconds == 0.0 && b.iterations == 0)
    return Status::Error((p.empty() ? std::string("budget") : p.substr(0, p.size() - 1)) +
                         ": at least one of computations, epochs, wall_seconds and iterations "
                         "must be > 0 (0 means no limit)");
  return Status::Ok();
}

Status Prefixed(const std::string& prefix, const Status& s) {
  return s.ok() ? s : Status::Error(prefix + s.message());
}

// What bounds the image size: the patches, or the whole images of the format.
std::string SideName(const TrainingConfig& c) {
  return c.dataset.whole_images ? "the side of the whole images" : "dataset.patch_size";
}

// The type's own checks, then that it fits the data: its channels and the patch size.
Status CheckRegularizer(const TrainingConfig& c) {
  const RegularizerSettings& r = c.regularizer;
  if (Status s = ValidateRegularizerSettings(r); !s.ok()) return s;
  const int channels = c.dataset.color == ColorMode::kGrey ? 1 : 3;
  if (r.find("regularizer.channels") && r.integer("regularizer.channels") != channels)
    return Fail("", "regularizer.channels",
                "must be " + std::to_string(channels) + " for dataset.color \"" +
                    ToString(c.dataset.color) + "\"",
                double(r.integer("regularizer.channels")));
  std::unique_ptr<Regularizer<double>> reg;
  if (Status s = CreateRegularizer(r, &reg); !s.ok()) return s;
  const int side = c.dataset.sampleSide();  // 0: whole folder images, checked once loaded
  if (side == 0) return Status::Ok();
  if (Status s = reg->checkImages(Shape{1, channels, side, side}); !s.ok())
    return Status::Error(s.message() + ": it must fit " + SideName(c) + " (" +
                         std::to_string(side) + ")");
  return Status::Ok();
}

Status CheckProblem(const TrainingConfig& c) {
  const ProblemOptions& p = c.problem;
  if (p.kind == OperatorKind::kGaussianBlur) {
    if (p.blur.size < 1 || p.blur.size % 2 == 0)
      return Fail("", "problem.blur.size", "must be a positive odd number", p.blur.size);
    if (const int side = c.dataset.sampleSide(); side > 0 && p.blur.size > side)
      return Fail("", "problem.blur.size",
                  "must not exceed " + SideName(c) + " (" + std::to_string(side) + ")",
                  p.blur.size);
    if (!(p.blur.sigma > 0.0) || !Finite(p.blur.sigma))
      return Fail("", "problem.blur.sigma", "must be positive and finite", p.blur.sigma);
  }
  return p.validate();
}

}  // namespace

Status AdamOptions::validate() const {
  return CheckAdam(*this, "");
}
Status MaidOptions::validate() const {
  return CheckMaid(*this, "");
}
Status Budget::validate() const {
  return CheckBudget(*this, "");
}

Status TrainingConfig::validate() const {
  if (version != kVersion)
    return Fail("", "version", "must be " + std::to_string(kVersion), version);
  if (name.empty()) return Status::Error("name must not be empty");
  if (Status s = dataset.validate(); !s.ok()) return s;
  if (Status s = CheckProblem(*this); !s.ok()) return s;
  if (Status s = CheckRegularizer(*this); !s.ok()) return s;
  if (!MethodFromString(ToString(method))) return Status::Error("method is not a known method");
  if (batch_size < 1) return Fail("", "batch_size", "must be at least 1", batch_size);
  if (Status s = Prefixed("step.", step.validate()); !s.ok()) return s;
  if (Status s = Prefixed("accuracy.", accuracy.validate()); !s.ok()) return s;
  if (Status s = Prefixed("delta.", delta.validate()); !s.ok()) return s;
  if (Status s = CheckAdam(adam, "adam."); !s.ok()) return s;
  if (Status s = CheckMaid(maid, "maid."); !s.ok()) return s;
  if (Status s = CheckBudget(budget, "budget."); !s.ok()) return s;
  if (lower_max_iterations < 1)
    return Fail("", "lower_max_iterations", "must be at least 1", lower_max_iterations);
  if (cg_max_iterations < 1)
    return Fail("", "cg_max_iterations", "must be at least 1", cg_max_iterations);
  if (power_iterations < 1)
    return Fail("", "power_iterations", "must be at least 1", power_iterations);
  if (!(test_accuracy > 0.0) || !Finite(test_accuracy))
    return Fail("", "test_accuracy", "must be positive and finite", test_accuracy);
  if (test_interval < 0) return Fail("", "test_interval", "must be >= 0", test_interval);
  if (checkpoint_interval < 1)
    return Fail("", "checkpoint_interval", "must be at least 1", checkpoint_interval);
  for (std::size_t i = 0; i < snapshots.size(); ++i) {
    const std::string field = "snapshots[" + std::to_string(i) + "]";
    if (snapshots[i] < 0) return Fail("", field.c_str(), "must be >= 0", double(snapshots[i]));
    if (i > 0 && snapshots[i] <= snapshots[i - 1])
      return Fail("", field.c_str(),
                  "must be larger than the one before (" + std::to_string(snapshots[i - 1]) + ")",
                  double(snapshots[i]));
  }
  if (!DevicePreferenceFromString(ToString(device)))
    return Status::Error("device is not a known device preference");
  if (threads < 0) return Fail("", "threads", "must be >= 0", threads);
  return Status::Ok();
}

}  // namespace bilevel
