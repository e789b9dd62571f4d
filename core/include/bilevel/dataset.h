// Training and test images: a folder of photographs (or the embedded default set) cut into
// patches, split by source image so that no patch of a test image is used for training.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bilevel/batch.h"
#include "bilevel/status.h"

namespace bilevel {

enum class ColorMode { kColor, kGrey };
const char* ToString(ColorMode mode);
std::optional<ColorMode> ColorModeFromString(std::string_view text);

struct DatasetOptions {
  std::string folder;                   // empty: the embedded default image set
  ColorMode color = ColorMode::kColor;  // kColor: 3 channels (RGB), kGrey: 1 channel
  int patch_size = 96;                  // square patches of this side, in pixels
  int patches_per_image = 8;            // random patches per source image (stride == 0)
  int stride = 0;                       // > 0: every patch on a grid with this stride instead
  double scale = 1.0;                   // resize factor applied to each source image first
  double test_fraction = 0.25;          // share of the source images held out for testing
  int max_train_patches = 0;            // > 0: keep at most this many training patches
  int max_test_patches = 0;             // > 0: keep at most this many test patches
  unsigned seed = 1;                    // patch positions and the split
  Status validate() const;              // names the offending field
};

// One usable source image and where its patches went.
struct SourceImage {
  std::string name;  // file name (or embedded name)
  int width = 0, height = 0;
  bool test = false;
};

struct Dataset {
  Batch<float> train;  // N x C x P x P, intensities in [0, 1]
  Batch<float> test;
  std::vector<int> train_source;  // per training patch: index into sources
  std::vector<int> test_source;
  std::vector<SourceImage> sources;
  std::vector<std::string> warnings;  // skipped files, each naming the file and why
};

// Called with (done, total) while loading; returning false cancels (LoadDataset then fails).
using LoadProgress = std::function<bool(int done, int total)>;

// Loads PNG, JPEG, BMP and TIFF files (8 or 16 bit; grey, RGB or RGBA, alpha dropped) in sorted
// file-name order. Unreadable, empty, corrupt or too-small files are skipped with a warning. Fails
// with a clear message when no usable image remains or when the split leaves no training image.
Status LoadDataset(const DatasetOptions& options, Dataset* out, const LoadProgress& progress = {});

// Single images for `apply` and previews: C x H x W in [0, 1] (n = 1).
Status ReadImage(const std::string& path, ColorMode color, Batch<float>* image);
// Writes image i of a batch (1 or 3 channels, clamped to [0, 1]) as an 8-bit PNG/JPEG/BMP/TIFF,
// chosen by the file extension.
Status WriteImage(const std::string& path, const Batch<float>& images, int i = 0);

// The names of the embedded default images, and their encoded bytes.
std::vector<std::string> EmbeddedImageNames();
std::string_view EmbeddedImageBytes(const std::string& name);

}  // namespace bilevel
