// The seam's operations (backend/ops.h) written once as launches of the kernel bodies
// (backend/kernels/), over a Device that owns memory and runs a body over a grid:
//
//   struct Device {
//     bool ok() const;                       // no error so far
//     std::string error() const;             // the first error, in words
//     void enter();                          // makes the device current on the calling thread
//     template <class U> U* allocate(std::size_t count);  // zeros; null (and an error) if not
//     template <class U> void release(U* data) noexcept;
//     template <class U> void upload(const U* host, std::size_t count, U* dst);
//     template <class U> void download(const U* src, std::size_t count, U* host);
//     template <class U> void copy(const U* src, std::size_t count, U* dst);  // within the device
//     template <class Body> void launch(const LaunchGrid& grid, const Body& body);
//     void synchronize();                    // waits for the launches queued so far
//   };
//
// The CUDA backend is BodyOps over a CUDA device (backend/cuda/cuda_ops.cu); the CPU tests run
// the same sequence of launches over HostLoopDevice (the bodies in the host loop, host memory),
// so that all of it but the device's memory and grid runs in ctest. Once the device has failed,
// every operation returns at once and error() says why.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "backend/host_launch.h"
#include "backend/kernels/correlation_point.h"
#include "backend/kernels/difference_body.h"
#include "backend/kernels/pointwise_body.h"
#include "backend/kernels/response_body.h"
#include "backend/kernels/vector_body.h"
#include "backend/ops.h"

namespace bilevel::backend {

template <typename T, typename Device>
class BodyOps final : public Ops<T> {
 public:
  template <typename... Args>
  explicit BodyOps(const char* name, Args&&... args)
      : name_(name), device_(std::forward<Args>(args)...) {}
  ~BodyOps() override {
    t_.release(device_);
    d_.release(device_);
    partial_.release(device_);
    active_.release(device_);
  }

  const char* name() const override { return name_; }
  std::string error() const override { return device_.ok() ? std::string() : device_.error(); }
  void synchronize() override {
    if (enter()) device_.synchronize();
  }
  Device& device() { return device_; }

  T* allocate(std::size_t count) override {
    device_.enter();
    return device_.template allocate<T>(count);
  }
  void release(T* data) noexcept override { device_.release(data); }
  void upload(const T* host, std::size_t count, T* dst) override {
    if (enter()) device_.upload(host, count, dst);
  }
  void download(const T* src, std::size_t count, T* host) override {
    if (enter()) device_.download(src, count, host);
  }

  void copy(const T* src, std::size_t count, T* dst) override {
    if (enter()) device_.copy(src, count, dst);
  }

  void correlate(const ConvGeometry& g, const Active& active, const T* x, const T* weights,
                 T* z) override {
    if (!enter(active)) return;
    device_.launch({g.w, g.h, int(active.size()) * g.out_channels},
                   kernels::CorrelateForwardBody<T>{g, x, weights, z, active_.data});
  }

  void correlateAdjoint(const ConvGeometry& g, const Active& active, const T* z, const T* weights,
                        T* x) override {
    if (!enter(active)) return;
    device_.launch({g.w, g.h, int(active.size()) * g.in_channels},
                   kernels::CorrelateAdjointBody<T>{g, z, weights, x, active_.data});
  }

  void correlateAdd(const ConvGeometry& g, const Active& active, const T* x, const T* weights,
                    T* z) override {
    if (!enter(active)) return;
    device_.launch({g.w, g.h, int(active.size()) * g.out_channels},
                   kernels::CorrelateForwardBody<T>{g, x, weights, z, active_.data, true});
  }

  void correlateAdjointAdd(const ConvGeometry& g, const Active& active, const T* z,
                           const T* weights, T* x) override {
    if (!enter(active)) return;
    device_.launch({g.w, g.h, int(active.size()) * g.in_channels},
                   kernels::CorrelateAdjointBody<T>{g, z, weights, x, active_.data, true});
  }

  void sandwich(const ConvGeometry& g, const Active& active, const T* x, const T* weights,
                const ResponseMap<T>& map, T* out) override {
    const std::size_t zimage = std::size_t(g.out_channels) * g.plane();
    if (!enter(active) || !t_.fit(device_, Spanned(active) * zimage)) return;
    correlate(g, active, x, weights, t_.data);
    device_.launch({int(g.plane()), g.out_channels, int(active.size())},
                   MapBody(map, g.out_channels, g.plane(), t_.data, t_.data));
    correlateAdjoint(g, active, t_.data, weights, out);
  }

