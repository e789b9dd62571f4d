#include "base/batch_ops.h"

#include <Eigen/Core>
#include <numeric>

#include "bilevel/thread_pool.h"

namespace bilevel {
namespace {

template <typename T>
using ConstMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>;
template <typename T>
using Map = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>;

template <typename T>
ConstMap<T> View(const Batch<T>& b, int i) {
  return ConstMap<T>(b.image(i), Eigen::Index(b.imageSize()));
}
template <typename T>
Map<T> View(Batch<T>& b, int i) {
  return Map<T>(b.image(i), Eigen::Index(b.imageSize()));
}

void ForActive(const std::vector<int>& active, const std::function<void(int)>& body) {
  ParallelFor(int(active.size()), [&](int k) { body(active[k]); });
}

}  // namespace

std::vector<int> AllImages(int n) {
  std::vector<int> all(std::max(0, n));
  std::iota(all.begin(), all.end(), 0);
  return all;
}

template <typename T>
void Dot(const std::vector<int>& active, const Batch<T>& a, const Batch<T>& b,
         std::vector<double>& out) {
  out.resize(a.n());
  ForActive(active, [&](int i) { out[i] = double(View(a, i).dot(View(b, i))); });
}

template <typename T>
void Norm(const std::vector<int>& active, const Batch<T>& a, std::vector<double>& out) {
  out.resize(a.n());
  ForActive(active, [&](int i) { out[i] = double(View(a, i).norm()); });
}

template <typename T>
void Axpby(const std::vector<int>& active, const std::vector<double>& alpha, const Batch<T>& x,
           const std::vector<double>& beta, Batch<T>& y) {
  ForActive(active,
            [&](int i) { View(y, i) = T(alpha[i]) * View(x, i) + T(beta[i]) * View(y, i); });
}

template <typename T>
void Copy(const std::vector<int>& active, const Batch<T>& src, Batch<T>& dst) {
  ForActive(active, [&](int i) { View(dst, i) = View(src, i); });
}

template <typename T>
void SetZero(const std::vector<int>& active, Batch<T>& x) {
  ForActive(active, [&](int i) { View(x, i).setZero(); });
}

#define BILEVEL_INSTANTIATE(T)                                                                 \
  template void Dot<T>(const std::vector<int>&, const Batch<T>&, const Batch<T>&,              \
                       std::vector<double>&);                                                  \
  template void Norm<T>(const std::vector<int>&, const Batch<T>&, std::vector<double>&);       \
  template void Axpby<T>(const std::vector<int>&, const std::vector<double>&, const Batch<T>&, \
                         const std::vector<double>&, Batch<T>&);                               \
  template void Copy<T>(const std::vector<int>&, const Batch<T>&, Batch<T>&);                  \
  template void SetZero<T>(const std::vector<int>&, Batch<T>&);
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel
