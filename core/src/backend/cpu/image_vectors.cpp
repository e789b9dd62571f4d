#include "backend/cpu/image_vectors.h"

#include <Eigen/Core>
#include <cmath>

#include "backend/kernels/solver_steps.h"

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
void FistaStep(std::size_t size, const Active& active, const backend::FistaState& s, T* x, T* y,
               T* g, T* yp, T* gp) {
  ForImages(active, [&](int k, int i) {
    Vec<T> xi = Out(x, size, i), yi = Out(y, size, i), gi = Out(g, size, i);
    Vec<T> ypi = Out(yp, size, i), gpi = Out(gp, size, i);
    bool grown = false;
    if (s.secant[k]) {
      double dg = 0.0, dy = 0.0;
      for (Eigen::Index e = 0; e < Eigen::Index(size); ++e) {
        const double a = double(gi[e]) - double(gpi[e]), b = double(yi[e]) - double(ypi[e]);
        dg += a * a;
        dy += b * b;
      }
      const double grown_l = steps::FistaSafeLipschitz(std::sqrt(dg), std::sqrt(dy), s.y_norm[k],
                                                       s.precision, s.lipschitz[k], s.safety);
      if (grown_l > s.lipschitz[k]) {
        grown = true;
        s.lipschitz[k] = grown_l;
        s.momentum[k] = steps::StronglyConvexMomentum(s.strongly_convex_momentum, grown_l, s.mu[k]);
      }
    }
    ypi = yi;
    gpi = gi;
    gi = yi - gi * T(1.0 / s.lipschitz[k]);  // gi now holds x_new
    // Restart when <grad(y), x_new - x> > 0, i.e. <y - x_new, x_new - x> > 0 up to L.
    const bool restart = grown || (s.adaptive_restart && double((yi - gi).dot(gi - xi)) > 0.0);
    const double beta = steps::FistaExtrapolation(restart, s.momentum[k], &s.t[k]);
    yi = gi + T(beta) * (gi - xi);
    xi = gi;
    s.grown[k] = grown ? 1 : 0;
  });
}

#define BILEVEL_INSTANTIATE(T)                                                                    \
  template void Dots<T>(std::size_t, const Active&, const T*, const T*, double*);                 \
  template void Norms<T>(std::size_t, const Active&, const T*, double*);                          \
  template void Axpby<T>(std::size_t, const Active&, const double*, const T*, const double*, T*); \
  template void CopyImages<T>(std::size_t, const Active&, const T*, T*);                          \
  template void FistaStep<T>(std::size_t, const Active&, const backend::FistaState&, T*, T*, T*,  \
                             T*, T*);
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel::cpu
