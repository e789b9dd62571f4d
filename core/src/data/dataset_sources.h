// Private to core: the source images of a data set, one list per format, read one image at a
// time so that only what the dataset keeps stays in memory (dataset.cpp cuts and splits them).
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "bilevel/dataset.h"
#include "bilevel/status.h"

namespace bilevel::detail {

// Source images in their fixed order.
class SourceList {
 public:
  virtual ~SourceList() = default;
  virtual int count() const = 0;
  // A stable name: it seeds the image's patch positions and appears in warnings.
  virtual std::string name(int k) const = 0;
  // Reads source k as H x W CV_32FC1 (grey) or CV_32FC3 (RGB) in [0, 1], prepared by the format
  // but before options.scale. The message says why it is unusable (callers add the name).
  virtual Status read(int k, cv::Mat* image) = 0;
  // Whether an unusable source is skipped with a warning (image files) instead of failing the
  // load (a record of a binary file, whose read error names the file).
  virtual bool skipsUnusable() const { return true; }
};

struct DatasetSources {
  std::unique_ptr<SourceList> sources;  // split by the options (or all training, see test)
  std::unique_ptr<SourceList> test;     // the data set's own test images, or null
  std::string where;                    // "the image folder '...'", for messages
  std::vector<std::string> warnings;    // files passed over while listing
};

// The folder format (recursively) or, for an empty path, the embedded default set; capped by
// options.max_images.
Status OpenFolderSources(const DatasetOptions& options, DatasetSources* out);

// The Oxford-IIIT Pet images: every image fit to an image_side square (FitSquare).
Status OpenPetsSources(const DatasetOptions& options, DatasetSources* out);

// dataset.max_images generated image_side x image_side images (synthetic_sources.cpp).
Status OpenSyntheticSources(const DatasetOptions& options, DatasetSources* out);

// "'text'", the quoting of names in messages.
std::string Quoted(const std::string& text);

}  // namespace bilevel::detail
