// The CUDA backend's start-up self-check: each device operation of the seam (the per-image vector
// operations, the pointwise maps, total variation's differences, and the correlations under both
// boundary rules) on a small random case against the same body run by the host loop. Well under a
// second; the first CUDA call of a process also pays for creating its context.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "backend/cuda/correlation_launches.h"
#include "backend/cuda/pointwise_launches.h"
#include "backend/cuda/vector_launches.h"
#include "backend/host_launch.h"
#include "backend/kernels/vector_body.h"
#include "bilevel/backend_info.h"

namespace bilevel {
namespace {

// A device buffer freed at scope exit; ok() is false when the allocation failed.
template <typename T>
class Buffer {
 public:
  explicit Buffer(std::size_t n) : size_(n) {
    if (cudaMalloc(&ptr_, n * sizeof(T)) != cudaSuccess) ptr_ = nullptr;
  }
  ~Buffer() { cudaFree(ptr_); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  bool ok() const { return ptr_ != nullptr; }
  T* get() const { return ptr_; }
  bool upload(const std::vector<T>& v) {
    return cudaMemcpy(ptr_, v.data(), size_ * sizeof(T), cudaMemcpyHostToDevice) == cudaSuccess;
  }
  bool download(std::vector<T>* v) const {
    v->resize(size_);
    return cudaMemcpy(v->data(), ptr_, size_ * sizeof(T), cudaMemcpyDeviceToHost) == cudaSuccess;
  }

 private:
  T* ptr_ = nullptr;
  std::size_t size_;
};

template <typename T>
std::vector<T> Random(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<T> v(n);
  for (T& x : v)
    x = T(dist(rng));
  return v;
}

template <typename A, typename B>
double RelativeError(const std::vector<A>& a, const std::vector<B>& b) {
  double diff = 0.0, ref = 0.0;
  for (std::size_t k = 0; k < a.size() && k < b.size(); ++k) {
    diff += (double(a[k]) - double(b[k])) * (double(a[k]) - double(b[k]));
    ref += double(b[k]) * double(b[k]);
  }
  if (a.size() != b.size() || !std::isfinite(diff)) return INFINITY;
  return std::sqrt(diff) / std::max(std::sqrt(ref), 1e-300);
}

// One operation: its name, and the relative error of the device against the host (or a reason).
struct Outcome {
  std::string name;
  double error = INFINITY;
  std::string failure;
};

std::vector<Outcome> Failed(std::vector<Outcome> out, const char* why) {
  for (Outcome& o : out)
    o.failure = why;
  return out;
}

// The failure of each operation: its launch's error, else the synchronisation's, else a failed
// read-back (launches holds one error per operation, in order).
void RecordFailures(const cudaError_t* launches, cudaError_t done, bool read,
                    std::vector<Outcome>* out) {
  for (std::size_t k = 0; k < out->size(); ++k) {
    const cudaError_t err = launches[k] != cudaSuccess ? launches[k] : done;
    if (err != cudaSuccess) {
      (*out)[k].failure = cudaGetErrorString(err);
      cudaGetLastError();
    } else if (!read) {
      (*out)[k].failure = "could not read the result back";
    }
  }
}

std::vector<Outcome> CheckCorrelations(bool reflect) {
  kernels::ConvGeometry g;
  g.in_channels = 2;
  g.out_channels = 3;
  g.h = 21;
  g.w = 140;
  g.k = 5;
  g.reflect = reflect;
  const int n = 2;
  const std::string rule = reflect ? " (reflect101)" : " (zero)";
  const auto x = Random<float>(std::size_t(n) * g.in_channels * g.plane(), 1);
  const auto z = Random<float>(std::size_t(n) * g.out_channels * g.plane(), 2);
  const auto w = Random<float>(std::size_t(g.out_channels) * g.in_channels * g.k * g.k, 3);
  std::vector<float> kx(z.size()), ktz(x.size());
  std::vector<double> grad(std::size_t(n) * w.size());
  HostLaunch({g.w, g.h, n * g.out_channels},
             kernels::CorrelateForwardBody<float>{g, x.data(), w.data(), kx.data()});
  HostLaunch({g.w, g.h, n * g.in_channels},
             kernels::CorrelateAdjointBody<float>{g, z.data(), w.data(), ktz.data()});
  HostLaunch({g.k * g.k, g.in_channels, n * g.out_channels},
             kernels::WeightGradientBody<float>{g, x.data(), z.data(), grad.data()});

  std::vector<Outcome> out = {{"correlation" + rule},
                              {"correlation adjoint" + rule},
                              {"correlation weight gradient" + rule}};
  Buffer<float> dx(x.size()), dz(z.size()), dw(w.size()), dkx(kx.size()), dktz(ktz.size());
  Buffer<double> dgrad(grad.size());
  if (!dx.ok() || !dz.ok() || !dw.ok() || !dkx.ok() || !dktz.ok() || !dgrad.ok() || !dx.upload(x) ||
      !dz.upload(z) || !dw.upload(w)) {
    return Failed(std::move(out), "could not allocate or upload device memory");
  }
  const cudaError_t launches[3] = {
      cuda::CorrelateForward(g, n, dx.get(), dw.get(), dkx.get(), nullptr),
      cuda::CorrelateAdjoint(g, n, dz.get(), dw.get(), dktz.get(), nullptr),
      cuda::CorrelateWeightGradients(g, n, dx.get(), dz.get(), dgrad.get(), nullptr)};
  const cudaError_t done = cudaDeviceSynchronize();
  std::vector<float> got_kx, got_ktz;
  std::vector<double> got_grad;
  const bool read = dkx.download(&got_kx) && dktz.download(&got_ktz) && dgrad.download(&got_grad);
  RecordFailures(launches, done, read, &out);
  out[0].error = RelativeError(got_kx, kx);
  out[1].error = RelativeError(got_ktz, ktz);
  out[2].error = RelativeError(got_grad, grad);
  return out;
}

// axpby, dot and norm on three of four images of 3 x 40 x 40 (two chunks, the second partial).
std::vector<Outcome> CheckVectors() {
  const std::size_t size = 3 * 40 * 40;
  const int n = 4;
  const std::vector<int> active = {3, 0, 2};
  const int count = int(active.size()), chunks = kernels::Chunks(size);
  const auto a = Random<float>(size * n, 4);
  const auto b = Random<float>(size * n, 5);
  const std::vector<double> alpha = {0.5, 9, -1.5, 2}, beta = {2, 9, 0.25, -1};
  std::vector<float> y = b;
  std::vector<double> partial(std::size_t(count) * chunks), dot(n, 0.0), norm(n, 0.0);
  HostLaunch({int(size), 1, count}, kernels::AxpbyBody<float>{size, active.data(), alpha.data(),
                                                              beta.data(), a.data(), y.data()});
  HostLaunch({chunks, 1, count}, kernels::DotPartialBody<float>{size, active.data(), a.data(),
                                                                y.data(), partial.data()});
  HostLaunch({1, 1, count},
             kernels::ReduceBody{chunks, active.data(), partial.data(), false, dot.data()});
  HostLaunch({chunks, 1, count}, kernels::DotPartialBody<float>{size, active.data(), a.data(),
                                                                a.data(), partial.data()});
  HostLaunch({1, 1, count},
             kernels::ReduceBody{chunks, active.data(), partial.data(), true, norm.data()});

  std::vector<Outcome> out = {{"axpby"}, {"per-image dot product"}, {"per-image norm"}};
  Buffer<int> dactive(active.size());
  Buffer<double> dalpha(alpha.size()), dbeta(beta.size()), dpartial(partial.size()),
      ddot(dot.size()), dnorm(norm.size());
  Buffer<float> da(a.size()), dy(b.size());
  if (!dactive.ok() || !dalpha.ok() || !dbeta.ok() || !dpartial.ok() || !ddot.ok() || !dnorm.ok() ||
      !da.ok() || !dy.ok() || !dactive.upload(active) || !dalpha.upload(alpha) ||
      !dbeta.upload(beta) || !da.upload(a) || !dy.upload(b) || !ddot.upload(dot) ||
      !dnorm.upload(norm)) {
    return Failed(std::move(out), "could not allocate or upload device memory");
  }
  const cudaError_t launches[3] = {cuda::Axpby(size, count, dactive.get(), dalpha.get(),
                                               dbeta.get(), da.get(), dy.get(), nullptr),
                                   cuda::DotImages(size, count, dactive.get(), da.get(), dy.get(),
                                                   false, dpartial.get(), ddot.get(), nullptr),
                                   cuda::DotImages(size, count, dactive.get(), da.get(), da.get(),
                                                   true, dpartial.get(), dnorm.get(), nullptr)};
  const cudaError_t done = cudaDeviceSynchronize();
  std::vector<float> got_y;
  std::vector<double> got_dot, got_norm;
  const bool read = dy.download(&got_y) && ddot.download(&got_dot) && dnorm.download(&got_norm);
  RecordFailures(launches, done, read, &out);
  out[0].error = RelativeError(got_y, y);
  out[1].error = RelativeError(got_dot, dot);
  out[2].error = RelativeError(got_norm, norm);
  return out;
}

// The FoE's gradient map, the softplus, a per-channel spline, a per-channel bias and a product of
// values on 2 images of 3 x 30 x 30.
std::vector<Outcome> CheckPointwise() {
  const int n = 2, channels = 3, knots = 9;
  const std::size_t plane = 30 * 30, count = std::size_t(n) * channels * plane;
  const auto t = Random<float>(count, 6);
  const auto scale = Random<float>(channels, 7);
  const auto values = Random<float>(std::size_t(channels) * knots, 8);
  const float range = 0.8f, step = 2 * range / (knots - 1);
  std::vector<float> foe(count), act(count), slope(count), curvature(count), spline(count);
  using Foe = kernels::FoeMapBody<float>;
  Foe foe_body{Foe::kGradient, channels, plane, 0.01f, scale.data(), t.data(), nullptr, foe.data()};
  kernels::SoftplusBody<float> soft{10.0f, t.data(), act.data(), slope.data(), curvature.data()};
  kernels::SplineBody<float> spl{knots,         range, step,     channels,     plane,
                                 values.data(), false, t.data(), spline.data()};
  HostLaunch({int(plane), channels, n}, foe_body);
  HostLaunch({int(count), 1, 1}, soft);
  HostLaunch({int(plane), channels, n}, spl);

  std::vector<float> biased = t, product(count);
  const kernels::ChannelBiasBody<float> bias_body{channels, plane, scale.data(), biased.data()};
  HostLaunch({int(plane), channels, n}, bias_body);
  HostLaunch({int(count), 1, 1},
             kernels::MultiplyBody<float>{0.5f, t.data(), biased.data(), product.data()});

  std::vector<Outcome> out = {{"Field of Experts map"},
                              {"softplus"},
                              {"linear spline"},
                              {"channel bias"},
                              {"value product"}};
  Buffer<float> dt(count), dscale(scale.size()), dvalues(values.size()), dfoe(count), dact(count),
      dslope(count), dcurv(count), dspline(count), dbiased(count), dproduct(count);
  if (!dt.ok() || !dscale.ok() || !dvalues.ok() || !dfoe.ok() || !dact.ok() || !dslope.ok() ||
      !dcurv.ok() || !dspline.ok() || !dbiased.ok() || !dproduct.ok() || !dt.upload(t) ||
      !dscale.upload(scale) || !dvalues.upload(values) || !dbiased.upload(t)) {
    return Failed(std::move(out), "could not allocate or upload device memory");
  }
  foe_body.scale = dscale.get();
  foe_body.z = dt.get();
  foe_body.out = dfoe.get();
  soft = {10.0f, dt.get(), dact.get(), dslope.get(), dcurv.get()};
  spl.values = dvalues.get();
  spl.t = dt.get();
  spl.out = dspline.get();
  const cudaError_t biased_launch = cuda::LaunchChannelBias(
      kernels::ChannelBiasBody<float>{channels, plane, dscale.get(), dbiased.get()}, n, nullptr);
  const cudaError_t launches[5] = {
      cuda::LaunchFoeMap(foe_body, n, nullptr), cuda::LaunchSoftplus(soft, int(count), nullptr),
      cuda::LaunchSpline(spl, n, nullptr), biased_launch,
      cuda::LaunchMultiply(
          kernels::MultiplyBody<float>{0.5f, dt.get(), dbiased.get(), dproduct.get()}, int(count),
          nullptr)};
  const cudaError_t done = cudaDeviceSynchronize();
  std::vector<float> got_foe, got_act, got_slope, got_curv, got_spline, got_biased, got_product;
  const bool read = dfoe.download(&got_foe) && dact.download(&got_act) &&
                    dslope.download(&got_slope) && dcurv.download(&got_curv) &&
                    dspline.download(&got_spline) && dbiased.download(&got_biased) &&
                    dproduct.download(&got_product);
  RecordFailures(launches, done, read, &out);
  out[0].error = RelativeError(got_foe, foe);
  out[1].error = std::max({RelativeError(got_act, act), RelativeError(got_slope, slope),
                           RelativeError(got_curv, curvature)});
  out[2].error = RelativeError(got_spline, spline);
  out[3].error = RelativeError(got_biased, biased);
  out[4].error = RelativeError(got_product, product);
  return out;
}

// Smoothed TV's gradient chain on 2 images of 3 x 24 x 33: differences, the gradient map and
// the weighted adjoint.
Outcome CheckDifferences() {
  const int h = 24, w = 33, channels = 3, planes = 2 * channels;
  const std::size_t count = std::size_t(planes) * h * w;
  const auto x = Random<float>(count, 9);
  const auto weights = Random<float>(channels, 10);
  std::vector<float> uh(count), uv(count), out(count);
  HostLaunch({w, h, planes}, kernels::DifferencesBody<float>{h, w, x.data(), uh.data(), uv.data()});
  HostLaunch({int(count), 1, 1},
             kernels::TvMapBody<float>{false, 0.05f, nullptr, nullptr, uh.data(), uv.data()});
  HostLaunch({w, h, planes}, kernels::DifferencesAdjointBody<float>{
                                 h, w, channels, weights.data(), uh.data(), uv.data(), out.data()});
  Outcome o{"total variation differences, map and adjoint"};
  Buffer<float> dx(count), dw(weights.size()), duh(count), duv(count), dout(count);
  if (!dx.ok() || !dw.ok() || !duh.ok() || !duv.ok() || !dout.ok() || !dx.upload(x) ||
      !dw.upload(weights)) {
    o.failure = "could not allocate or upload device memory";
    return o;
  }
  cudaError_t err = cuda::LaunchDifferences(
      kernels::DifferencesBody<float>{h, w, dx.get(), duh.get(), duv.get()}, planes, nullptr);
  if (err == cudaSuccess)
    err = cuda::LaunchTvMap(
        kernels::TvMapBody<float>{false, 0.05f, nullptr, nullptr, duh.get(), duv.get()}, int(count),
        nullptr);
  if (err == cudaSuccess)
    err = cuda::LaunchDifferencesAdjoint(
        kernels::DifferencesAdjointBody<float>{h, w, channels, dw.get(), duh.get(), duv.get(),
                                               dout.get()},
        planes, nullptr);
  if (err == cudaSuccess) err = cudaDeviceSynchronize();
  std::vector<float> got;
  if (err != cudaSuccess) {
    o.failure = cudaGetErrorString(err);
    cudaGetLastError();
  } else if (!dout.download(&got)) {
    o.failure = "could not read the result back";
  }
  o.error = RelativeError(got, out);
  return o;
}

}  // namespace

CudaSelfCheck RunCudaSelfCheck(int index) {
  CudaSelfCheck check;
  const CudaDeviceInfo device = QueryCudaDevice(index);
  if (!device.available) {
    check.message = device.message;
    return check;
  }
  if (cudaError_t e = cudaSetDevice(index); e != cudaSuccess) {
    check.message = std::string("could not select the device: ") + cudaGetErrorString(e);
    cudaGetLastError();
    return check;
  }
  const auto t0 = std::chrono::steady_clock::now();
  constexpr double kTolerance = 1e-5;  // float sums of a few hundred terms
  std::string failures;
  std::vector<Outcome> outcomes = CheckVectors();
  for (Outcome& o : CheckPointwise())
    outcomes.push_back(std::move(o));
  outcomes.push_back(CheckDifferences());
  for (bool reflect : {true, false})
    for (Outcome& o : CheckCorrelations(reflect))
      outcomes.push_back(std::move(o));
  for (const Outcome& o : outcomes) {
    ++check.operations;
    if (!o.failure.empty())
      failures += (failures.empty() ? "" : "; ") + o.name + ": " + o.failure;
    else if (!(o.error <= kTolerance))
      failures += (failures.empty() ? "" : "; ") + o.name + " differs from the CPU by " +
                  std::to_string(o.error) + " (relative)";
  }
  check.milliseconds =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  check.passed = failures.empty();
  check.message =
      check.passed ? std::to_string(check.operations) + " operations agree with the CPU" : failures;
  return check;
}

}  // namespace bilevel