  void weightGradients(const ConvGeometry& g, const Active& active, const T* x, const T* a,
                       const T* y, const T* b, double* grad) override {
    const std::size_t per_image = std::size_t(g.out_channels) * g.in_channels * g.k * g.k;
    if (!enter(active) || !d_.fit(device_, active.size() * per_image)) return;
    device_.launch({g.k * g.k, g.in_channels, int(active.size()) * g.out_channels},
                   kernels::WeightGradientBody<T>{g, x, a, d_.data, active_.data,
                                                  y && b ? y : nullptr, y && b ? b : nullptr});
    device_.download(d_.data, active.size() * per_image, grad);
  }

  void mapResponses(const ResponseMap<T>& map, int channels, std::size_t plane,
                    const Active& active, const T* z, T* out) override {
    if (!enter(active)) return;
    device_.launch({int(plane), channels, int(active.size())},
                   MapBody(map, channels, plane, z, out));
  }

  // Scratch t_: every layer's output, n x n_l x plane each.
  void chainForward(const Chain<T>& chain, const Active& active, const T* x,
                    const std::vector<T*>& outputs) override {
    if (!enter(active)) return;
    const T* src = x;
    for (std::size_t l = 0; l < chain.layers.size(); ++l) {
      correlate(chain.layers[l], active, src, chain.weights[l], outputs[l]);
      src = outputs[l];
    }
  }

  void chainSandwich(const Chain<T>& chain, const Active& active, const T* x,
                     const ResponseMap<T>& map, T* out) override {
    const std::size_t L = chain.layers.size(), plane = chain.layers[0].plane();
    std::vector<std::size_t> offset(L + 1, 0);
    int widest = chain.layers[0].in_channels;
    for (std::size_t l = 0; l < L; ++l) {
      offset[l + 1] = offset[l] + Spanned(active) * chain.layers[l].out_channels * plane;
      widest = std::max(widest, chain.layers[l].out_channels);
    }
    const std::size_t back = Spanned(active) * std::size_t(widest) * plane;
    if (!enter(active) || !t_.fit(device_, offset[L] + 2 * back)) return;
    std::vector<T*> outputs(L);
    for (std::size_t l = 0; l < L; ++l)
      outputs[l] = t_.data + offset[l];
    chainForward(chain, active, x, outputs);
    T* a = outputs[L - 1];
    device_.launch({int(plane), chain.outChannels(), int(active.size())},
                   MapBody(map, chain.outChannels(), plane, a, a));
    T* spare[2] = {t_.data + offset[L], t_.data + offset[L] + back};
    for (std::size_t l = L; l-- > 1;) {
      T* next = spare[l % 2];
      correlateAdjoint(chain.layers[l], active, a, chain.weights[l], next);
      a = next;
    }
    correlateAdjoint(chain.layers[0], active, a, chain.weights[0], out);
  }

  void splineIntegralSums(const Splines<T>& s, T mu, std::size_t plane, const Active& active,
                          const T* z, double* sums) override {
    const std::size_t count = active.size() * s.channels * plane;
    if (!enter(active) || !d_.fit(device_, count)) return;
    device_.launch({int(plane), s.channels, int(active.size())},
                   kernels::SplineIntegralBody<T>{s.channels, s.knots, plane, s.range, s.step, mu,
                                                  s.values, active_.data, z, d_.data});
    // One sum per image over its channels' planes, taken as one plane.
    planeSums(d_.data, std::size_t(s.channels) * plane, int(active.size()), sums);
  }

