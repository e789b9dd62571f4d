// Validation and enum strings of the dataset and problem options.
#include <algorithm>
#include <cmath>
#include <string>

#include "bilevel/dataset.h"
#include "bilevel/problem_data.h"
#include "data/stl10.h"

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

const char* ToString(DatasetFormat format) {
  switch (format) {
    case DatasetFormat::kStl10:
      return "stl10";
    case DatasetFormat::kPets:
      return "pets";
    case DatasetFormat::kSynthetic:
      return "synthetic";
    case DatasetFormat::kFolder:
      break;
  }
  return "folder";
}

std::optional<DatasetFormat> DatasetFormatFromString(std::string_view text) {
  if (text == "folder") return DatasetFormat::kFolder;
  if (text == "stl10" || text == "stl-10") return DatasetFormat::kStl10;
  if (text == "pets" || text == "oxford-iiit-pet") return DatasetFormat::kPets;
  if (text == "synthetic") return DatasetFormat::kSynthetic;
  return std::nullopt;
}

const char* ToString(DatasetSplit split) {
  return split == DatasetSplit::kOrdered ? "ordered" : "random";
}

std::optional<DatasetSplit> DatasetSplitFromString(std::string_view text) {
  if (text == "random") return DatasetSplit::kRandom;
  if (text == "ordered") return DatasetSplit::kOrdered;
  return std::nullopt;
}

namespace {
Status FieldError(const char* field, const std::string& rule, double got) {
  return Status::Error(std::string(field) + " " + rule + ", got " + std::to_string(got));
}

// The side of a format's square images after `scale` (as ScaleImage rounds it); 0: not square.
int FormatSide(const DatasetOptions& o) {
  const int side = o.format == DatasetFormat::kStl10 ? detail::kStl10Side
                   : o.format == DatasetFormat::kPets || o.format == DatasetFormat::kSynthetic
                       ? o.image_side
                       : 0;
  return side > 0 ? std::max(1, int(std::lround(side * o.scale))) : 0;
}
}  // namespace

int DatasetOptions::sampleSide() const {
  return whole_images ? FormatSide(*this) : patch_size;
}

Status DatasetOptions::validate() const {
  if (format == DatasetFormat::kSynthetic && max_images < 1)
    return Status::Error(
        "dataset.max_images must give the number of images for dataset.format "
        "\"synthetic\"");
  if (format != DatasetFormat::kFolder && format != DatasetFormat::kSynthetic && folder.empty())
    return Status::Error(std::string("dataset.path must name the data for dataset.format \"") +
                         ToString(format) + "\"");
  if (!test_folder.empty() && format != DatasetFormat::kFolder && format != DatasetFormat::kPets)
    return Status::Error("dataset.test_path is for dataset.format \"folder\" or \"pets\"");
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
  if (max_images < 0) return FieldError("dataset.max_images", "must be >= 0", max_images);
  if (max_test_images < 0)
    return FieldError("dataset.max_test_images", "must be >= 0", max_test_images);
  if (image_side < 3 || image_side > 16384)
    return FieldError("dataset.image_side", "must be in [3, 16384]", image_side);
  if (whole_images) {
    if (const int side = FormatSide(*this); side > 0 && side < 3)
      return FieldError("dataset.scale", "leaves whole images smaller than 3 pixels", scale);
  } else if (const int side = FormatSide(*this); side > 0 && patch_size > side) {
    return Status::Error("dataset.patch_size (" + std::to_string(patch_size) +
                         ") does not fit the " + std::to_string(side) + "x" + std::to_string(side) +
                         " images of dataset.format \"" + ToString(format) + "\"");
  }
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
  return Status::Ok();
}

}  // namespace bilevel
