// Enum strings and validation of the trainer's options and live knobs. Every message starts with
// the field's path in config.json ("step.initial must be ...").
#include "bilevel/trainer_options.h"

#include <cmath>
#include <string>
#include <utility>

#include "base/field_error.h"

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

bool Finite(double v) {
  return std::isfinite(v);
}

Status Prefixed(const std::string& prefix, const Status& s) {
  return s.ok() ? s : Status::Error(prefix + s.message());
}

// Adam, MAID and the budget are checked under a prefix: "" on their own, "adam." etc. inside
// TrainerOptions.
Status CheckAdam(const AdamOptions& o, const std::string& p) {
  if (!(o.beta1 >= 0.0 && o.beta1 < 1.0))
    return FieldError(p, "beta1", "must be in [0, 1)", o.beta1);
  if (!(o.beta2 >= 0.0 && o.beta2 < 1.0))
    return FieldError(p, "beta2", "must be in [0, 1)", o.beta2);
  if (!(o.epsilon > 0.0) || !Finite(o.epsilon))
    return FieldError(p, "epsilon", "must be positive and finite", o.epsilon);
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
      return FieldError(p, name, "must be positive and finite", value);
  if (!(o.rho > 0.0 && o.rho < 1.0)) return FieldError(p, "rho", "must be in (0, 1)", o.rho);
  if (!(o.nu_low > 0.0 && o.nu_low < 1.0))
    return FieldError(p, "nu_low", "must be in (0, 1)", o.nu_low);
  if (!(o.nu_high >= 1.0) || !Finite(o.nu_high))
    return FieldError(p, "nu_high", "must be finite and >= 1", o.nu_high);
  if (!(o.step_growth >= 1.0) || !Finite(o.step_growth))
    return FieldError(p, "step_growth", "must be finite and >= 1", o.step_growth);
  if (!(o.eta > 0.0 && o.eta < 1.0)) return FieldError(p, "eta", "must be in (0, 1)", o.eta);
  if (o.max_backtracks < 1)
    return FieldError(p, "max_backtracks", "must be at least 1", o.max_backtracks);
  if (o.min_epsilon > o.epsilon)
    return FieldError(p, "min_epsilon",
                      "must not exceed " + p + "epsilon (" + ShortestText(o.epsilon) + ")",
                      o.min_epsilon);
  return Status::Ok();
}

Status CheckBudget(const Budget& b, const std::string& p) {
  if (b.computations < 0)
    return FieldError(p, "computations", "must be >= 0", double(b.computations));
  if (!(b.epochs >= 0.0) || !Finite(b.epochs))
    return FieldError(p, "epochs", "must be finite and >= 0", b.epochs);
  if (!(b.wall_seconds >= 0.0) || !Finite(b.wall_seconds))
    return FieldError(p, "wall_seconds", "must be finite and >= 0", b.wall_seconds);
  if (b.iterations < 0) return FieldError(p, "iterations", "must be >= 0", double(b.iterations));
  if (b.computations == 0 && b.epochs == 0.0 && b.wall_seconds == 0.0 && b.iterations == 0)
    return Status::Error((p.empty() ? std::string("budget") : p.substr(0, p.size() - 1)) +
                         ": at least one of computations, epochs, wall_seconds and iterations "
                         "must be > 0 (0 means no limit)");
  return Status::Ok();
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

Status LiveKnobs::validate() const {
  if (batch_size < 1) return FieldError("", "batch_size", "must be at least 1", batch_size);
  if (Status s = Prefixed("step.", step.validate()); !s.ok()) return s;
  if (Status s = Prefixed("accuracy.", accuracy.validate()); !s.ok()) return s;
  return Prefixed("delta.", delta.validate());
}

Status TrainerOptions::validate() const {
  if (!MethodFromString(ToString(method))) return Status::Error("method is not a known method");
  if (Status s = CheckAdam(adam, "adam."); !s.ok()) return s;
  if (Status s = CheckMaid(maid, "maid."); !s.ok()) return s;
  if (Status s = CheckBudget(budget, "budget."); !s.ok()) return s;
  if (!(test_accuracy > 0.0) || !Finite(test_accuracy))
    return FieldError("", "test_accuracy", "must be positive and finite", test_accuracy);
  if (test_interval < 0) return FieldError("", "test_interval", "must be >= 0", test_interval);
  return Status::Ok();
}

}  // namespace bilevel
