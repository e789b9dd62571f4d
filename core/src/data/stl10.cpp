// STL-10's binary files: the records of a *_X.bin file, read one at a time by seeking to them,
// so that the memory in use is what the dataset keeps.
#include "data/stl10.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "data/image_decode.h"

namespace bilevel::detail {

namespace {

namespace fs = std::filesystem;

constexpr int kPlane = kStl10Side * kStl10Side;

class Stl10File : public SourceList {
 public:
  // Checks the file's size: a whole, positive number of records.
  static Status Open(const std::string& path, ColorMode color, std::unique_ptr<Stl10File>* out) {
    std::error_code ec;
    const fs::file_status status = fs::status(fs::path(path), ec);
    if (status.type() == fs::file_type::not_found)
      return Status::Error("the STL-10 file " + Quoted(path) + " does not exist");
    if (ec)
      return Status::Error("cannot access the STL-10 file " + Quoted(path) + ": " + ec.message());
    if (!fs::is_regular_file(status))
      return Status::Error("the STL-10 file " + Quoted(path) + " is not a regular file");
    const std::uintmax_t size = fs::file_size(fs::path(path), ec);
    if (ec) return Status::Error("cannot read the size of " + Quoted(path) + ": " + ec.message());
    const auto record = std::uintmax_t(kStl10RecordBytes);
    if (size == 0) return Status::Error("the STL-10 file " + Quoted(path) + " is empty (0 bytes)");
    if (size % record != 0)
      return Status::Error(
          "the STL-10 file " + Quoted(path) + " is truncated: its " + std::to_string(size) +
          " bytes are not a whole number of " + std::to_string(record) +
          "-byte images (3 x 96 x 96); the last record is incomplete (" +
          std::to_string(size % record) + " of " + std::to_string(record) + " bytes)");
    auto file = std::unique_ptr<Stl10File>(new Stl10File(path, color, int(size / record)));
    file->in_.open(path, std::ios::binary);
    if (!file->in_) return Status::Error("cannot open the STL-10 file " + Quoted(path));
    *out = std::move(file);
    return Status::Ok();
  }

  int records() const { return records_; }
  void cap(int count) { count_ = std::clamp(count, 0, records_); }
  const std::string& path() const { return path_; }

  int count() const override { return count_; }
  std::string name(int k) const override {
    return fs::path(path_).filename().string() + "[" + std::to_string(k) + "]";
  }
  Status read(int k, cv::Mat* image) override {
    in_.clear();
    in_.seekg(std::streamoff(k) * std::streamoff(kStl10RecordBytes));
    if (!in_ ||
        !in_.read(reinterpret_cast<char*>(record_.data()), std::streamsize(kStl10RecordBytes)))
      return Status::Error("cannot read image " + std::to_string(k) + " of the STL-10 file " +
                           Quoted(path_));
    if (Status s = Stl10RecordToImage(record_.data(), color_, image); !s.ok())
      return Status::Error(Quoted(path_) + ", image " + std::to_string(k) + ": " + s.message());
    return Status::Ok();
  }
  bool skipsUnusable() const override { return false; }

 private:
  Stl10File(std::string path, ColorMode color, int records)
      : path_(std::move(path)),
        color_(color),
        records_(records),
        count_(records),
        record_(std::size_t(kStl10RecordBytes)) {}

  std::string path_;
  ColorMode color_;
  int records_;
  int count_;
  std::ifstream in_;
  std::vector<unsigned char> record_;
};

bool IsFile(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// The test records of a separate test file: max_test_images, or the share test_fraction of all.
Status TestCount(const DatasetOptions& options, int train, const Stl10File& test, int* count) {
  if (options.max_test_images > 0) {
    if (options.max_test_images > test.records())
      return Status::Error("dataset.max_test_images (" + std::to_string(options.max_test_images) +
                           ") exceeds the " + std::to_string(test.records()) +
                           " images of the STL-10 file " + Quoted(test.path()));
    *count = options.max_test_images;
    return Status::Ok();
  }
  const double f = options.test_fraction;
  *count = f > 0.0 ? std::clamp(int(std::lround(f / (1.0 - f) * train)), 1, test.records()) : 0;
  return Status::Ok();
}

}  // namespace

Status Stl10RecordToImage(const unsigned char* record, ColorMode color, cv::Mat* image) {
  // As cv::imdecode would give it: 8-bit BGR, row-major.
  cv::Mat bgr(kStl10Side, kStl10Side, CV_8UC3);
  for (int y = 0; y < kStl10Side; ++y) {
    unsigned char* row = bgr.ptr<unsigned char>(y);
    for (int x = 0; x < kStl10Side; ++x)
      for (int c = 0; c < 3; ++c)  // c: R, G, B in the file
        row[3 * x + (2 - c)] = record[c * kPlane + x * kStl10Side + y];
  }
  return ToFloatImage(bgr, color, image);
}

Status OpenStl10Sources(const DatasetOptions& options, DatasetSources* out) {
  if (options.folder.empty())
    return Status::Error("dataset.path: the stl10 format needs a *_X.bin file or a folder of them");
  const fs::path path(options.folder);
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found)
    return Status::Error("the STL-10 path " + Quoted(options.folder) + " does not exist");
  if (ec)
    return Status::Error("cannot access the STL-10 path " + Quoted(options.folder) + ": " +
                         ec.message());
  std::unique_ptr<Stl10File> sources, test;
  if (!fs::is_directory(status)) {
    out->where = "the STL-10 file " + Quoted(options.folder);
    if (Status s = Stl10File::Open(options.folder, options.color, &sources); !s.ok()) return s;
  } else {
    out->where = "the STL-10 folder " + Quoted(options.folder);
    const fs::path train = path / "train_X.bin", held = path / "test_X.bin";
    const fs::path unlabeled = path / "unlabeled_X.bin";
    const bool split_by_file = IsFile(train) && IsFile(held);
    const fs::path* single = IsFile(train)       ? &train
                             : IsFile(unlabeled) ? &unlabeled
                             : IsFile(held)      ? &held
                                                 : nullptr;
    if (!single)
      return Status::Error("no STL-10 file (train_X.bin, test_X.bin or unlabeled_X.bin) in " +
                           out->where);
    if (Status s = Stl10File::Open(single->string(), options.color, &sources); !s.ok()) return s;
    if (split_by_file) {
      if (Status s = Stl10File::Open(held.string(), options.color, &test); !s.ok()) return s;
    }
  }
  if (options.max_images > 0) sources->cap(options.max_images);
  if (test) {
    int count = 0;
    if (Status s = TestCount(options, sources->count(), *test, &count); !s.ok()) return s;
    test->cap(count);
    out->test = std::move(test);
  }
  out->sources = std::move(sources);
  return Status::Ok();
}

}  // namespace bilevel::detail
