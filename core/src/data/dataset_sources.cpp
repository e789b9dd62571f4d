// The source lists of the image-file formats: a folder of images (recursively), the embedded
// default set, and the Oxford-IIIT Pet images/ folder.
#include <algorithm>
#include <filesystem>
#include <utility>

#include "data/dataset_sources.h"
#include "data/image_decode.h"

namespace bilevel::detail {

std::string Quoted(const std::string& text) {
  return "'" + text + "'";
}

namespace {

namespace fs = std::filesystem;

// A file of the folder (its path relative to the folder as the name), or an embedded image
// (empty path).
struct Candidate {
  std::string name;
  std::string path;
};

// Decodes image files or embedded images; square_side > 0 fits each one to that square.
class ImageFileList : public SourceList {
 public:
  ImageFileList(std::vector<Candidate> candidates, ColorMode color, int square_side)
      : candidates_(std::move(candidates)), color_(color), square_side_(square_side) {}
  int count() const override { return int(candidates_.size()); }
  std::string name(int k) const override { return candidates_[std::size_t(k)].name; }
  Status read(int k, cv::Mat* image) override {
    const Candidate& candidate = candidates_[std::size_t(k)];
    std::vector<unsigned char> file_bytes;
    std::span<const unsigned char> bytes;
    if (candidate.path.empty()) {
      const std::string_view embedded = EmbeddedImageBytes(candidate.name);
      bytes = {reinterpret_cast<const unsigned char*>(embedded.data()), embedded.size()};
    } else {
      if (Status s = ReadFileBytes(candidate.path, &file_bytes); !s.ok()) return s;
      bytes = file_bytes;
    }
    if (Status s = DecodeImage(bytes, color_, image); !s.ok()) return s;
    return square_side_ > 0 ? FitSquare(square_side_, image) : Status::Ok();
  }

 private:
  std::vector<Candidate> candidates_;
  ColorMode color_;
  int square_side_;
};

// Checks that `folder` is an existing folder; `what` names it in messages ("the image folder").
Status CheckFolder(const std::string& folder, const std::string& what) {
  std::error_code ec;
  const fs::file_status status = fs::status(fs::path(folder), ec);
  if (status.type() == fs::file_type::not_found)
    return Status::Error(what + " " + Quoted(folder) + " does not exist");
  if (ec)
    return Status::Error("cannot access " + what + " " + Quoted(folder) + ": " + ec.message());
  if (!fs::is_directory(status)) return Status::Error(Quoted(folder) + " is not a folder");
  return Status::Ok();
}

// Lists the image files of a folder (and of its subfolders when `recursive`) in sorted order of
// their relative paths; the names of the other regular files go to *others when given.
template <typename Iterator>
Status ListImages(const std::string& folder, const std::string& what,
                  std::vector<Candidate>* images, std::vector<std::string>* others) {
  std::error_code ec;
  const fs::path dir(folder);
  Iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != Iterator(); it.increment(ec)) {
    std::error_code file_ec;
    if (!it->is_regular_file(file_ec) || file_ec) continue;
    const std::string name = it->path().lexically_relative(dir).generic_string();
    if (IsImageFileName(name))
      images->push_back({name, it->path().string()});
    else if (others)
      others->push_back(name);
  }
  if (ec) return Status::Error("cannot list " + what + " " + Quoted(folder) + ": " + ec.message());
  std::sort(images->begin(), images->end(),
            [](const Candidate& a, const Candidate& b) { return a.name < b.name; });
  if (others) std::sort(others->begin(), others->end());
  return Status::Ok();
}

void Cap(int max_images, std::vector<Candidate>* candidates) {
  if (max_images > 0 && candidates->size() > std::size_t(max_images))
    candidates->resize(std::size_t(max_images));
}

const char kImageKinds[] = "(.png, .jpg, .jpeg, .bmp, .tif, .tiff)";

// dataset.test_path: the test images from their own folder (and its subfolders), fit to
// square_side squares when it is > 0; nothing when the path is empty.
Status OpenTestFolder(const DatasetOptions& options, int square_side, DatasetSources* out) {
  if (options.test_folder.empty()) return Status::Ok();
  const std::string what = "the test image folder";
  std::vector<Candidate> tests;
  if (Status s = CheckFolder(options.test_folder, what); !s.ok()) return s;
  if (Status s =
          ListImages<fs::recursive_directory_iterator>(options.test_folder, what, &tests, nullptr);
      !s.ok())
    return s;
  if (tests.empty())
    return Status::Error(std::string("no image files ") + kImageKinds + " in " + what + " " +
                         Quoted(options.test_folder) + " or its subfolders");
  Cap(options.max_test_images, &tests);
  for (Candidate& c : tests)
    c.name = "test/" + c.name;  // apart from the training images' names (they seed the patches)
  out->test = std::make_unique<ImageFileList>(std::move(tests), options.color, square_side);
  return Status::Ok();
}

}  // namespace

Status OpenFolderSources(const DatasetOptions& options, DatasetSources* out) {
  std::vector<Candidate> candidates;
  if (options.folder.empty()) {
    out->where = "the embedded default image set";
    for (const std::string& name : EmbeddedImageNames())
      candidates.push_back({name, ""});
    if (candidates.empty())
      return Status::Error(
          "the embedded default image set is empty (the library was built "
          "without resources/images); choose an image folder");
  } else {
    const std::string what = "the image folder";
    out->where = what + " " + Quoted(options.folder);
    if (Status s = CheckFolder(options.folder, what); !s.ok()) return s;
    if (Status s = ListImages<fs::recursive_directory_iterator>(options.folder, what, &candidates,
                                                                nullptr);
        !s.ok())
      return s;
    if (candidates.empty())
      return Status::Error(std::string("no image files ") + kImageKinds + " in " + out->where +
                           " or its subfolders");
  }
  Cap(options.max_images, &candidates);
  out->sources = std::make_unique<ImageFileList>(std::move(candidates), options.color, 0);
  return OpenTestFolder(options, 0, out);
}

Status OpenPetsSources(const DatasetOptions& options, DatasetSources* out) {
  const std::string what = "the Oxford-IIIT Pet folder";
  if (options.folder.empty())
    return Status::Error("dataset.path: the pets format needs the Oxford-IIIT Pet folder");
  if (Status s = CheckFolder(options.folder, what); !s.ok()) return s;
  // The dataset's root holds images/ (and annotations/); the images folder itself works too.
  std::string folder = options.folder;
  std::error_code ec;
  if (fs::is_directory(fs::path(folder) / "images", ec))
    folder = (fs::path(folder) / "images").string();
  out->where = what + " " + Quoted(folder);
  std::vector<Candidate> candidates;
  std::vector<std::string> others;
  if (Status s = ListImages<fs::directory_iterator>(folder, what, &candidates, &others); !s.ok())
    return s;
  for (const std::string& name : others)
    out->warnings.push_back("skipped " + Quoted(name) + ": not an image file " + kImageKinds);
  if (candidates.empty())
    return Status::Error(std::string("no image files ") + kImageKinds + " in " + out->where);
  Cap(options.max_images, &candidates);
  out->sources =
      std::make_unique<ImageFileList>(std::move(candidates), options.color, options.image_side);
  return OpenTestFolder(options, options.image_side, out);
}

}  // namespace bilevel::detail
