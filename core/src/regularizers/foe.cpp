#include "regularizers/foe.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "backend/kernels/pointwise_maps.h"
#include "base/batch_ops.h"
#include "bilevel/thread_pool.h"
#include "linops/correlation.h"

namespace bilevel {

// Scratch buffers for one batch shape. gz keeps a zero border of k-1 pixels that is never written.
template <typename T>
struct FieldOfExperts<T>::Workspace {
  Shape shape;
  int r = 0, hp = 0, wp = 0, hz = 0, wz = 0;
  std::vector<T> xpad, qpad;   // n x C x hp x wp
  std::vector<T> resp, resp2;  // n x J x h x w
  std::vector<T> gz;           // n x J x hz x wz
  std::vector<T> outpad;       // n x C x hp x wp
  std::size_t padSize() const { return std::size_t(shape.c) * hp * wp; }
  std::size_t respSize(int J) const { return std::size_t(J) * shape.h * shape.w; }
  std::size_t gzSize(int J) const { return std::size_t(J) * hz * wz; }
};

namespace {

// Row bands per image so that a few images still keep every thread busy.
int BandsPerImage(int images, int rows) {
  const int threads = ThreadCount();
  if (images >= threads || images == 0) return 1;
  const int want = 2 * ((threads + images - 1) / images);
  return std::max(1, std::min(want, rows / 8));
}

void ForBands(const std::vector<int>& active, int rows,
              const std::function<void(int, int, int)>& body) {
  const int nb = BandsPerImage(int(active.size()), rows);
  ParallelFor(int(active.size()) * nb, [&](int task) {
    const int i = active[task / nb], b = task % nb;
    const int y0 = int(std::int64_t(rows) * b / nb), y1 = int(std::int64_t(rows) * (b + 1) / nb);
    if (y0 < y1) body(i, y0, y1);
  });
}

void ForImages(const std::vector<int>& active, const std::function<void(int)>& body) {
  ParallelFor(int(active.size()), [&](int k) { body(active[k]); });
}

}  // namespace

template <typename T>
FieldOfExperts<T>::FieldOfExperts(FoeConfig config, FoeInitOptions init)
    : config_(config),
      init_(init),
      settings_(FoeSettings(config, init)),
      layout_(config),
      ws_(std::make_shared<Workspace>()) {
  theta_ = Vector<T>::Zero(layout_.size());
  unpack();
}

template <typename T>
void FieldOfExperts<T>::setParameters(const Vector<T>& theta) {
  theta_ = theta;
  unpack();
}

template <typename T>
void FieldOfExperts<T>::unpack() {
  const int J = config_.kernels, C = config_.channels, k = config_.kernel_size;
  const T a = std::exp(theta_[layout_.theta0()]);
  nu_ = std::exp(theta_[layout_.smoothing()]);
  scale_.resize(J);
  for (int j = 0; j < J; ++j)
    scale_[j] = a * std::exp(theta_[layout_.expertWeight(j)]);
  weights_.assign(theta_.data() + layout_.kernel(0), theta_.data() + layout_.size());
  flipped_.resize(weights_.size());
  FlipTranspose(weights_.data(), J, C, k, flipped_.data());
}

template <typename T>
void FieldOfExperts<T>::ensureWorkspace(const Shape& shape) {
  Workspace& ws = *ws_;
  if (ws.shape == shape) return;
  const int J = config_.kernels, k = config_.kernel_size;
  ws.shape = shape;
  ws.r = k / 2;
  ws.hp = shape.h + 2 * ws.r;
  ws.wp = shape.w + 2 * ws.r;
  ws.hz = shape.h + 2 * (k - 1);
  ws.wz = shape.w + 2 * (k - 1);
  ws.xpad.assign(shape.n * ws.padSize(), T(0));
  ws.outpad.assign(shape.n * ws.padSize(), T(0));
  ws.resp.assign(shape.n * ws.respSize(J), T(0));
  ws.gz.assign(shape.n * ws.gzSize(J), T(0));
  ws.qpad.clear();
  ws.resp2.clear();
}

// responses_i = K x_i, via the padded copies in pad.
template <typename T>
void FieldOfExperts<T>::forwardAll(const std::vector<int>& active, const Batch<T>& x,
                                   T* responses) {
  Workspace& ws = *ws_;
  const Shape& s = x.shape();
  ForImages(active, [&](int i) {
    Pad(x.image(i), s.c, s.h, s.w, ws.r, config_.boundary, ws.xpad.data() + i * ws.padSize());
  });
  const CorrelationGeometry g{s.c, config_.kernels, config_.kernel_size, ws.hp, ws.wp};
  const std::size_t rs = ws.respSize(config_.kernels);
  ForBands(active, s.h, [&](int i, int y0, int y1) {
    CorrelateRows(g, ws.xpad.data() + i * ws.padSize(), weights_.data(), responses + i * rs, y0,
                  y1);
  });
}

// out_i = sum_j K_j^T g_ij, reading the mapped responses from the interior of ws.gz.
template <typename T>
void FieldOfExperts<T>::adjointAll(const std::vector<int>& active, const T*, Batch<T>& out) {
  Workspace& ws = *ws_;
  const Shape& s = ws.shape;
  const int J = config_.kernels;
  const CorrelationGeometry g{J, s.c, config_.kernel_size, ws.hz, ws.wz};
  ForBands(active, ws.hp, [&](int i, int y0, int y1) {
    CorrelateRows(g, ws.gz.data() + i * ws.gzSize(J), flipped_.data(),
                  ws.outpad.data() + i * ws.padSize(), y0, y1);
  });
  ForImages(active, [&](int i) {
    PadAdjoint(ws.outpad.data() + i * ws.padSize(), s.c, s.h, s.w, ws.r, config_.boundary,
               out.image(i));
  });
}

// out_i = K^T m(K in_i) for a pointwise map m chosen by `map`.
template <typename T>
void FieldOfExperts<T>::sandwich(const std::vector<int>& active, const Batch<T>& in, Map map,
                                 Batch<T>& out) {
  ensureWorkspace(in.shape());
  if (out.shape() != in.shape()) out.resize(in.shape());
  Workspace& ws = *ws_;
  const Shape& s = in.shape();
  const int J = config_.kernels, k = config_.kernel_size;
  const std::size_t rs = ws.respSize(J), plane = std::size_t(s.h) * s.w;
  ForImages(active, [&](int i) {
    Pad(in.image(i), s.c, s.h, s.w, ws.r, config_.boundary, ws.xpad.data() + i * ws.padSize());
  });
  const CorrelationGeometry g{s.c, J, k, ws.hp, ws.wp};
  const T nu2 = nu_ * nu_;
  ForBands(active, s.h, [&](int i, int y0, int y1) {
    T* z = ws.resp.data() + i * rs;
    CorrelateRows(g, ws.xpad.data() + i * ws.padSize(), weights_.data(), z, y0, y1);
    T* gz = ws.gz.data() + i * ws.gzSize(J);
    const T* diag = map == Map::kHessian ? hessian_diag_.data() + i * rs : nullptr;
    for (int j = 0; j < J; ++j) {
      const T sj = scale_[j], bound = scale_[j] / nu_;
      for (int y = y0; y < y1; ++y) {
        const T* zr = z + j * plane + std::size_t(y) * s.w;
        T* dst = gz + (std::size_t(j) * ws.hz + y + k - 1) * ws.wz + (k - 1);
        switch (map) {
          case Map::kGradient:
            for (int x = 0; x < s.w; ++x)
              dst[x] = foe::WeightedPhiPrime(sj, zr[x], nu2);
            break;
          case Map::kHessian: {
            const T* dr = diag + j * plane + std::size_t(y) * s.w;
            for (int x = 0; x < s.w; ++x)
              dst[x] = dr[x] * zr[x];
            break;
          }
          case Map::kBound:
            for (int x = 0; x < s.w; ++x)
              dst[x] = bound * zr[x];
            break;
          case Map::kNone:
            for (int x = 0; x < s.w; ++x)
              dst[x] = zr[x];
            break;
        }
      }
    }
  });
  adjointAll(active, nullptr, out);
}

template <typename T>
void FieldOfExperts<T>::value(const std::vector<int>& active, const Batch<T>& x,
                              std::vector<double>& values) {
  ensureWorkspace(x.shape());
  values.resize(x.n());
  forwardAll(active, x, ws_->resp.data());
  const std::size_t plane = std::size_t(x.h()) * x.w(), rs = ws_->respSize(config_.kernels);
  const double nu = double(nu_);
  ForImages(active, [&](int i) {
    const T* z = ws_->resp.data() + i * rs;
    double total = 0.0;
    for (int j = 0; j < config_.kernels; ++j) {
      double sum = 0.0;
      for (std::size_t p = 0; p < plane; ++p) {
        const double zp = double(z[j * plane + p]);
        sum += foe::Phi(zp, nu);
      }
      total += double(scale_[j]) * sum;
    }
    values[i] = total;
  });
}

template <typename T>
void FieldOfExperts<T>::gradient(const std::vector<int>& active, const Batch<T>& x,
                                 Batch<T>& grad) {
  sandwich(active, x, Map::kGradient, grad);
}

template <typename T>
void FieldOfExperts<T>::prepareHessian(const Batch<T>& x) {
  ensureWorkspace(x.shape());
  const std::vector<int> all = AllImages(x.n());
  forwardAll(all, x, ws_->resp.data());
  const std::size_t plane = std::size_t(x.h()) * x.w(), rs = ws_->respSize(config_.kernels);
  hessian_diag_.resize(x.n() * rs);
  hessian_shape_ = x.shape();
  const T nu2 = nu_ * nu_;
  ForImages(all, [&](int i) {
    for (int j = 0; j < config_.kernels; ++j) {
      const T* z = ws_->resp.data() + i * rs + j * plane;
      T* d = hessian_diag_.data() + i * rs + j * plane;
      for (std::size_t p = 0; p < plane; ++p) {
        d[p] = foe::WeightedPhiSecond(scale_[j], z[p], nu2);
      }
    }
  });
}

template <typename T>
void FieldOfExperts<T>::hessianVector(const std::vector<int>& active, const Batch<T>& v,
                                      Batch<T>& out) {
  sandwich(active, v, Map::kHessian, out);
}

template <typename T>
void FieldOfExperts<T>::hessianBound(const std::vector<int>& active, const Batch<T>& v,
                                     Batch<T>& out) {
  sandwich(active, v, Map::kBound, out);
}

template <typename T>
void FieldOfExperts<T>::filterResponses(const Batch<T>& x, Batch<T>& responses) {
  ensureWorkspace(x.shape());
  responses.resize(Shape{x.n(), config_.kernels, x.h(), x.w()});
  forwardAll(AllImages(x.n()), x, responses.data());
}

template <typename T>
void FieldOfExperts<T>::filterResponsesAdjoint(const Batch<T>& responses, Batch<T>& out) {
  const Shape s{responses.n(), config_.channels, responses.h(), responses.w()};
  ensureWorkspace(s);
  if (out.shape() != s) out.resize(s);
  Workspace& ws = *ws_;
  const int J = config_.kernels, k = config_.kernel_size;
  const std::vector<int> all = AllImages(s.n);
  ForImages(all, [&](int i) {
    for (int j = 0; j < J; ++j)
      for (int y = 0; y < s.h; ++y) {
        const T* src = responses.channel(i, j) + std::size_t(y) * s.w;
        std::copy(src, src + s.w,
                  ws.gz.data() + i * ws.gzSize(J) + (std::size_t(j) * ws.hz + y + k - 1) * ws.wz +
                      (k - 1));
      }
  });
  adjointAll(all, nullptr, out);
}

template <typename T>
void FieldOfExperts<T>::mixedDerivative(const std::vector<int>& active, const Batch<T>& x,
                                        const Batch<T>& q, Vector<T>& out) {
  this->sumOfMixedDerivatives(active, x, q, out);
}

// Each image's term is accumulated on its own, over the kernels in order, so that it does not
// depend on the other images of the batch.
template <typename T>
void FieldOfExperts<T>::mixedDerivatives(const std::vector<int>& active, const Batch<T>& x,
                                         const Batch<T>& q, Eigen::MatrixXd& out) {
  ensureWorkspace(x.shape());
  Workspace& ws = *ws_;
  const Shape& s = x.shape();
  const int J = config_.kernels, C = s.c, k = config_.kernel_size;
  const std::size_t rs = ws.respSize(J), plane = std::size_t(s.h) * s.w;
  if (ws.qpad.size() != ws.xpad.size()) ws.qpad.assign(ws.xpad.size(), T(0));
  if (ws.resp2.size() != ws.resp.size()) ws.resp2.assign(ws.resp.size(), T(0));

  ForImages(active, [&](int i) {
    Pad(x.image(i), C, s.h, s.w, ws.r, config_.boundary, ws.xpad.data() + i * ws.padSize());
    Pad(q.image(i), C, s.h, s.w, ws.r, config_.boundary, ws.qpad.data() + i * ws.padSize());
  });
  const CorrelationGeometry g{C, J, k, ws.hp, ws.wp};
  ForBands(active, s.h, [&](int i, int y0, int y1) {
    CorrelateRows(g, ws.xpad.data() + i * ws.padSize(), weights_.data(), ws.resp.data() + i * rs,
                  y0, y1);
    CorrelateRows(g, ws.qpad.data() + i * ws.padSize(), weights_.data(), ws.resp2.data() + i * rs,
                  y0, y1);
  });

  // One task per (image, kernel): its partial derivative with respect to theta0, theta_j, s and
  // k_j.
  struct Partial {
    double dot_phi = 0.0;  // <phi'(z_j), K_j q>
    double dot_s = 0.0;    // <-z nu^2 / r^3, K_j q>
    std::vector<double> kernel;
  };
  const int tasks = int(active.size()) * J;
  std::vector<Partial> partial(tasks);
  const T nu2 = nu_ * nu_;
  const int kv = layout_.kernel_values;
  ParallelFor(tasks, [&](int task) {
    const int i = active[task / J], j = task % J;
    const T* z = ws.resp.data() + i * rs + j * plane;
    const T* kq = ws.resp2.data() + i * rs + j * plane;
    thread_local std::vector<T> A, B;
    A.resize(plane);
    B.resize(plane);
    Partial& out_p = partial[task];
    double dot_phi = 0.0, dot_s = 0.0;
    const T sj = scale_[j];
    for (std::size_t p = 0; p < plane; ++p) {
      T phi1, phi2;
      foe::PhiDerivatives(z[p], nu2, &phi1, &phi2);
      dot_phi += double(phi1 * kq[p]);
      dot_s -= double(z[p] * phi2 * kq[p]);
      A[p] = sj * phi2 * kq[p];
      B[p] = sj * phi1;
    }
    out_p.dot_phi = dot_phi;
    out_p.dot_s = dot_s;
    // Weight gradients: sum_p A(p) xpad_c(p + (u,v)) + B(p) qpad_c(p + (u,v)).
    out_p.kernel.assign(kv, 0.0);
    using Row = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
    for (int c = 0; c < C; ++c) {
      const T* xc = ws.xpad.data() + i * ws.padSize() + std::size_t(c) * ws.hp * ws.wp;
      const T* qc = ws.qpad.data() + i * ws.padSize() + std::size_t(c) * ws.hp * ws.wp;
      for (int u = 0; u < k; ++u)
        for (int v = 0; v < k; ++v) {
          double sum = 0.0;
          for (int y = 0; y < s.h; ++y) {
            const std::size_t off = std::size_t(y + u) * ws.wp + v;
            const Row a(A.data() + std::size_t(y) * s.w, s.w),
                b(B.data() + std::size_t(y) * s.w, s.w);
            const Row xr(xc + off, s.w), qr(qc + off, s.w);
            sum += double((a * xr).sum() + (b * qr).sum());
          }
          out_p.kernel[(c * k + u) * k + v] = sum;
        }
    }
  });

  out = Eigen::MatrixXd::Zero(layout_.size(), Eigen::Index(active.size()));
  for (int task = 0; task < tasks; ++task) {
    const int j = task % J;
    const Partial& p = partial[task];
    const double sj = double(scale_[j]);
    auto acc = out.col(task / J);
    acc[layout_.theta0()] += sj * p.dot_phi;
    acc[layout_.expertWeight(j)] += sj * p.dot_phi;
    acc[layout_.smoothing()] += sj * p.dot_s;
    for (int m = 0; m < kv; ++m)
      acc[layout_.kernel(j) + m] += p.kernel[m];
  }
}

template class FieldOfExperts<float>;
template class FieldOfExperts<double>;

}  // namespace bilevel
