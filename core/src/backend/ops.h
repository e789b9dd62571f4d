// The backend seam (DESIGN.md section 5): the batched operations that regularizers are written
// against, once, and that each backend implements: the CPU (backend/cpu/cpu_ops.h, threads and
// vector units) and CUDA (backend/cuda/cuda_ops.h, device memory and launches of the bodies in
// backend/kernels/).
//
// Every array argument lives in the backend's memory (Array<T> below, or a batch of host images
// for the CPU); reductions come back to the host as doubles, in `active` order, because the
// per-image decisions above (stopping tests, line searches) are taken there. Images are N x C x H
// x W in C order; an operation writes the active images of its output and leaves the others as
// they were. An Ops object may keep scratch memory, so one must not be used from two threads at
// once; a regularizer owns its own.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backend/kernels/correlation_point.h"
#include "backend/kernels/response_kinds.h"

namespace bilevel::backend {

using kernels::ConvGeometry;

// The images an operation works on, by index.
using Active = std::vector<int>;

// The Field of Experts' scalars: J kernels of `plane` responses each, nu and s_j = a b_j.
template <typename T>
struct FoeMaps {
  int kernels = 0;
  std::size_t plane = 0;
  T nu = T(1);
  const T* scale = nullptr;  // s_j = a b_j, J values in the backend's memory
};

// Smoothed total variation's maps of the forward differences g = D x_c of each channel plane
// (kernels/difference_body.h, pointwise_maps.h tv::), weighted per channel:
//   kGradient  w_c D^T (g / r)   kHessian  w_c D^T (u / r - g (g . u) / r^3), u = D v_c, g = D at
//   kBound     (w_c / nu) D^T D v_c
// with r = sqrt(|g|^2 + nu^2).
enum class TvMap { kGradient, kHessian, kBound };

template <typename T>
struct TvMaps {
  int channels = 1;
  int h = 0, w = 0;
  T nu = T(1);
  const T* weights = nullptr;  // w_c, in the backend's memory
  const T* bounds = nullptr;   // w_c / nu, in the backend's memory
  const T* at = nullptr;       // kHessian: the images the Hessian is taken at (n x C x h x w)
  std::size_t plane() const { return std::size_t(h) * std::size_t(w); }
};

// The linear splines of the convex ridge regularizer (regularizers/linear_spline.h,
// kernels/pointwise_maps.h spline::): one per channel, `knots` values each, knots from -range in
// steps of `step`.
template <typename T>
struct Splines {
  int channels = 0;
  int knots = 0;
  T range = T(0);
  T step = T(0);
  const T* values = nullptr;  // channels x knots, in the backend's memory
};

// A pointwise map m of responses z (n x channels x plane), channel o:
//   kFoeGradient  s_o phi'(z)     kFoeSecond   s_o phi''(z)      kFoeBound     (s_o / nu) z
//   kSplineValue  lambda sigma_o(mu z)         kSplineSlope  lambda mu sigma_o'(mu z)
//   kMultiply     factor z (factor: n x channels x plane)       kChannelScale scale_o z
template <typename T>
struct ResponseMap : kernels::ResponseMapKinds {
  Kind kind = kMultiply;
  FoeMaps<T> foe;
  Splines<T> splines;
  T lambda = T(1), mu = T(1);
  const T* factor = nullptr;
  const T* scale = nullptr;  // kChannelScale, per channel
};

// A chain of correlations W = W_L ... W_1 (channels C -> n_1 -> ... -> n_L), a layer's geometry
// and weights each (weights in the backend's memory).
template <typename T>
struct Chain {
  std::vector<ConvGeometry> layers;
  std::vector<const T*> weights;
  int outChannels() const { return layers.back().out_channels; }
};

// FISTA's per-image state for Ops::fistaStep, on the host, by position k in the active list.
struct FistaState {
  double* lipschitz = nullptr;     // L, grown in place by the secant test
  double* momentum = nullptr;      // the fixed momentum, or -1 (the t-sequence)
  double* t = nullptr;             // the t-sequence
  int* grown = nullptr;            // out: 1 where L grew in this step
  const double* mu = nullptr;      // the strong convexity, for the momentum after L grows
  const double* y_norm = nullptr;  // ||y_i||
  const int* secant = nullptr;     // 1 where a previous point exists (the secant test runs)
  double precision = 0.0;          // unit roundoff of the iterates' type
  double safety = 1.0;             // FistaOptions::lipschitz_safety
  bool strongly_convex_momentum = true;
  bool adaptive_restart = true;
};

template <typename T>
class Ops {
 public:
  virtual ~Ops() = default;
  // "cpu" or "cuda".
  virtual const char* name() const = 0;
  // Empty while every operation has run; else the first failure (out of device memory, a failed
  // launch), after which the operations do nothing.
  virtual std::string error() const { return {}; }
  // Waits for the work queued so far (a device's launches are asynchronous), for timings.
  virtual void synchronize() {}

