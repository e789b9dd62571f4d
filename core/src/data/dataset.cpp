// Datasets: a folder of images (or the embedded default set) cut into patches, split by source.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <new>
#include <random>
#include <utility>

#include "bilevel/dataset.h"
#include "image_decode.h"

namespace bilevel {
namespace {

// A file of the folder, or an embedded image (empty path).
struct Candidate {
  std::string name;
  std::string path;
};

// The patches of one usable source image, in extraction order.
struct SourcePatches {
  SourceImage info;
  Batch<float> patches;  // n x C x P x P
};

// A uniform integer in [0, bound), bound >= 1, by Lemire's multiply-and-reject. Unlike
// std::uniform_int_distribution it is the same on every standard library, and so are the patch
// positions and the split.
std::uint32_t Below(std::mt19937& rng, std::uint32_t bound) {
  std::uint64_t m = std::uint64_t(std::uint32_t(rng())) * bound;
  if (std::uint32_t(m) < bound) {
    const std::uint32_t threshold = std::uint32_t(-bound) % bound;
    while (std::uint32_t(m) < threshold)
      m = std::uint64_t(std::uint32_t(rng())) * bound;
  }
  return std::uint32_t(m >> 32);
}

// FNV-1a: a stable hash of a file name, so that an image's patches do not depend on the others.
std::uint64_t NameHash(const std::string& name) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::mt19937 SourceGenerator(unsigned seed, const std::string& name) {
  const std::uint64_t h = NameHash(name);
  std::seed_seq seq{std::uint32_t(seed), std::uint32_t(h), std::uint32_t(h >> 32)};
  return std::mt19937(seq);
}

std::string Quoted(const std::string& text) {
  return "'" + text + "'";
}

Status ListFolder(const std::string& folder, std::vector<Candidate>* out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dir(folder);
  const fs::file_status status = fs::status(dir, ec);
  if (status.type() == fs::file_type::not_found)
    return Status::Error("the image folder " + Quoted(folder) + " does not exist");
  if (ec)
    return Status::Error("cannot access the image folder " + Quoted(folder) + ": " + ec.message());
  if (!fs::is_directory(status)) return Status::Error(Quoted(folder) + " is not a folder");
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code file_ec;
    if (!it->is_regular_file(file_ec) || file_ec) continue;
    const std::string name = it->path().filename().string();
    if (detail::IsImageFileName(name)) out->push_back({name, it->path().string()});
  }
  if (ec)
    return Status::Error("cannot list the image folder " + Quoted(folder) + ": " + ec.message());
  std::sort(out->begin(), out->end(),
            [](const Candidate& a, const Candidate& b) { return a.name < b.name; });
  return Status::Ok();
}

// The most patches any one source can contribute once the caps apply (0: no limit). A source
// goes either to training or to testing, so the larger cap bounds it when both are set.
int PatchLimitPerSource(const DatasetOptions& options) {
  if (options.test_fraction == 0.0) return options.max_train_patches;
  if (options.max_train_patches > 0 && options.max_test_patches > 0)
    return std::max(options.max_train_patches, options.max_test_patches);
  return 0;
}

// Top-left corners of the patches of an h x w image: a grid (stride > 0) or seeded random ones.
std::vector<std::pair<int, int>> PatchPositions(const DatasetOptions& options,
                                                const std::string& name, int h, int w) {
  const int p = options.patch_size;
  const int limit = PatchLimitPerSource(options);
  std::vector<std::pair<int, int>> positions;
  const auto full = [&] { return limit > 0 && int(positions.size()) >= limit; };
  if (options.stride > 0) {
    for (int y = 0; y + p <= h && !full(); y += options.stride)
      for (int x = 0; x + p <= w && !full(); x += options.stride)
        positions.emplace_back(y, x);
    return positions;
  }
  std::mt19937 rng = SourceGenerator(options.seed, name);
  for (int k = 0; k < options.patches_per_image && !full(); ++k) {
    const int y = int(Below(rng, std::uint32_t(h - p + 1)));
    const int x = int(Below(rng, std::uint32_t(w - p + 1)));
    positions.emplace_back(y, x);
  }
  return positions;
}

// Decodes, scales and cuts one source. The message says why it is unusable.
Status LoadSource(const Candidate& candidate, const DatasetOptions& options, SourcePatches* out) {
  std::vector<unsigned char> file_bytes;
  std::span<const unsigned char> bytes;
  if (candidate.path.empty()) {
    const std::string_view embedded = EmbeddedImageBytes(candidate.name);
    bytes = {reinterpret_cast<const unsigned char*>(embedded.data()), embedded.size()};
  } else {
    if (Status s = detail::ReadFileBytes(candidate.path, &file_bytes); !s.ok()) return s;
    bytes = file_bytes;
  }
  cv::Mat image;
  if (Status s = detail::DecodeImage(bytes, options.color, &image); !s.ok()) return s;
  if (Status s = detail::ScaleImage(options.scale, &image); !s.ok()) return s;

  const int p = options.patch_size;
  if (image.rows < p || image.cols < p) {
    std::string size = std::to_string(image.cols) + "x" + std::to_string(image.rows);
    if (options.scale != 1.0) size += " after scaling by " + std::to_string(options.scale);
    return Status::Error("too small for " + std::to_string(p) + "x" + std::to_string(p) +
                         " patches (" + size + ")");
  }
  const auto positions = PatchPositions(options, candidate.name, image.rows, image.cols);
  out->info = SourceImage{candidate.name, image.cols, image.rows, false};
  out->patches.resize(Shape{int(positions.size()), image.channels(), p, p});
  for (std::size_t k = 0; k < positions.size(); ++k)
    detail::CopyRegion(image, positions[k].first, positions[k].second, &out->patches, int(k));
  return Status::Ok();
}

// Marks round(test_fraction * count) of the sources as test images (at least one when the
// fraction is positive and there are two sources or more, never all), by a seeded shuffle.
void SplitSources(const DatasetOptions& options, std::vector<SourcePatches>* sources) {
  const int count = int(sources->size());
  if (!(options.test_fraction > 0.0) || count < 2) return;
  const int tests = std::clamp(int(std::lround(options.test_fraction * count)), 1, count - 1);
  std::vector<int> order(std::size_t(count), 0);
  for (int k = 0; k < count; ++k)
    order[std::size_t(k)] = k;
  std::seed_seq seq{std::uint32_t(options.seed), 0x53504c54u /* "SPLT" */};
  std::mt19937 rng(seq);
  for (int k = count - 1; k > 0; --k)
    std::swap(order[std::size_t(k)], order[Below(rng, std::uint32_t(k + 1))]);
  for (int k = 0; k < tests; ++k)
    (*sources)[std::size_t(order[std::size_t(k)])].info.test = true;
}

// Copies the patches into the train and test batches in source order, keeping the first ones
// up to the caps.
void Assemble(const DatasetOptions& options, int channels,
              const std::vector<SourcePatches>& sources, Dataset* out) {
  const auto capped = [](std::size_t count, int cap) {
    return cap > 0 ? std::min(count, std::size_t(cap)) : count;
  };
  std::size_t train = 0, test = 0;
  for (const SourcePatches& s : sources)
    (s.info.test ? test : train) += std::size_t(s.patches.n());
  const int p = options.patch_size;
  out->train.resize(Shape{int(capped(train, options.max_train_patches)), channels, p, p});
  out->test.resize(Shape{int(capped(test, options.max_test_patches)), channels, p, p});
  int next_train = 0, next_test = 0;
  for (std::size_t k = 0; k < sources.size(); ++k) {
    const SourcePatches& s = sources[k];
    out->sources.push_back(s.info);
    Batch<float>& batch = s.info.test ? out->test : out->train;
    int& next = s.info.test ? next_test : next_train;
    std::vector<int>& origin = s.info.test ? out->test_source : out->train_source;
    for (int j = 0; j < s.patches.n() && next < batch.n(); ++j, ++next) {
      std::copy(s.patches.image(j), s.patches.image(j) + s.patches.imageSize(), batch.image(next));
      origin.push_back(int(k));
    }
  }
}

Status Load(const DatasetOptions& options, Dataset* out, const LoadProgress& progress) {
  const bool embedded = options.folder.empty();
  const std::string where =
      embedded ? "the embedded default image set" : "the image folder " + Quoted(options.folder);
  std::vector<Candidate> candidates;
  if (embedded) {
    for (const std::string& name : EmbeddedImageNames())
      candidates.push_back({name, ""});
    if (candidates.empty())
      return Status::Error(
          "the embedded default image set is empty (the library was built "
          "without resources/images); choose an image folder");
  } else {
    if (Status s = ListFolder(options.folder, &candidates); !s.ok()) return s;
    if (candidates.empty())
      return Status::Error("no image files (.png, .jpg, .jpeg, .bmp, .tif, .tiff) in " + where);
  }

  Dataset result;
  std::vector<SourcePatches> usable;
  const int total = int(candidates.size());
  for (int k = 0; k < total; ++k) {
    const Candidate& candidate = candidates[std::size_t(k)];
    SourcePatches source;
    if (Status s = LoadSource(candidate, options, &source); s.ok())
      usable.push_back(std::move(source));
    else
      result.warnings.push_back("skipped " + Quoted(candidate.name) + ": " + s.message());
    if (progress && !progress(k + 1, total))
      return Status::Error("loading the dataset was cancelled");
  }
  if (usable.empty())
    return Status::Error("no usable image in " + where + " (" + std::to_string(total) +
                         " skipped; first: " + result.warnings.front() + ")");

  SplitSources(options, &usable);
  Assemble(options, options.color == ColorMode::kColor ? 3 : 1, usable, &result);
  if (result.train.n() == 0) return Status::Error("the split leaves no training image in " + where);
  *out = std::move(result);
  return Status::Ok();
}

}  // namespace

Status LoadDataset(const DatasetOptions& options, Dataset* out, const LoadProgress& progress) {
  if (!out) return Status::Error("LoadDataset: no output dataset");
  if (Status s = options.validate(); !s.ok()) return s;
  try {
    return Load(options, out, progress);
  } catch (const std::bad_alloc&) {
    return Status::Error("not enough memory for the dataset (reduce the patch count or size)");
  } catch (const cv::Exception& e) {
    return Status::Error(std::string("OpenCV error while loading the dataset: ") + e.what());
  } catch (const std::filesystem::filesystem_error& e) {
    return Status::Error(std::string("cannot read the image folder: ") + e.what());
  }
}

}  // namespace bilevel