  void crrMixedTerms(const Splines<T>& s, T lambda, T mu, std::size_t plane, const Active& active,
                     const T* z, const T* r, T* g1, T* g2, double* sums, double* dc) override {
    const std::size_t count = active.size() * s.channels * plane;
    const std::size_t knots = active.size() * s.channels * s.knots;
    if (!enter(active) || !d_.fit(device_, 2 * count + knots)) return;
    double *first = d_.data, *second = first + count, *grad = second + count;
    device_.launch({int(plane), s.channels, int(active.size())},
                   kernels::CrrMixedBody<T>{s.channels, s.knots, plane, s.range, s.step, lambda, mu,
                                            s.values, active_.data, z, r, g1, g2, first, second});
    device_.launch({s.knots, s.channels, int(active.size())},
                   kernels::SplineGradientBody<T>{s.channels, s.knots, plane, s.range, s.step,
                                                  lambda, mu, active_.data, z, r, grad});
    const int images = int(active.size());
    std::vector<double> terms(2 * std::size_t(images));
    planeSums(first, std::size_t(s.channels) * plane, images, terms.data());
    planeSums(second, std::size_t(s.channels) * plane, images, terms.data() + images);
    for (int k = 0; k < images; ++k) {
      sums[2 * k] = terms[k];
      sums[2 * k + 1] = terms[images + k];
    }
    device_.download(grad, knots, dc);
  }

  // Scratch t_: z, kq, a, b (n x J x plane each) and the two terms (slots x J x plane each).
  void foeMixedTerms(const ConvGeometry& g, const FoeMaps<T>& f, const Active& active, const T* x,
                     const T* q, const T* weights, double* sums, double* grad) override {
    const std::size_t zsize = Spanned(active) * f.kernels * f.plane;
    const std::size_t terms = active.size() * f.kernels * f.plane;
    if (!enter(active) || !t_.fit(device_, 4 * zsize + 2 * terms)) return;
    T *z = t_.data, *kq = z + zsize, *a = kq + zsize, *b = a + zsize;
    T *first = b + zsize, *smooth = first + terms;
    correlate(g, active, x, weights, z);
    correlate(g, active, q, weights, kq);
    device_.launch({int(f.plane), f.kernels, int(active.size())},
                   kernels::FoeMixedBody<T>{f.kernels, f.plane, f.nu, f.scale, active_.data, z, kq,
                                            a, b, first, smooth});
    const int planes = int(active.size()) * f.kernels;
    std::vector<double> dots(2 * std::size_t(planes));
    planeSums(first, f.plane, planes, dots.data());
    planeSums(smooth, f.plane, planes, dots.data() + planes);
    for (int p = 0; p < planes; ++p) {
      sums[2 * p] = dots[p];
      sums[2 * p + 1] = dots[planes + p];
    }
    weightGradients(g, active, x, a, q, b, grad);
  }

  void foePhiSums(const FoeMaps<T>& f, const Active& active, const T* z, double* sums) override {
    const int planes = int(active.size()) * f.kernels;
    if (!enter(active) || !d_.fit(device_, std::size_t(planes) * f.plane)) return;
    device_.launch(
        {int(f.plane), f.kernels, int(active.size())},
        kernels::FoePhiBody<T>{f.kernels, f.plane, double(f.nu), active_.data, z, d_.data});
    planeSums(d_.data, f.plane, planes, sums);
  }

  // Scratch t_: the differences (uh, uv) of v by slot plane, and (gh, gv) those of `at`.
  void tvSandwich(TvMap map, const TvMaps<T>& t, const Active& active, const T* v,
                  T* out) override {
    const int planes = int(active.size()) * t.channels;
    const std::size_t size = std::size_t(planes) * t.plane();
    if (!enter(active) || !t_.fit(device_, 4 * size)) return;
    T *uh = t_.data, *uv = uh + size, *gh = uv + size, *gv = gh + size;
    differences(t, planes, v, uh, uv);
    if (map == TvMap::kGradient)
      device_.launch({int(size), 1, 1},
                     kernels::TvMapBody<T>{false, t.nu, nullptr, nullptr, uh, uv});
    if (map == TvMap::kHessian) {
      differences(t, planes, t.at, gh, gv);
      device_.launch({int(size), 1, 1}, kernels::TvMapBody<T>{true, t.nu, gh, gv, uh, uv});
    }
    device_.launch({t.w, t.h, planes},
                   kernels::DifferencesAdjointBody<T>{t.h, t.w, t.channels,
                                                      map == TvMap::kBound ? t.bounds : t.weights,
                                                      uh, uv, out, active_.data});
  }