  // A chain of operations on each image, run back to back: pass(ops, images, first) calls ops
  // on `images`, which are active[first], active[first + 1], ... Here (and on a device) it is
  // called once with the whole list; the CPU calls it image by image on its threads, each with
  // an Ops of its own, so that an image's intermediates stay in its thread's cache (a deep
  // network's layers). Passes may run at once: each writes only its images' slots and the
  // positions first... of per-image results, and arrays must be sized before.
  using Pass = std::function<void(Ops<T>& ops, const Active& images, std::size_t first)>;
  virtual void perImage(const Active& active, const Pass& pass) { pass(*this, active, 0); }

  // --- Memory --------------------------------------------------------------------------------
  // True when this backend's memory is the host's: batches made on it are host batches
  // (bilevel/batch.h), and host code may read its arrays.
  virtual bool hostMemory() const { return false; }
  // `count` zeros in this backend's memory.
  virtual T* allocate(std::size_t count) = 0;
  virtual void release(T* data) noexcept = 0;
  virtual void upload(const T* host, std::size_t count, T* dst) = 0;
  virtual void download(const T* src, std::size_t count, T* host) = 0;
  // dst = src, both in this backend's memory.
  virtual void copy(const T* src, std::size_t count, T* dst) = 0;

  // --- Correlation under a boundary rule (kernels/correlation_point.h) ------------------------
  // z_i = K x_i: x is n x in x h x w, z n x out x h x w, weights out x in x k x k.
  virtual void correlate(const ConvGeometry& g, const Active& active, const T* x, const T* weights,
                         T* z) = 0;
  // x_i = K^T z_i.
  virtual void correlateAdjoint(const ConvGeometry& g, const Active& active, const T* z,
                                const T* weights, T* x) = 0;
  // z_i += K x_i and x_i += K^T z_i, the product formed first and then added.
  virtual void correlateAdd(const ConvGeometry& g, const Active& active, const T* x,
                            const T* weights, T* z) = 0;
  virtual void correlateAdjointAdd(const ConvGeometry& g, const Active& active, const T* z,
                                   const T* weights, T* x) = 0;
  // out_i = K^T m(K x_i), the correlation with a pointwise map between (a gradient, a
  // Hessian-vector product); out has x's shape.
  virtual void sandwich(const ConvGeometry& g, const Active& active, const T* x, const T* weights,
                        const ResponseMap<T>& map, T* out) = 0;
  // The weight gradient of <K x_i, a_i> + <K y_i, b_i> for each active image, into
  // grad + k * (out x in x k x k) on the host for image active[k], in double. y and b may be
  // null (the first term alone).
  virtual void weightGradients(const ConvGeometry& g, const Active& active, const T* x, const T* a,
                               const T* y, const T* b, double* grad) = 0;

