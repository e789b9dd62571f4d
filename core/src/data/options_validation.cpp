// Validation and enum strings of the dataset and problem options.
#include <cmath>
#include <string>

#include "bilevel/dataset.h"
#include "bilevel/problem_data.h"

namespace bilevel {

const char* ToString(ColorMode mode) {
  return mode == ColorMode::kGrey ? "grey" : "color";
}

std::optional<ColorMode> ColorModeFromString(std::string_view text) {
  if (text == "color" || text == "colour" || text == "rgb") return ColorMode::kColor;
  if (text == "grey" || text == "gray" || text == "greyscale" || text == "grayscale")
    return ColorMode::kGrey;
  return std::nullopt;
}

namespace {
Status FieldError(const char* field, const std::string& rule, double got) {
  return Status::Error(std::string(field) + " " + rule + ", got " + std::to_string(got));
}
}  // namespace

Status DatasetOptions::validate() const {
  if (patch_size < 3) return FieldError("dataset.patch_size", "must be at least 3", patch_size);
  if (patches_per_image < 1 && stride <= 0)
    return FieldError("dataset.patches_per_image", "must be at least 1", patches_per_image);
  if (stride < 0) return FieldError("dataset.stride", "must be >= 0", stride);
  if (!(scale > 0.0) || !(scale <= 16.0))
    return FieldError("dataset.scale", "must be in (0, 16]", scale);
  if (!(test_fraction >= 0.0) || !(test_fraction < 1.0))
    return FieldError("dataset.test_fraction", "must be in [0, 1)", test_fraction);
  if (max_train_patches < 0)
    return FieldError("dataset.max_train_patches", "must be >= 0", max_train_patches);
  if (max_test_patches < 0)
    return FieldError("dataset.max_test_patches", "must be >= 0", max_test_patches);
  return Status::Ok();
}

Status ProblemOptions::validate() const {
  if (!(noise_sigma >= 0.0) || !std::isfinite(noise_sigma))
    return FieldError("problem.noise_sigma", "must be finite and >= 0", noise_sigma);
  if (kind == OperatorKind::kGaussianBlur) {
    if (Status s = blur.validate(); !s.ok()) return Status::Error("problem.blur: " + s.message());
  }
  if (kind == OperatorKind::kInpainting && (!(keep_fraction > 0.0) || !(keep_fraction <= 1.0)))
    return FieldError("problem.keep_fraction", "must be in (0, 1]", keep_fraction);
  if (!(mu0 >= 0.0) || !std::isfinite(mu0))
    return FieldError("problem.mu0", "must be finite and >= 0", mu0);
  return Status::Ok();
}

}  // namespace bilevel