  void tvValues(const TvMaps<T>& t, const Active& active, const T* x, double* sums) override {
    const int planes = int(active.size()) * t.channels;
    const std::size_t size = std::size_t(planes) * t.plane();
    if (!enter(active) || !t_.fit(device_, 2 * size) || !d_.fit(device_, size)) return;
    differences(t, planes, x, t_.data, t_.data + size);
    device_.launch({int(size), 1, 1},
                   kernels::TvValueBody<T>{t.nu, t_.data, t_.data + size, d_.data});
    planeSums(d_.data, t.plane(), planes, sums);
  }

  void tvMixedTerms(const TvMaps<T>& t, const Active& active, const T* x, const T* q,
                    double* sums) override {
    const int planes = int(active.size()) * t.channels;
    const std::size_t size = std::size_t(planes) * t.plane();
    if (!enter(active) || !t_.fit(device_, 4 * size) || !d_.fit(device_, 2 * size)) return;
    T *gh = t_.data, *gv = gh + size, *uh = gv + size, *uv = uh + size;
    differences(t, planes, x, gh, gv);
    differences(t, planes, q, uh, uv);
    const double nu2 = double(t.nu) * double(t.nu);
    device_.launch({int(size), 1, 1},
                   kernels::TvMixedBody<T>{nu2, gh, gv, uh, uv, d_.data, d_.data + size});
    std::vector<double> terms(2 * std::size_t(planes));
    planeSums(d_.data, t.plane(), planes, terms.data());
    planeSums(d_.data + size, t.plane(), planes, terms.data() + planes);
    for (int p = 0; p < planes; ++p) {
      sums[2 * p] = terms[p];
      sums[2 * p + 1] = terms[planes + p];
    }
  }

  void multiplyAdd(std::size_t size, const Active& active, const T* a, const T* b, const T* c,
                   const T* d, T* out) override {
    if (!enter(active)) return;
    device_.launch({int(size), 1, int(active.size())},
                   kernels::MultiplyAddBody<T>{size, active_.data, a, b, c, d, out});
  }

  void fill(std::size_t size, const Active& active, T value, T* x) override {
    if (!enter(active)) return;
    device_.launch({int(size), 1, int(active.size())},
                   kernels::FillBody<T>{size, active_.data, value, x});
  }

  void addTo(std::size_t size, const Active& active, const T* x, T* y) override {
    if (!enter(active)) return;
    device_.launch({int(size), 1, int(active.size())},
                   kernels::AddBody<T>{size, active_.data, x, y});
  }

  void softplus(std::size_t size, const Active& active, T beta, const T* t, T* act, T* slope,
                T* curvature) override {
    if (!enter(active)) return;
    device_.launch(
        {int(size), 1, int(active.size())},
        kernels::ImageSoftplusBody<T>{size, active_.data, beta, t, act, slope, curvature});
  }

  void addChannelBias(int channels, std::size_t plane, const Active& active, const T* bias,
                      T* x) override {
    if (!enter(active)) return;
    device_.launch({int(plane), channels, int(active.size())},
                   kernels::ChannelBiasBody<T>{channels, plane, bias, x, active_.data});
  }

  void channelSums(int channels, std::size_t plane, const Active& active, const T* x,
                   double* sums) override {
    if (!enter(active)) return;
    planeSums(x, plane, int(active.size()) * channels, sums, active_.data, channels);
  }

  void multiply(std::size_t size, const Active& active, const T* a, const T* b, T* out) override {
    if (!enter(active)) return;
    device_.launch({int(size), 1, int(active.size())},
                   kernels::ProductBody<T>{size, active_.data, a, b, out});
  }