  // --- Pointwise maps --------------------------------------------------------------------------
  // out = m(z) for responses z of `channels` planes of `plane` values per image.
  virtual void mapResponses(const ResponseMap<T>& map, int channels, std::size_t plane,
                            const Active& active, const T* z, T* out) = 0;
  // The mixed derivative's terms of image x_i along q_i, with z = K x_i and kq = K q_i: per
  // active image k and kernel j, on the host, in double,
  //   sums[2 (k J + j)]      = sum_p phi'(z) kq,
  //   sums[2 (k J + j) + 1]  = -sum_p z phi''(z) kq,
  //   grad + (k J + j) C k^2 = the weight gradient of <K_j x_i, s_j phi''(z) kq> + <K_j q_i,
  //                            s_j phi'(z)>.
  virtual void foeMixedTerms(const ConvGeometry& g, const FoeMaps<T>& f, const Active& active,
                             const T* x, const T* q, const T* weights, double* sums,
                             double* grad) = 0;
  // sums[k J + j] = sum_p phi(z) over kernel j's responses of image active[k], in double.
  virtual void foePhiSums(const FoeMaps<T>& f, const Active& active, const T* z, double* sums) = 0;

  // --- Chains of correlations (the convex ridge regularizer) ---------------------------------
  // outputs[l] (n x n_l x h x w) = W_l ... W_1 x_i, every layer's output.
  virtual void chainForward(const Chain<T>& chain, const Active& active, const T* x,
                            const std::vector<T*>& outputs) = 0;
  // out_i = W^T m(W x_i).
  virtual void chainSandwich(const Chain<T>& chain, const Active& active, const T* x,
                             const ResponseMap<T>& map, T* out) = 0;
  // sums[k] = sum_o sum_p psi_o(mu z) for image active[k] (psi_o = int_0 sigma_o), in double.
  virtual void splineIntegralSums(const Splines<T>& s, T mu, std::size_t plane,
                                  const Active& active, const T* z, double* sums) = 0;
  // The convex ridge regularizer's mixed-derivative terms at responses z = W x_i, r = W q_i,
  // t = mu z: g1 = lambda mu sigma'(t) r and g2 = lambda sigma(t) (n x n_L x plane), and on the
  // host, per active image k, sums[2 k] = sum sigma(t) r, sums[2 k + 1] = sum sigma'(t) t r, and
  // dc + k n_L K = lambda sum_p r d sigma(t) / d c, all in double.
  virtual void crrMixedTerms(const Splines<T>& s, T lambda, T mu, std::size_t plane,
                             const Active& active, const T* z, const T* r, T* g1, T* g2,
                             double* sums, double* dc) = 0;

  // --- Smoothed total variation --------------------------------------------------------------
  // out_i = the map of v_i (all channels), overwriting.
  virtual void tvSandwich(TvMap map, const TvMaps<T>& t, const Active& active, const T* v,
                          T* out) = 0;
  // sums[k C + c] = sum_p (r - nu) over channel c of image active[k], in double.
  virtual void tvValues(const TvMaps<T>& t, const Active& active, const T* x, double* sums) = 0;
  // The mixed derivative's terms with g = D x_c, u = D q_c: sums[2 (k C + c)] = sum_p g . u / r
  // and sums[2 (k C + c) + 1] = -sum_p (g . u) nu^2 / r^3, in double.
  virtual void tvMixedTerms(const TvMaps<T>& t, const Active& active, const T* x, const T* q,
                            double* sums) = 0;

