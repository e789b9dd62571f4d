// The convex ridge regularizer's operations on the CPU: chains of correlations, one image per
// task through every layer with per-thread buffers (with fewer images than threads, one image
// after another with each correlation's rows spread over the threads), and its splines' sums, in
// the order the regularizer has always computed them.
#include <vector>

#include "backend/cpu/correlate_image.h"
#include "backend/cpu/correlation_rows.h"
#include "backend/cpu/cpu_ops.h"
#include "backend/cpu/image_tasks.h"
#include "backend/cpu/map_rows.h"
#include "backend/kernels/pointwise_maps.h"
#include "bilevel/thread_pool.h"

namespace bilevel::backend {
namespace {

ImageCorrelation Layer(const ConvGeometry& g) {
  return ImageCorrelation{g.in_channels, g.out_channels,
                          g.k,           g.h,
                          g.w,           g.reflect ? Boundary::kReflect101 : Boundary::kZero};
}

// int_{-T}^{t_m} sigma at each knot of one spline, and int_{-T}^0 sigma.
template <typename T>
struct SplineIntegral {
  std::vector<double> at_knots;
  double zero = 0.0;
  SplineIntegral(const Splines<T>& s, const T* c) : at_knots(std::size_t(s.knots), 0.0) {
    for (int m = 1; m < s.knots; ++m)
      at_knots[m] = at_knots[m - 1] + 0.5 * double(s.step) * double(c[m - 1] + c[m]);
    zero = spline::IntegralFromStart(c, at_knots.data(), s.knots, s.range, s.step, T(0));
  }
};

// Row bands per correlation: 1 when there are images enough for every thread (an image per task),
// else enough bands to keep the threads busy on the images one after another.
int Bands(const Active& active, int rows) {
  return int(active.size()) >= ThreadCount() ? 1 : tasks::BandsPerImage(int(active.size()), rows);
}

// body(k) for each active image: in parallel with one band, else one image after another.
void ForImages(const Active& active, int bands, const std::function<void(int)>& body) {
  if (bands == 1) {
    ParallelFor(int(active.size()), body);
    return;
  }
  for (int k = 0; k < int(active.size()); ++k)
    body(k);
}

}  // namespace

template <typename T>
void CpuOps<T>::chainForward(const Chain<T>& chain, const Active& active, const T* x,
                             const std::vector<T*>& outputs) {
  const int bands = Bands(active, chain.layers[0].h);
  ForImages(active, bands, [&](int k) {
    const std::size_t i = std::size_t(active[k]);
    const T* src = x + i * chain.layers[0].in_channels * chain.layers[0].plane();
    for (std::size_t l = 0; l < chain.layers.size(); ++l) {
      const ConvGeometry& g = chain.layers[l];
      T* dst = outputs[l] + i * g.out_channels * g.plane();
      CorrelateImage(Layer(g), src, chain.weights[l], dst, false, bands);
      src = dst;
    }
  });
}

template <typename T>
void CpuOps<T>::chainSandwich(const Chain<T>& chain, const Active& active, const T* x,
                              const ResponseMap<T>& map, T* out) {
  const std::size_t L = chain.layers.size();
  std::vector<std::vector<T>> flipped(L);
  for (std::size_t l = 0; l < L; ++l) {
    const ConvGeometry& g = chain.layers[l];
    flipped[l].resize(std::size_t(g.out_channels) * g.in_channels * g.k * g.k);
    FlipTranspose(chain.weights[l], g.out_channels, g.in_channels, g.k, flipped[l].data());
  }
  const std::size_t plane = chain.layers[0].plane();
  const int outputs = chain.outChannels();
  const int bands = Bands(active, chain.layers[0].h);
  ForImages(active, bands, [&](int k) {
    const std::size_t i = std::size_t(active[k]);
    thread_local std::vector<std::vector<T>> layers;
    thread_local std::vector<T> next;
    layers.resize(L);
    const T* src = x + i * chain.layers[0].in_channels * plane;
    for (std::size_t l = 0; l < L; ++l) {
      layers[l].resize(plane * chain.layers[l].out_channels);
      CorrelateImage(Layer(chain.layers[l]), src, chain.weights[l], layers[l].data(), false, bands);
      src = layers[l].data();
    }
    std::vector<T>& a = layers[L - 1];
    for (int o = 0; o < outputs; ++o)
      MapRow(map, o, (i * outputs + o) * plane, a.data() + o * plane, plane, a.data() + o * plane);
    for (std::size_t l = L; l-- > 1;) {
      next.resize(plane * chain.layers[l].in_channels);
      CorrelateAdjointImage(Layer(chain.layers[l]), a.data(), flipped[l].data(), next.data(), false,
                            bands);
      a.swap(next);
    }
    CorrelateAdjointImage(Layer(chain.layers[0]), a.data(), flipped[0].data(),
                          out + i * chain.layers[0].in_channels * plane, false, bands);
  });
}

template <typename T>
void CpuOps<T>::splineIntegralSums(const Splines<T>& s, T mu, std::size_t plane,
                                   const Active& active, const T* z, double* sums) {
  std::vector<SplineIntegral<T>> integrals;
  for (int o = 0; o < s.channels; ++o)
    integrals.emplace_back(s, s.values + std::size_t(o) * s.knots);
  ParallelFor(int(active.size()), [&](int k) {
    const T* zi = z + std::size_t(active[k]) * s.channels * plane;
    double sum = 0.0;
    for (int o = 0; o < s.channels; ++o) {
      const T* c = s.values + std::size_t(o) * s.knots;
      const SplineIntegral<T>& in = integrals[std::size_t(o)];
      for (std::size_t p = 0; p < plane; ++p)
        sum += spline::IntegralFromStart(c, in.at_knots.data(), s.knots, s.range, s.step,
                                         T(mu * zi[o * plane + p])) -
               in.zero;
    }
    sums[k] = sum;
  });
}

template <typename T>
void CpuOps<T>::crrMixedTerms(const Splines<T>& s, T lambda, T mu, std::size_t plane,
                              const Active& active, const T* z, const T* r, T* g1, T* g2,
                              double* sums, double* dc) {
  const double lam = double(lambda), m = double(mu);
  const std::size_t per_image = std::size_t(s.channels) * s.knots;
  ParallelFor(int(active.size()), [&](int k) {
    const std::size_t base = std::size_t(active[k]) * s.channels * plane;
    double* dci = dc + std::size_t(k) * per_image;
    std::fill(dci, dci + per_image, 0.0);
    double first = 0.0, second = 0.0;
    for (int o = 0; o < s.channels; ++o) {
      const T* c = s.values + std::size_t(o) * s.knots;
      double* dco = dci + std::size_t(o) * s.knots;
      for (std::size_t p = base + o * plane; p < base + (o + 1) * plane; ++p) {
        const T t = mu * z[p];
        const double sigma = double(spline::Value(c, s.knots, s.range, s.step, t));
        const double slope = double(spline::Slope(c, s.knots, s.range, s.step, t));
        first += sigma * double(r[p]);
        second += slope * double(t) * double(r[p]);
        // d sigma(t) / d c: at most two knots.
        const double weight = lam * double(r[p]);
        int knot;
        T frac;
        if (!spline::Locate(t, s.knots, s.range, s.step, &knot, &frac)) {
          dco[t < T(0) ? 0 : s.knots - 1] += weight;
        } else {
          dco[knot] += weight * double(T(1) - frac);
          dco[knot + 1] += weight * double(frac);
        }
        g1[p] = T(lam * m * slope * double(r[p]));
        g2[p] = T(lam * sigma);
      }
    }
    sums[2 * std::size_t(k)] = first;
    sums[2 * std::size_t(k) + 1] = second;
  });
}

// The class itself is instantiated in cpu_ops.cpp; these are its members defined here.
#define BILEVEL_INSTANTIATE(T)                                                                  \
  template void CpuOps<T>::chainForward(const Chain<T>&, const Active&, const T*,               \
                                        const std::vector<T*>&);                                \
  template void CpuOps<T>::chainSandwich(const Chain<T>&, const Active&, const T*,              \
                                         const ResponseMap<T>&, T*);                            \
  template void CpuOps<T>::splineIntegralSums(const Splines<T>&, T, std::size_t, const Active&, \
                                              const T*, double*);                               \
  template void CpuOps<T>::crrMixedTerms(const Splines<T>&, T, T, std::size_t, const Active&,   \
                                         const T*, const T*, T*, T*, double*, double*);
BILEVEL_INSTANTIATE(float)
BILEVEL_INSTANTIATE(double)
#undef BILEVEL_INSTANTIATE

}  // namespace bilevel::backend
