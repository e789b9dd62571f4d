// Training and test images: a folder of photographs (or the embedded default set), the STL-10
// binary files or the Oxford-IIIT Pet images, as whole images or cut into patches, split by
// source image so that no patch of a test image is used for training.
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

// How dataset.path is read:
//   kFolder ("folder"): image files (PNG, JPEG, BMP, TIFF) in the folder and its subfolders, in
//     sorted order of their paths relative to it (BSDS500, BSD68, Set12, ...); an empty path
//     means the embedded default set. Other files are ignored.
//   kStl10 ("stl10"): STL-10's binary files: a *_X.bin file, or a folder holding train_X.bin,
//     test_X.bin or unlabeled_X.bin. A folder with both train_X.bin and test_X.bin is split by
//     file (training records from train_X.bin, test records from test_X.bin); otherwise the one
//     file (train_X.bin, else unlabeled_X.bin, else test_X.bin) is split like any source list.
//     Each record is a 96 x 96 colour image; records are read one at a time.
//   kPets ("pets"): the Oxford-IIIT Pet images/ folder (or the dataset root holding it): every
//     image resized so that its shorter side is image_side, then centre-cropped to a square;
//     non-image files (the dataset's .mat files) are skipped with a warning.
//   kSynthetic ("synthetic"): max_images generated image_side x image_side colour images (discs
//     and bars on shaded backgrounds, image k from seed + k), for benchmarks; path unused.
enum class DatasetFormat { kFolder, kStl10, kPets, kSynthetic };
const char* ToString(DatasetFormat format);
std::optional<DatasetFormat> DatasetFormatFromString(std::string_view text);

// How the source images are split into training and test images (see DatasetOptions):
//   kRandom ("random"): a seeded shuffle chooses the test images.
//   kOrdered ("ordered"): the first sources train, the ones after them test (the papers' split).
enum class DatasetSplit { kRandom, kOrdered };
const char* ToString(DatasetSplit split);
std::optional<DatasetSplit> DatasetSplitFromString(std::string_view text);

// The sources are read in order (sorted files, or records), capped by max_images, prepared by the
// format (pets: resized and cropped to image_side), resized by `scale`, and then either used whole
// (whole_images) or cut into patch_size patches. The test sources are max_test_images of them
// when that is set, else round(test_fraction * sources) (at least one when the fraction is
// positive and there are two sources or more, never all); `split` says which. A data set with
// its own test file (STL-10's test_X.bin) takes its test sources from there instead: the first
// max_test_images records, or round(test_fraction / (1 - test_fraction) * training sources).
struct DatasetOptions {
  DatasetFormat format = DatasetFormat::kFolder;
  std::string folder;  // dataset.path: what `format` reads; empty: embedded set
  // dataset.test_path (folder and pets formats): the test images come from this folder (and its
  // subfolders; the first max_test_images of them when that is set) instead of a split.
  std::string test_folder;
  ColorMode color = ColorMode::kColor;  // kColor: 3 channels (RGB), kGrey: 1 channel
  bool whole_images = false;            // true: each source image is one sample, of its own size
                                        // (patch_size, patches_per_image and stride unused;
                                        // folder images of another size than the first one are
                                        // skipped with a warning)
  int patch_size = 96;                  // square patches of this side, in pixels
  int patches_per_image = 8;            // random patches per source image (stride == 0)
  int stride = 0;                       // > 0: every patch on a grid with this stride instead
  double scale = 1.0;                   // resize factor applied to each source image first
  int image_side = 256;                 // pets: the side of the square every image becomes
  double test_fraction = 0.25;          // share of the source images held out for testing
  DatasetSplit split = DatasetSplit::kRandom;
  int max_images = 0;         // > 0: only the first N source images (image files or records)
  int max_test_images = 0;    // > 0: exactly this many test sources instead of test_fraction
  int max_train_patches = 0;  // > 0: keep at most this many training patches
  int max_test_patches = 0;   // > 0: keep at most this many test patches
  unsigned seed = 1;          // patch positions and the split
  Status validate() const;    // names the offending field

  // The side of the square samples, where known before loading: patch_size, or for whole images
  // the STL-10 (96) or pets (image_side) side after `scale`; 0 for whole folder images.
  int sampleSide() const;
};

// One usable source image and where its patches went.
struct SourceImage {
  std::string name;  // file path relative to the folder, embedded name, or "train_X.bin[7]"
  int width = 0, height = 0;
  bool test = false;
};

struct Dataset {
  Batch<float> train;  // N x C x P x P patches (or whole images), intensities in [0, 1]
  Batch<float> test;
  std::vector<int> train_source;  // per training patch: index into sources
  std::vector<int> test_source;
  std::vector<SourceImage> sources;
  std::vector<std::string> warnings;  // skipped files, each naming the file and why
};

// Called with (done, total) while loading; returning false cancels (LoadDataset then fails).
using LoadProgress = std::function<bool(int done, int total)>;

// Loads the data set that options.format names. Image files: PNG, JPEG, BMP and TIFF (8 or 16
// bit; grey, RGB or RGBA, alpha dropped) in sorted order; unreadable, empty, corrupt or too-small
// files are skipped with a warning. Colour to grey uses 0.299 R + 0.587 G + 0.114 B in every
// format. Fails with a message naming the path or file when it is missing, holds no image, is
// truncated (an STL-10 file that is not a whole number of records), when no usable image remains
// or when the split leaves no training image.
Status LoadDataset(const DatasetOptions& options, Dataset* out, const LoadProgress& progress = {});

// Single images for `apply` and previews: C x H x W in [0, 1] (n = 1).
Status ReadImage(const std::string& path, ColorMode color, Batch<float>* image);
// A measurement for `apply`: as ReadImage, except that float images (32-bit TIFF) and NumPy
// arrays (.npy, float32 or float64, of shape (H, W), (C, H, W) or (1, C, H, W), C = 1 for grey and
// 3 for colour, intensities on the [0, 1] scale) keep their values outside [0, 1], as a noisy
// measurement has them. Non-finite values are refused.
Status ReadMeasurement(const std::string& path, ColorMode color, Batch<float>* image);
// Writes image i of a batch (1 or 3 channels, clamped to [0, 1]) as an 8-bit PNG/JPEG/BMP/TIFF,
// chosen by the file extension, or with bits = 16 as a 16-bit PNG or TIFF (values x 65535).
Status WriteImage(const std::string& path, const Batch<float>& images, int i = 0, int bits = 8);

// A whole image (1 x C x H x W in [0, 1]) and its file's path relative to its folder.
struct NamedImage {
  std::string name;
  Batch<float> image;
};
// Every image file of a folder and its subfolders, whole, in sorted order of their paths, as
// ReadImage reads them. Unreadable files are skipped, each with a warning naming it. Fails when
// the folder cannot be listed or holds no readable image.
Status ReadImageSet(const std::string& folder, ColorMode color, std::vector<NamedImage>* images,
                    std::vector<std::string>* warnings, const LoadProgress& progress = {});
// The image codecs of this build, in words: "OpenCV imgcodecs", or "PNG only (libpng)" for a
// build configured with BILEVEL_IMAGE_CODECS=png.
const char* ImageCodecs();

// The names of the embedded default images, and their encoded bytes.
std::vector<std::string> EmbeddedImageNames();
std::string_view EmbeddedImageBytes(const std::string& name);

}  // namespace bilevel
