// Trainer::checkpoint() and restore(): the arrays of checkpoint.npz (docs/FORMATS.md).
#include <cstdint>
#include <sstream>

#include "bilevel/trainer.h"

namespace bilevel {
namespace {

constexpr std::int64_t kCheckpointVersion = 1;

Status Missing(const char* name) {
  return Status::Error(std::string("the checkpoint has no array '") + name + "'");
}

Status ReadDoubles(const NpyArrays& arrays, const char* name, std::size_t size,
                   std::vector<double>* out) {
  const NpyArray* a = FindArray(arrays, name);
  if (!a) return Missing(name);
  if (Status s = a->toDoubles(out); !s.ok()) return s;
  if (size != std::size_t(-1) && out->size() != size)
    return Status::Error(std::string("checkpoint array '") + name + "' has " +
                         std::to_string(out->size()) + " values, expected " + std::to_string(size));
  return Status::Ok();
}

Status ReadInts(const NpyArrays& arrays, const char* name, std::vector<std::int64_t>* out) {
  const NpyArray* a = FindArray(arrays, name);
  if (!a) return Missing(name);
  return a->toInt64(out);
}

Status ReadText(const NpyArrays& arrays, const char* name, std::string* out) {
  const NpyArray* a = FindArray(arrays, name);
  if (!a) return Missing(name);
  return a->toBytes(out);
}

}  // namespace

Status Trainer::checkpoint(CheckpointViews* out) const {
  out->warm.clear();
  out->warm_copy.clear();
  if (!oracle_.warmStartViews(&out->warm)) {
    if (Status s = oracle_.warmStarts(&out->warm_copy); !s.ok()) return s;
    out->warm = {std::span<const float>(out->warm_copy)};
  }
  NpyArrays& a = out->arrays;
  a.clear();
  const auto vec = [](const Eigen::VectorXd& v) {
    return NpyArray::FromDoubles(std::span<const double>(v.data(), std::size_t(v.size())));
  };
  a.emplace_back("version", NpyArray::ScalarInt64(kCheckpointVersion));
  a.emplace_back("theta", vec(theta_));
  a.emplace_back("adam_m", vec(adam_m_));
  a.emplace_back("adam_v", vec(adam_v_));
  const std::vector<std::int64_t> counters = {
      iteration_, lower_iterations_, cg_iterations_, power_iterations_,
      visited_,   position_,         adam_t_};
  a.emplace_back("counters", NpyArray::FromInt64(counters));
  const std::vector<double> reals = {wall_seconds_, maid_step_,         maid_epsilon_,
                                     maid_delta_,   initial_test_psnr_, last_test_psnr_};
  a.emplace_back("state", NpyArray::FromDoubles(reals));
  const std::vector<std::int64_t> order(order_.begin(), order_.end());
  a.emplace_back("order", NpyArray::FromInt64(order));
  std::ostringstream rng;
  rng << rng_;
  a.emplace_back("rng", NpyArray::FromBytes(rng.str()));
  return Status::Ok();
}

NpyViews Trainer::CheckpointViews::views() const {
  NpyViews v;
  for (const auto& [name, array] : arrays)
    v.emplace_back(name, NpyView::Of(array));
  v.emplace_back("warm_starts", NpyView::OfFloats(warm));
  return v;
}

Status Trainer::checkpoint(std::vector<std::pair<std::string, NpyArray>>* arrays) const {
  CheckpointViews views;
  if (Status s = checkpoint(&views); !s.ok()) return s;
  std::vector<float> warm;
  for (std::span<const float> part : views.warm)
    warm.insert(warm.end(), part.begin(), part.end());
  views.arrays.emplace_back("warm_starts", NpyArray::FromFloats(warm));
  *arrays = std::move(views.arrays);
  return Status::Ok();
}

Status Trainer::restore(const std::vector<std::pair<std::string, NpyArray>>& arrays) {
  std::vector<std::int64_t> version, counters, order;
  if (Status s = ReadInts(arrays, "version", &version); !s.ok()) return s;
  if (version.size() != 1 || version[0] != kCheckpointVersion)
    return Status::Error("unsupported checkpoint version");
  const std::size_t d = std::size_t(oracle_.parameterCount());
  std::vector<double> theta, m, v, reals;
  if (Status s = ReadDoubles(arrays, "theta", d, &theta); !s.ok()) return s;
  if (Status s = ReadDoubles(arrays, "adam_m", d, &m); !s.ok()) return s;
  if (Status s = ReadDoubles(arrays, "adam_v", d, &v); !s.ok()) return s;
  if (Status s = ReadDoubles(arrays, "state", 6, &reals); !s.ok()) return s;
  if (Status s = ReadInts(arrays, "counters", &counters); !s.ok()) return s;
  if (counters.size() != 7) return Status::Error("checkpoint array 'counters' is malformed");
  if (Status s = ReadInts(arrays, "order", &order); !s.ok()) return s;
  const int m_images = oracle_.trainingSize();
  if (long(order.size()) != m_images)
    return Status::Error("the checkpoint was made with " + std::to_string(order.size()) +
                         " training images, this dataset has " + std::to_string(m_images));
  for (std::int64_t i : order)
    if (i < 0 || i >= m_images) return Status::Error("checkpoint array 'order' is malformed");
  std::string rng_text;
  if (Status s = ReadText(arrays, "rng", &rng_text); !s.ok()) return s;
  std::vector<float> warm;
  const NpyArray* warm_array = FindArray(arrays, "warm_starts");
  if (!warm_array) return Missing("warm_starts");
  if (Status s = warm_array->toFloats(&warm); !s.ok()) return s;
  std::mt19937_64 rng;
  std::istringstream rng_in(rng_text);
  rng_in >> rng;
  if (rng_in.fail()) return Status::Error("checkpoint array 'rng' is malformed");
  if (Status s = oracle_.restoreWarmStarts(warm); !s.ok()) return s;

  theta_ = Eigen::Map<const Eigen::VectorXd>(theta.data(), Eigen::Index(d));
  adam_m_ = Eigen::Map<const Eigen::VectorXd>(m.data(), Eigen::Index(d));
  adam_v_ = Eigen::Map<const Eigen::VectorXd>(v.data(), Eigen::Index(d));
  iteration_ = counters[0];
  lower_iterations_ = counters[1];
  cg_iterations_ = counters[2];
  power_iterations_ = counters[3];
  visited_ = counters[4];
  position_ = int(counters[5]);
  adam_t_ = counters[6];
  wall_seconds_ = reals[0];
  maid_step_ = reals[1];
  maid_epsilon_ = reals[2];
  maid_delta_ = reals[3];
  initial_test_psnr_ = reals[4];
  last_test_psnr_ = reals[5];
  order_.assign(order.begin(), order.end());
  rng_ = rng;
  dirty_ = false;
  return Status::Ok();
}

}  // namespace bilevel