  // --- Per-image vectors of `size` values ---------------------------------------------------
  // out_i = a_i * b_i, value by value.
  virtual void multiply(std::size_t size, const Active& active, const T* a, const T* b, T* out) = 0;
  // out_i = a_i * b_i + c_i * d_i, value by value.
  virtual void multiplyAdd(std::size_t size, const Active& active, const T* a, const T* b,
                           const T* c, const T* d, T* out) = 0;
  // x_i = value.
  virtual void fill(std::size_t size, const Active& active, T value, T* x) = 0;
  // y_i += x_i.
  virtual void addTo(std::size_t size, const Active& active, const T* x, T* y) = 0;
  // The softplus act(t) = log(1 + exp(beta t)) / beta (kernels/pointwise_maps.h softplus::) of
  // t_i: act (when not null), act' and act''.
  virtual void softplus(std::size_t size, const Active& active, T beta, const T* t, T* act,
                        T* slope, T* curvature) = 0;

  // --- The solvers' per-image vectors (FISTA, CG, the power method) --------------------------
  // out[k] = <a_i, b_i> and out[k] = ||a_i|| for i = active[k], in double.
  virtual void dots(std::size_t size, const Active& active, const T* a, const T* b,
                    double* out) = 0;
  virtual void norms(std::size_t size, const Active& active, const T* a, double* out) = 0;
  // y_i = alpha[k] x_i + beta[k] y_i (the scalars on the host, by position).
  virtual void axpby(std::size_t size, const Active& active, const double* alpha, const T* x,
                     const double* beta, T* y) = 0;
  // dst_i = src_i.
  virtual void copyImages(std::size_t size, const Active& active, const T* src, T* dst) = 0;
  // FISTA's step (solvers/fista.cpp) after the gradient g_i at the extrapolated point y_i, with
  // x_i the last iterate and yp_i, gp_i the previous point and gradient, per active image k with
  // its state on the host (FistaState): the secant test may grow L (kernels/solver_steps.h
  // FistaSafeLipschitz, the momentum then recomputed), then gp_i = g_i, yp_i = y_i; the new
  // iterate g_i = y_i - g_i / L; a restart where L grew or <y_i - g_i, g_i - x_i> > 0 (adaptive);
  // y_i = g_i + beta (g_i - x_i) (FistaExtrapolation) and x_i = g_i.
  virtual void fistaStep(std::size_t size, const Active& active, const FistaState& state, T* x,
                         T* y, T* g, T* yp, T* gp) = 0;

  // --- Per-image planes: `channels` planes of `plane` values per image ------------------------
  // x += bias_c on channel c (bias in the backend's memory).
  virtual void addChannelBias(int channels, std::size_t plane, const Active& active, const T* bias,
                              T* x) = 0;
  // sums[k C + c] = the sum of channel c of image active[k], in double.
  virtual void channelSums(int channels, std::size_t plane, const Active& active, const T* x,
                           double* sums) = 0;
};

// An array in a backend's memory: zeros after resize(), freed with the array.
template <typename T>
class Array {
 public:
  Array() = default;
  ~Array() { reset(); }
  Array(const Array&) = delete;
  Array& operator=(const Array&) = delete;
  Array(Array&& other) noexcept { *this = std::move(other); }
  Array& operator=(Array&& other) noexcept {
    if (this != &other) {
      reset();
      std::swap(ops_, other.ops_);
      std::swap(data_, other.data_);
      std::swap(size_, other.size_);
    }
    return *this;
  }

  // `count` zeros, unless the array already holds `count` values of `ops` (then kept as is).
  void resize(Ops<T>& ops, std::size_t count) {
    if (ops_ == &ops && size_ == count) return;
    reset();
    if (count == 0) return;
    data_ = ops.allocate(count);
    ops_ = &ops;
    size_ = data_ ? count : 0;
  }
  // Copies `values` from the host, resizing to fit.
  void assign(Ops<T>& ops, const std::vector<T>& values) {
    resize(ops, values.size());
    if (!values.empty()) ops.upload(values.data(), values.size(), data_);
  }
  void reset() noexcept {
    if (ops_ && data_) ops_->release(data_);
    ops_ = nullptr;
    data_ = nullptr;
    size_ = 0;
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  Ops<T>* ops_ = nullptr;
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace bilevel::backend
