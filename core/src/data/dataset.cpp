// Datasets: the source images of a format (dataset_sources.h, stl10.h), used whole or cut into
// patches, and split by source.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iterator>
#include <new>
#include <optional>
#include <random>
#include <utility>

#include "bilevel/dataset.h"
#include "data/dataset_sources.h"
#include "data/image_decode.h"
#include "data/stl10.h"

namespace bilevel {
namespace {

using detail::Quoted;

// The patches of one usable source image, in extraction order.
struct SourcePatches {
  SourceImage info;
  Batch<float> patches;  // n x C x P x P, or 1 x C x H x W (whole_images)
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

// The most patches any one source can contribute once the caps apply (0: no limit). A source
// goes either to training or to testing, so the larger cap bounds it when both are set.
int PatchLimitPerSource(const DatasetOptions& options) {
  if (options.test_fraction == 0.0 && options.max_test_images == 0)
    return options.max_train_patches;
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

// Scales and cuts one source image, or copies it whole. The message says why it is unusable.
Status CutSource(const std::string& name, cv::Mat image, const DatasetOptions& options,
                 SourcePatches* out) {
  if (Status s = detail::ScaleImage(options.scale, &image); !s.ok()) return s;
  if (options.whole_images) {
    out->info = SourceImage{name, image.cols, image.rows, false};
    out->patches.resize(Shape{1, image.channels(), image.rows, image.cols});
    detail::CopyRegion(image, 0, 0, &out->patches, 0);
    return Status::Ok();
  }
  const int p = options.patch_size;
  if (image.rows < p || image.cols < p) {
    std::string size = std::to_string(image.cols) + "x" + std::to_string(image.rows);
    if (options.scale != 1.0) size += " after scaling by " + std::to_string(options.scale);
    return Status::Error("too small for " + std::to_string(p) + "x" + std::to_string(p) +
                         " patches (" + size + ")");
  }
  const auto positions = PatchPositions(options, name, image.rows, image.cols);
  out->info = SourceImage{name, image.cols, image.rows, false};
  out->patches.resize(Shape{int(positions.size()), image.channels(), p, p});
  for (std::size_t k = 0; k < positions.size(); ++k)
    detail::CopyRegion(image, positions[k].first, positions[k].second, &out->patches, int(k));
  return Status::Ok();
}

std::string SizeText(int w, int h) {
  return std::to_string(w) + "x" + std::to_string(h);
}

// Reads source lists one image at a time, with the progress over all of them.
struct SourceReader {
  SourceReader(const DatasetOptions& o, const LoadProgress& p) : options(o), progress(p) {}
  const DatasetOptions& options;
  const LoadProgress& progress;
  int total = 0;
  int done = 0;
  std::vector<std::string> warnings;
  int skipped = 0;
  std::string first_skip;
  std::optional<std::pair<int, int>> whole_size;  // whole images: the first one's width, height

  // Whole images must all have one size (the batch's); the message says why not.
  Status checkSize(const SourceImage& info) {
    if (!options.whole_images) return Status::Ok();
    if (!whole_size) whole_size = {info.width, info.height};
    if (whole_size->first == info.width && whole_size->second == info.height) return Status::Ok();
    return Status::Error(SizeText(info.width, info.height) + ", not the " +
                         SizeText(whole_size->first, whole_size->second) +
                         " of the first image (whole images must all have one size)");
  }

  Status readAll(detail::SourceList& list, bool test, std::vector<SourcePatches>* out) {
    for (int k = 0; k < list.count(); ++k) {
      const std::string name = list.name(k);
      cv::Mat image;
      SourcePatches source;
      Status s = list.read(k, &image);
      if (s.ok()) s = CutSource(name, std::move(image), options, &source);
      if (s.ok()) s = checkSize(source.info);
      if (s.ok()) {
        source.info.test = test;
        out->push_back(std::move(source));
      } else if (list.skipsUnusable()) {
        warnings.push_back("skipped " + Quoted(name) + ": " + s.message());
        if (skipped++ == 0) first_skip = warnings.back();
      } else {
        return s;
      }
      if (progress && !progress(++done, total))
        return Status::Error("loading the dataset was cancelled");
    }
    return Status::Ok();
  }
};

// Marks the test sources: max_test_images of them, or round(test_fraction * count) (at least
// one when the fraction is positive and there are two sources or more, never all); the last
// ones (kOrdered) or those a seeded shuffle picks (kRandom).
Status SplitSources(const DatasetOptions& options, const std::string& where,
                    std::vector<SourcePatches>* sources) {
  const int count = int(sources->size());
  int tests = 0;
  if (options.max_test_images > 0) {
    if (options.max_test_images >= count)
      return Status::Error("dataset.max_test_images (" + std::to_string(options.max_test_images) +
                           ") leaves no training image: " + where + " has " +
                           std::to_string(count) + " usable source image(s)");
    tests = options.max_test_images;
  } else {
    if (!(options.test_fraction > 0.0) || count < 2) return Status::Ok();
    tests = std::clamp(int(std::lround(options.test_fraction * count)), 1, count - 1);
  }
  if (options.split == DatasetSplit::kOrdered) {
    for (int k = count - tests; k < count; ++k)
      (*sources)[std::size_t(k)].info.test = true;
    return Status::Ok();
  }
  std::vector<int> order(std::size_t(count), 0);
  for (int k = 0; k < count; ++k)
    order[std::size_t(k)] = k;
  std::seed_seq seq{std::uint32_t(options.seed), 0x53504c54u /* "SPLT" */};
  std::mt19937 rng(seq);
  for (int k = count - 1; k > 0; --k)
    std::swap(order[std::size_t(k)], order[Below(rng, std::uint32_t(k + 1))]);
  for (int k = 0; k < tests; ++k)
    (*sources)[std::size_t(order[std::size_t(k)])].info.test = true;
  return Status::Ok();
}

// Copies the patches into the train and test batches in source order, keeping the first ones
// up to the caps, and frees each source's patches once copied.
void Assemble(const DatasetOptions& options, std::vector<SourcePatches>* sources, Dataset* out) {
  const auto capped = [](std::size_t count, int cap) {
    return cap > 0 ? std::min(count, std::size_t(cap)) : count;
  };
  std::size_t train = 0, test = 0;
  for (const SourcePatches& s : *sources)
    (s.info.test ? test : train) += std::size_t(s.patches.n());
  const Shape first = sources->front().patches.shape();
  out->train.resize(
      Shape{int(capped(train, options.max_train_patches)), first.c, first.h, first.w});
  out->test.resize(Shape{int(capped(test, options.max_test_patches)), first.c, first.h, first.w});
  int next_train = 0, next_test = 0;
  for (std::size_t k = 0; k < sources->size(); ++k) {
    SourcePatches& s = (*sources)[k];
    out->sources.push_back(s.info);
    Batch<float>& batch = s.info.test ? out->test : out->train;
    int& next = s.info.test ? next_test : next_train;
    std::vector<int>& origin = s.info.test ? out->test_source : out->train_source;
    for (int j = 0; j < s.patches.n() && next < batch.n(); ++j, ++next) {
      std::copy(s.patches.image(j), s.patches.image(j) + s.patches.imageSize(), batch.image(next));
      origin.push_back(int(k));
    }
    s.patches = Batch<float>();
  }
}

Status Open(const DatasetOptions& options, detail::DatasetSources* data) {
  switch (options.format) {
    case DatasetFormat::kStl10:
      return detail::OpenStl10Sources(options, data);
    case DatasetFormat::kPets:
      return detail::OpenPetsSources(options, data);
    case DatasetFormat::kSynthetic:
      return detail::OpenSyntheticSources(options, data);
    case DatasetFormat::kFolder:
      break;
  }
  return detail::OpenFolderSources(options, data);
}

Status Load(const DatasetOptions& options, Dataset* out, const LoadProgress& progress) {
  detail::DatasetSources data;
  if (Status s = Open(options, &data); !s.ok()) return s;
  SourceReader reader(options, progress);
  reader.warnings = std::move(data.warnings);
  reader.total = data.sources->count() + (data.test ? data.test->count() : 0);
  std::vector<SourcePatches> usable, held_out;
  if (Status s = reader.readAll(*data.sources, false, &usable); !s.ok()) return s;
  if (usable.empty())
    return Status::Error("no usable image in " + data.where + " (" +
                         std::to_string(reader.skipped) + " skipped; first: " + reader.first_skip +
                         ")");
  if (data.test) {
    if (Status s = reader.readAll(*data.test, true, &held_out); !s.ok()) return s;
  } else if (Status s = SplitSources(options, data.where, &usable); !s.ok()) {
    return s;
  }
  std::move(held_out.begin(), held_out.end(), std::back_inserter(usable));
  held_out.clear();

  Dataset result;
  result.warnings = std::move(reader.warnings);
  Assemble(options, &usable, &result);
  if (result.train.n() == 0)
    return Status::Error("the split leaves no training image in " + data.where);
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
    return Status::Error(std::string("cannot read the dataset: ") + e.what());
  }
}

}  // namespace bilevel
