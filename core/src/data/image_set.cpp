// Whole images of a folder, for evaluations (bilevel/dataset.h, ReadImageSet).
#include <new>

#include "data/dataset_sources.h"
#include "data/image_decode.h"

namespace bilevel {

Status ReadImageSet(const std::string& folder, ColorMode color, std::vector<NamedImage>* images,
                    std::vector<std::string>* warnings, const LoadProgress& progress) {
  images->clear();
  if (folder.empty()) return Status::Error("no image folder given");
  DatasetOptions options;
  options.folder = folder;
  options.color = color;
  detail::DatasetSources sources;
  if (Status s = detail::OpenFolderSources(options, &sources); !s.ok()) return s;
  detail::SourceList& list = *sources.sources;
  for (int k = 0; k < list.count(); ++k) {
    if (progress && !progress(k, list.count())) return Status::Error("cancelled");
    cv::Mat decoded;
    if (Status s = list.read(k, &decoded); !s.ok()) {
      warnings->push_back("skipped " + detail::Quoted(list.name(k)) + ": " + s.message());
      continue;
    }
    try {
      NamedImage image{list.name(k),
                       Batch<float>(1, decoded.channels(), decoded.rows, decoded.cols)};
      detail::CopyRegion(decoded, 0, 0, &image.image, 0);
      images->push_back(std::move(image));
    } catch (const std::bad_alloc&) {
      return Status::Error("not enough memory for " + detail::Quoted(list.name(k)));
    }
  }
  if (progress) progress(list.count(), list.count());
  if (images->empty()) return Status::Error("no readable image in " + sources.where);
  return Status::Ok();
}

}  // namespace bilevel