  void dots(std::size_t size, const Active& active, const T* a, const T* b, double* out) override {
    slotSums(size, active, 1, false, out, [&](double* partial) {
      device_.launch({kernels::Chunks(size), 1, int(active.size())},
                     kernels::DotPartialBody<T>{size, active_.data, a, b, partial});
    });
  }
  void norms(std::size_t size, const Active& active, const T* a, double* out) override {
    slotSums(size, active, 1, true, out, [&](double* partial) {
      device_.launch({kernels::Chunks(size), 1, int(active.size())},
                     kernels::DotPartialBody<T>{size, active_.data, a, a, partial});
    });
  }
  void axpby(std::size_t size, const Active& active, const double* alpha, const T* x,
             const double* beta, T* y) override {
    // The body takes its scalars by image.
    const std::size_t n = Spanned(active);
    std::vector<double> scalars(2 * n, 0.0);
    for (std::size_t k = 0; k < active.size(); ++k) {
      scalars[std::size_t(active[k])] = alpha[k];
      scalars[n + std::size_t(active[k])] = beta[k];
    }
    const double* on_device = enter(active) ? upload(scalars) : nullptr;
    if (!on_device) return;
    device_.launch({int(size), 1, int(active.size())},
                   kernels::AxpbyBody<T>{size, active_.data, on_device, on_device + n, x, y});
  }
  void copyImages(std::size_t size, const Active& active, const T* src, T* dst) override {
    if (!enter(active)) return;
    device_.launch({int(size), 1, int(active.size())},
                   kernels::CopyBody<T>{size, active_.data, src, dst});
  }
  void fistaStep(std::size_t size, const Active& active, const FistaState& s, T* x, T* y, T* g,
                 T* yp, T* gp) override {
    using kernels::FistaRows;
    const int count = int(active.size());
    if (count == 0 || !enter(active)) return;
    std::vector<double> host(std::size_t(FistaRows::kRows) * count, 0.0);
    for (int k = 0; k < count; ++k) {
      host[std::size_t(FistaRows::kLipschitz) * count + k] = s.lipschitz[k];
      host[std::size_t(FistaRows::kMomentum) * count + k] = s.momentum[k];
      host[std::size_t(FistaRows::kT) * count + k] = s.t[k];
      host[std::size_t(FistaRows::kMu) * count + k] = s.mu[k];
      host[std::size_t(FistaRows::kYNorm) * count + k] = s.y_norm[k];
      host[std::size_t(FistaRows::kSecant) * count + k] = s.secant[k];
    }
    const double* state = upload(host);
    if (!state) return;
    const FistaRows rows{const_cast<double*>(state), count};
    const int chunks = kernels::Chunks(size);
    const double* sums = reduce(2 * active.size(), chunks, false, [&](double* partial) {
      device_.launch({chunks, 1, count}, kernels::SecantPartialBody<T>{size, count, active_.data, g,
                                                                       gp, y, yp, partial});
    });
    if (!sums) return;
    device_.launch({count, 1, 1}, kernels::FistaLipschitzBody{rows, sums, s.precision, s.safety,
                                                              s.strongly_convex_momentum});
    device_.launch({int(size), 1, count},
                   kernels::FistaMoveBody<T>{size, active_.data, rows, y, g});
    const double* products = reduce(active.size(), chunks, false, [&](double* partial) {
      device_.launch({chunks, 1, count},
                     kernels::RestartPartialBody<T>{size, active_.data, y, g, x, partial});
    });
    if (!products) return;
    device_.launch({count, 1, 1}, kernels::FistaRestartBody{rows, products, s.adaptive_restart});
    device_.launch({int(size), 1, count},
                   kernels::ExtrapolateBody<T>{size, active_.data, rows, g, x, y});
    device_.download(state, std::size_t(FistaRows::kGrown + 1) * count, host.data());
    for (int k = 0; k < count; ++k) {
      s.lipschitz[k] = host[std::size_t(FistaRows::kLipschitz) * count + k];
      s.momentum[k] = host[std::size_t(FistaRows::kMomentum) * count + k];
      s.t[k] = host[std::size_t(FistaRows::kT) * count + k];
      s.grown[k] = host[std::size_t(FistaRows::kGrown) * count + k] != 0.0 ? 1 : 0;
    }
  }

 private:
  // Device memory that grows to fit and is kept.
  template <typename U>
  struct Scratch {
    U* data = nullptr;
    std::size_t size = 0;
    bool fit(Device& device, std::size_t count) {
      if (count <= size) return true;
      release(device);
      data = device.template allocate<U>(count);
      size = data ? count : 0;
      return data != nullptr;
    }
    void release(Device& device) noexcept {
      if (data) device.release(data);
      data = nullptr;
      size = 0;
    }
  };

  static std::size_t Spanned(const Active& active) {
    return active.empty() ? 0 : std::size_t(*std::max_element(active.begin(), active.end())) + 1;
  }

