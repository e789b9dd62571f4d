// Validation of the training configuration: each layer's options, then their combinations. Every
// message starts with the field's path in config.json ("step.initial must be ...").
#include "bilevel/training_config.h"

#include <cmath>
#include <string>

#include "base/field_error.h"

namespace bilevel {

namespace {

bool Finite(double v) {
  return std::isfinite(v);
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
    return FieldError("", "regularizer.channels",
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
      return FieldError("", "problem.blur.size", "must be a positive odd number", p.blur.size);
    if (const int side = c.dataset.sampleSide(); side > 0 && p.blur.size > side)
      return FieldError("", "problem.blur.size",
                        "must not exceed " + SideName(c) + " (" + std::to_string(side) + ")",
                        p.blur.size);
    if (!(p.blur.sigma > 0.0) || !Finite(p.blur.sigma))
      return FieldError("", "problem.blur.sigma", "must be positive and finite", p.blur.sigma);
  }
  return p.validate();
}

}  // namespace

Status TrainingConfig::validate() const {
  if (version != kVersion)
    return FieldError("", "version", "must be " + std::to_string(kVersion), version);
  if (name.empty()) return Status::Error("name must not be empty");
  if (Status s = dataset.validate(); !s.ok()) return s;
  if (Status s = CheckProblem(*this); !s.ok()) return s;
  if (Status s = CheckRegularizer(*this); !s.ok()) return s;
  if (Status s = knobs.validate(); !s.ok()) return s;
  if (Status s = trainer.validate(); !s.ok()) return s;
  if (Status s = inner.validate(); !s.ok()) return s;
  if (checkpoint_interval < 1)
    return FieldError("", "checkpoint_interval", "must be at least 1", checkpoint_interval);
  for (std::size_t i = 0; i < snapshots.size(); ++i) {
    const std::string field = "snapshots[" + std::to_string(i) + "]";
    if (snapshots[i] < 0)
      return FieldError("", field.c_str(), "must be >= 0", double(snapshots[i]));
    if (i > 0 && snapshots[i] <= snapshots[i - 1])
      return FieldError(
          "", field.c_str(),
          "must be larger than the one before (" + std::to_string(snapshots[i - 1]) + ")",
          double(snapshots[i]));
  }
  return backend.validate();
}

std::vector<std::string> TrainingConfig::warnings() const {
  std::vector<std::string> found;
  if (problem.kind != OperatorKind::kIdentity && inner.mu0 == 0.0)
    found.push_back(std::string("problem.mu0 is 0 for ") +
                    (problem.kind == OperatorKind::kGaussianBlur ? "deblurring" : "inpainting") +
                    ": AᵀA is singular there, so the lower-level problem is strongly convex only "
                    "where the regularizer makes it so and its solves may stall; set "
                    "problem.mu0 > 0 (the presets use 1e-4 to 1e-3)");
  return found;
}

}  // namespace bilevel
