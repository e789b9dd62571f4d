#include "backend/cpu/image_vectors.h"

#include <Eigen/Core>

#include "bilevel/thread_pool.h"

namespace bilevel::cpu {
namespace {

template <typename T>
using Vec = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>;
template <typename T>
using ConstVec = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>;

template <typename T>
ConstVec<T> In(const T* data, std::size_t size, int i) {
  return ConstVec<T>(data + std::size_t(i) * size, Eigen::Index(size));
}
template <typename T>
Vec<T> Out(T* data, std::size_t size, int i) {
  return Vec<T>(data + std::size_t(i) * size, Eigen::Index(size));
}

// body(k, i) for each position k and image i = active[k], one task each.
template <typename Body>
void ForImages(const Active& active, const Body& body) {
  ParallelFor(int(active.size()), [&](int k) { body(k, active[k]); });
}

}  // namespace

template <typename T>
void Dots(std::size_t size, const Active& active, const T* a, const T* b, double* out) {
  ForImages(active, [&](int k, int i) { out[k] = double(In(a, size, i).dot(In(b, size, i))); });
}

template <typename T>
void Norms(std::size_t size, const Active& active, const T* a, double* out) {
  ForImages(active, [&](int k, int i) { out[k] = double(In(a, size, i).norm()); });
}

template <typename T>
void Axpby(std::size_t size, const Active& active, const double* alpha, const T* x,
           const double* beta, T* y) {
  ForImages(active, [&](int k, int i) {
    Vec<T> yi = Out(y, size, i);
    yi = T(alpha[k]) * In(x, size, i) + T(beta[k]) * yi;
  });
}

template <typename T>
void CopyImages(std::size_t size, const Active& active, const T* src, T* dst) {
  ForImages(active, [&](int, int i) {
    if (src)
      Out(dst, size, i) = In(src, size, i);
    else
      Out(dst, size, i).setZero();
  });
}

template <typename T>
void FistaSecants(std::size_t size, const Active& active, const T* g, T* gp, const T* y, T* yp,
                  double* out) {
  ForImages(active, [&](int k, int i) {
    const ConstVec<T> gi = In(g, size, i), yi = In(y, size, i);
    Vec<T> gpi = Out(gp, size, i), ypi = Out(yp, size, i);
    double dg = 0.0, dy = 0.0;
    for (Eigen::Index e = 0; e < Eigen::Index(size); ++e) {
      const double a = double(gi[e]) - double(gpi[e]), b = double(yi[e]) - double(ypi[e]);
      dg += a * a;
      dy += b * b;
    }
    out[2 * k] = dg;
    out[2 * k + 1] = dy;
    ypi = yi;
    gpi = gi;
  });
}

template <typename T>
void FistaMove(std::size_t size, const Active& active, const double* step, const T* y, T* g,
               const T* x, double* restart) {
  ForImages(active, [&](int k, int i) {
    const ConstVec<T> yi = In(y, size, i), xi = In(x, size, i);
    Vec<T> gi = Out(g, size, i);
    gi = yi - gi * T(step[k]);
    restart[k] = double((yi - gi).dot(gi - xi));
  });
}

template <typename T>
void FistaExtrapolate(std::size_t size, const Active& active, const double* beta, const T* g, T* x,
                      T* y) {
  ForImages(active, [&](int k, int i) {
    const ConstVec<T> gi = In(g, size, i);
    Vec<T> xi = Out(x, size, i), yi = Out(y, size, i);
    yi = gi + T(beta[k]) * (gi - xi);
    xi = gi;
  });
}

#define BILEVEL_INSTANTIATE(T)                                                                    \
  template void Dots<T>(std::size_t, const Active&, const T*, const T*, double*);                 \
  template void Norms<T>(std::size_t, const Active&, const T*, double*);                          \
  template void Axpby<T>(std::size_t, const Active&, const double*, const T*, const double*, T*); \
  template void CopyImages<T>(std::size_t, const Active&, const T*, T*);                          \
  template void FistaSecants<T>(std::size_t, const Active&, const T*, T*, const T*, T*, double*); \
  template void FistaMove<T>(std::size_t, const Active&, const double*, const T*, T*, const T*,   \
                             double*);                                                            \
  template void FistaExtrapolate<T>(std::size_t, const Active&, const double*, const T*, T*, T*);
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel::cpu