  bool enter() {
    if (!device_.ok()) return false;
    device_.enter();
    return device_.ok();
  }
  // Makes the device current and puts the active list on it (kept while it is unchanged).
  bool enter(const Active& active) {
    if (!enter()) return false;
    if (active != host_active_) {
      if (!active_.fit(device_, std::max<std::size_t>(active.size(), 1))) return false;
      if (!active.empty()) device_.upload(active.data(), active.size(), active_.data);
      host_active_ = active;
    }
    return device_.ok();
  }

  // Host scalars on the device (in d_), or null.
  const double* upload(const std::vector<double>& values) {
    if (!d_.fit(device_, std::max<std::size_t>(values.size(), 1))) return nullptr;
    if (!values.empty()) device_.upload(values.data(), values.size(), d_.data);
    return device_.ok() ? d_.data : nullptr;
  }

  // Per-slot sums on the device: first(partial) writes Chunks(size) partial sums for each of
  // `rows` rows (row r at partial + r * chunks); each row is reduced in order. The sums (rows
  // values, in partial_), or null where the device failed.
  template <typename First>
  const double* reduce(std::size_t rows, int chunks, bool root, const First& first) {
    if (rows == 0 || !partial_.fit(device_, rows * (std::size_t(chunks) + 1))) return nullptr;
    double* totals = partial_.data + rows * std::size_t(chunks);
    first(partial_.data);
    device_.launch({1, 1, int(rows)},
                   kernels::ReduceBody{chunks, nullptr, partial_.data, root, totals});
    return device_.ok() ? totals : nullptr;
  }

  // The same, `sums` rows per active slot (sum s of slot k in row s * count + k), downloaded
  // into out; NaN where the device failed.
  template <typename First>
  void slotSums(std::size_t size, const Active& active, int sums, bool root, double* out,
                const First& first) {
    const std::size_t rows = std::size_t(sums) * active.size();
    std::fill(out, out + rows, std::numeric_limits<double>::quiet_NaN());
    if (rows == 0 || !enter(active)) return;
    const double* totals = reduce(rows, kernels::Chunks(size), root, first);
    if (totals) device_.download(totals, rows, out);
    if (!device_.ok()) std::fill(out, out + rows, std::numeric_limits<double>::quiet_NaN());
  }

  // The body of a map of responses on the active images (the list already on the device).
  kernels::ResponseMapBody<T> MapBody(const ResponseMap<T>& m, int channels, std::size_t plane,
                                      const T* z, T* out) const {
    using Body = kernels::ResponseMapBody<T>;
    Body b;
    b.kind = m.kind;
    b.channels = channels;
    b.plane = plane;
    b.nu = m.foe.nu;
    b.scale = m.kind == ResponseMap<T>::kChannelScale ? m.scale : m.foe.scale;
    b.knots = m.splines.knots;
    b.range = m.splines.range;
    b.step = m.splines.step;
    b.lambda = m.lambda;
    b.mu = m.mu;
    b.values = m.splines.values;
    b.factor = m.factor;
    b.active = active_.data;
    b.z = z;
    b.out = out;
    return b;
  }

  // (gh, gv) = D x of the active images' planes, by slot plane.
  void differences(const TvMaps<T>& t, int planes, const T* x, T* gh, T* gv) {
    device_.launch({t.w, t.h, planes},
                   kernels::DifferencesBody<T>{t.h, t.w, x, gh, gv, active_.data, t.channels});
  }

  // out[q] = the sum of plane q of `values` (planes x plane), in double, on the host.
  // With an active list, plane q is channel q % channels of image active[q / channels].
  template <typename U>
  void planeSums(const U* values, std::size_t plane, int planes, double* out,
                 const int* active = nullptr, int channels = 1) {
    const int chunks = kernels::Chunks(plane);
    if (planes == 0 || !partial_.fit(device_, std::size_t(planes) * (chunks + 1))) return;
    double* totals = partial_.data + std::size_t(planes) * chunks;
    device_.launch({chunks, planes, 1},
                   kernels::PlaneSumPartialBody<U>{plane, values, partial_.data, active, channels});
    device_.launch({planes, 1, 1}, kernels::PlaneSumBody{chunks, 1, partial_.data, totals});
    device_.download(totals, std::size_t(planes), out);
  }

  const char* name_;
  Device device_;
  Scratch<T> t_;
  Scratch<double> d_;
  Scratch<double> partial_;
  Scratch<int> active_;
  Active host_active_;
};

}  // namespace bilevel::backend
