#include "base/batch_ops.h"

#include <numeric>

#include "backend/cpu/image_vectors.h"
#include "backend/ops.h"

namespace bilevel {
namespace {

// Per-image values gathered by position in `active`, and back.
std::vector<double> Gather(const std::vector<int>& active, const std::vector<double>& by_image) {
  std::vector<double> out(active.size());
  for (std::size_t k = 0; k < active.size(); ++k)
    out[k] = by_image[std::size_t(active[k])];
  return out;
}
void Scatter(const std::vector<int>& active, const std::vector<double>& by_position, int n,
             std::vector<double>& by_image, int per_image = 1) {
  by_image.resize(std::size_t(n) * std::size_t(per_image));
  for (std::size_t k = 0; k < active.size(); ++k)
    for (int v = 0; v < per_image; ++v)
      by_image[std::size_t(active[k]) * per_image + v] = by_position[k * per_image + v];
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
  std::vector<double> k(active.size());
  if (backend::Ops<T>* ops = a.backend())
    ops->dots(a.imageSize(), active, a.data(), b.data(), k.data());
  else
    cpu::Dots(a.imageSize(), active, a.data(), b.data(), k.data());
  Scatter(active, k, a.n(), out);
}

template <typename T>
void Norm(const std::vector<int>& active, const Batch<T>& a, std::vector<double>& out) {
  std::vector<double> k(active.size());
  if (backend::Ops<T>* ops = a.backend())
    ops->norms(a.imageSize(), active, a.data(), k.data());
  else
    cpu::Norms(a.imageSize(), active, a.data(), k.data());
  Scatter(active, k, a.n(), out);
}

template <typename T>
void Axpby(const std::vector<int>& active, const std::vector<double>& alpha, const Batch<T>& x,
           const std::vector<double>& beta, Batch<T>& y) {
  const std::vector<double> a = Gather(active, alpha), b = Gather(active, beta);
  if (backend::Ops<T>* ops = y.backend())
    ops->axpby(y.imageSize(), active, a.data(), x.data(), b.data(), y.data());
  else
    cpu::Axpby(y.imageSize(), active, a.data(), x.data(), b.data(), y.data());
}

template <typename T>
void Copy(const std::vector<int>& active, const Batch<T>& src, Batch<T>& dst) {
  if (backend::Ops<T>* ops = dst.backend())
    ops->copyImages(dst.imageSize(), active, src.data(), dst.data());
  else
    cpu::CopyImages(dst.imageSize(), active, src.data(), dst.data());
}

template <typename T>
void SetZero(const std::vector<int>& active, Batch<T>& x) {
  if (backend::Ops<T>* ops = x.backend())
    ops->copyImages(x.imageSize(), active, nullptr, x.data());
  else
    cpu::CopyImages<T>(x.imageSize(), active, nullptr, x.data());
}

template <typename T>
void FistaStep(const std::vector<int>& active, const backend::FistaState& state, Batch<T>& x,
               Batch<T>& y, Batch<T>& g, Batch<T>& yp, Batch<T>& gp) {
  if (backend::Ops<T>* ops = x.backend())
    ops->fistaStep(x.imageSize(), active, state, x.data(), y.data(), g.data(), yp.data(),
                   gp.data());
  else
    cpu::FistaStep(x.imageSize(), active, state, x.data(), y.data(), g.data(), yp.data(),
                   gp.data());
}

#define BILEVEL_INSTANTIATE(T)                                                                 \
  template void Dot<T>(const std::vector<int>&, const Batch<T>&, const Batch<T>&,              \
                       std::vector<double>&);                                                  \
  template void Norm<T>(const std::vector<int>&, const Batch<T>&, std::vector<double>&);       \
  template void Axpby<T>(const std::vector<int>&, const std::vector<double>&, const Batch<T>&, \
                         const std::vector<double>&, Batch<T>&);                               \
  template void Copy<T>(const std::vector<int>&, const Batch<T>&, Batch<T>&);                  \
  template void SetZero<T>(const std::vector<int>&, Batch<T>&);                                \
  template void FistaStep<T>(const std::vector<int>&, const backend::FistaState&, Batch<T>&,   \
                             Batch<T>&, Batch<T>&, Batch<T>&, Batch<T>&);
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel
