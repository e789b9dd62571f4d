#include "bilevel/baselines.h"

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/photo.hpp>

#include "bilevel/metrics.h"
#include "bilevel/thread_pool.h"

namespace bilevel {

const char* ToString(BaselineKind kind) {
  switch (kind) {
    case BaselineKind::kNonLocalMeans:
      return "nlm";
    case BaselineKind::kWiener:
      return "wiener";
    case BaselineKind::kRichardsonLucy:
      return "richardson-lucy";
    case BaselineKind::kTelea:
      return "telea";
  }
  return "unknown";
}

std::optional<BaselineKind> BaselineKindFromString(std::string_view text) {
  if (text == "nlm" || text == "non-local-means") return BaselineKind::kNonLocalMeans;
  if (text == "wiener") return BaselineKind::kWiener;
  if (text == "telea" || text == "inpaint") return BaselineKind::kTelea;
  if (text == "richardson-lucy" || text == "rl") return BaselineKind::kRichardsonLucy;
  return std::nullopt;
}

namespace {

// Image i as an 8-bit OpenCV image (BGR for colour), and back.
cv::Mat ToMat8(const Batch<float>& b, int i) {
  const int h = b.h(), w = b.w(), c = b.c();
  cv::Mat m(h, w, c == 3 ? CV_8UC3 : CV_8UC1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int ch = 0; ch < c; ++ch) {
        const float v = std::clamp(b.at(i, ch, y, x), 0.0f, 1.0f);
        m.ptr<unsigned char>(y)[x * c + (c == 3 ? 2 - ch : ch)] =
            static_cast<unsigned char>(std::lround(v * 255.0f));
      }
  return m;
}

void FromMat8(const cv::Mat& m, int i, Batch<float>& b) {
  const int c = b.c();
  for (int y = 0; y < b.h(); ++y)
    for (int x = 0; x < b.w(); ++x)
      for (int ch = 0; ch < c; ++ch)
        b.at(i, ch, y, x) = m.ptr<unsigned char>(y)[x * c + (c == 3 ? 2 - ch : ch)] / 255.0f;
}

// Wiener deconvolution of one channel, X = conj(H) Y / (|H|^2 + nsr) in the Fourier domain. The
// image is mirrored (reflect-101) to (2h-2) x (2w-2), whose periodic extension is exactly the
// mirror boundary of the blur, so the circular model has no seams.
void WienerChannel(const float* in, int h, int w, const std::vector<float>& kernel, int k,
                   double nsr, float* out) {
  cv::Mat y(h, w, CV_32F, const_cast<float*>(in)), big;
  cv::copyMakeBorder(y, big, 0, std::max(0, h - 2), 0, std::max(0, w - 2), cv::BORDER_REFLECT_101);
  const int H = big.rows, W = big.cols;
  // The kernel centred at the origin (circularly), as a correlation kernel.
  cv::Mat kk = cv::Mat::zeros(H, W, CV_32F);
  const int r = k / 2;
  for (int dy = -r; dy <= r; ++dy)
    for (int dx = -r; dx <= r; ++dx)
      kk.at<float>((dy + H) % H, (dx + W) % W) = kernel[std::size_t((dy + r) * k + dx + r)];
  cv::Mat Y, K;
  cv::dft(big, Y, cv::DFT_COMPLEX_OUTPUT);
  cv::dft(kk, K, cv::DFT_COMPLEX_OUTPUT);
  cv::Mat X(Y.size(), Y.type());
  for (int v = 0; v < H; ++v)
    for (int u = 0; u < W; ++u) {
      const cv::Vec2f yk = Y.at<cv::Vec2f>(v, u), kv = K.at<cv::Vec2f>(v, u);
      // Correlation with k multiplies by H = conj(K) = kr + i ki; conj(H) Y / (|H|^2 + nsr).
      const double kr = kv[0], ki = -kv[1];
      const double denom = kr * kr + ki * ki + nsr;
      X.at<cv::Vec2f>(v, u) = cv::Vec2f(float((kr * yk[0] + ki * yk[1]) / denom),
                                        float((kr * yk[1] - ki * yk[0]) / denom));
    }
  cv::Mat x;
  cv::dft(X, x, cv::DFT_INVERSE | cv::DFT_REAL_OUTPUT | cv::DFT_SCALE);
  for (int row = 0; row < h; ++row)
    for (int col = 0; col < w; ++col)
      out[std::size_t(row) * w + col] = x.at<float>(row, col);
}

Status RichardsonLucy(const ForwardOperator<float>& op, const Batch<float>& y, int iterations,
                      Batch<float>* out) {
  const std::size_t size = y.imageSize();
  Batch<float> x(y.shape()), ones(Shape{1, y.c(), y.h(), y.w()}, 1.0f),
      norm(Shape{1, y.c(), y.h(), y.w()});
  op.applyAdjoint(0, ones.data(), norm.data());  // A^T 1
  ParallelFor(y.n(), [&](int i) {
    std::vector<float> ax(size), ratio(size), back(size);
    float* xi = x.image(i);
    const float* yi = y.image(i);
    for (std::size_t p = 0; p < size; ++p)
      xi[p] = std::max(yi[p], 1e-3f);
    for (int it = 0; it < iterations; ++it) {
      op.apply(i, xi, ax.data());
      for (std::size_t p = 0; p < size; ++p)
        ratio[p] = std::max(yi[p], 0.0f) / std::max(ax[p], 1e-6f);
      op.applyAdjoint(i, ratio.data(), back.data());
      for (std::size_t p = 0; p < size; ++p)
        xi[p] *= back[p] / std::max(norm.data()[p], 1e-6f);
    }
  });
  *out = std::move(x);
  return Status::Ok();
}

std::vector<double> DefaultGrid(BaselineKind kind) {
  switch (kind) {
    case BaselineKind::kNonLocalMeans:
      return {3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 28, 31, 35, 40};
    case BaselineKind::kWiener: {
      std::vector<double> g;
      for (int e = 0; e <= 16; ++e)
        g.push_back(std::pow(10.0, -5.0 + 0.25 * e));
      return g;
    }
    case BaselineKind::kRichardsonLucy:
      return {1, 2, 3, 5, 8, 12, 16, 20, 30, 40, 60, 80};
    case BaselineKind::kTelea:
      return {1, 2, 3, 4, 5, 7, 10, 15};
  }
  return {};
}

}  // namespace

Status RunBaseline(BaselineKind kind, double parameter, const ForwardOperator<float>& op,
                   const Batch<float>& measured, Batch<float>* out) {
  if (measured.n() == 0) return Status::Error("no images");
  if (!(parameter > 0) || !std::isfinite(parameter))
    return Status::Error(std::string(ToString(kind)) + ": the parameter must be positive");
  const auto* blur = dynamic_cast<const GaussianBlurOperator<float>*>(&op);
  const auto* inpaint = dynamic_cast<const InpaintingOperator<float>*>(&op);
  try {
    switch (kind) {
      case BaselineKind::kNonLocalMeans: {
        if (measured.c() != 1 && measured.c() != 3)
          return Status::Error("non-local means needs grey or colour images");
        Batch<float> result(measured.shape());
        for (int i = 0; i < measured.n(); ++i) {
          const cv::Mat in = ToMat8(measured, i);
          cv::Mat denoised;
          if (measured.c() == 3)
            cv::fastNlMeansDenoisingColored(in, denoised, float(parameter), float(parameter));
          else
            cv::fastNlMeansDenoising(in, denoised, float(parameter));
          FromMat8(denoised, i, result);
        }
        *out = std::move(result);
        return Status::Ok();
      }
      case BaselineKind::kWiener: {
        if (!blur) return Status::Error("Wiener deconvolution needs a Gaussian blur problem");
        Batch<float> result(measured.shape());
        const int k = int(std::lround(std::sqrt(double(blur->kernel().size()))));
        ParallelFor(measured.n() * measured.c(), [&](int job) {
          const int i = job / measured.c(), ch = job % measured.c();
          WienerChannel(measured.channel(i, ch), measured.h(), measured.w(), blur->kernel(), k,
                        parameter, result.channel(i, ch));
        });
        *out = std::move(result);
        return Status::Ok();
      }
      case BaselineKind::kRichardsonLucy:
        if (!blur) return Status::Error("Richardson-Lucy needs a Gaussian blur problem");
        return RichardsonLucy(op, measured, int(std::lround(parameter)), out);
      case BaselineKind::kTelea: {
        if (!inpaint) return Status::Error("Telea inpainting needs an inpainting problem");
        const Batch<float>& masks = inpaint->masks();
        if (masks.n() != measured.n() || masks.c() != measured.c())
          return Status::Error("Telea inpainting: the masks do not match the images");
        if (measured.c() != 1 && measured.c() != 3)
          return Status::Error("Telea inpainting needs grey or colour images");
        Batch<float> result(measured.shape());
        for (int i = 0; i < measured.n(); ++i) {
          // OpenCV marks the pixels to fill with a nonzero 8-bit mask; a pixel is missing when
          // any of its channels is.
          cv::Mat missing(measured.h(), measured.w(), CV_8UC1, cv::Scalar(0));
          for (int y = 0; y < measured.h(); ++y)
            for (int x = 0; x < measured.w(); ++x)
              for (int ch = 0; ch < measured.c(); ++ch)
                if (masks.at(i, ch, y, x) < 0.5f) missing.at<unsigned char>(y, x) = 255;
          cv::Mat filled;
          cv::inpaint(ToMat8(measured, i), missing, filled, parameter, cv::INPAINT_TELEA);
          FromMat8(filled, i, result);
        }
        *out = std::move(result);
        return Status::Ok();
      }
    }
  } catch (const cv::Exception& e) {
    return Status::Error(std::string(ToString(kind)) + ": " + e.what());
  }
  return Status::Error("unknown baseline");
}

Status TuneBaseline(BaselineKind kind, const ForwardOperator<float>& op,
                    const Batch<float>& measured, const Batch<float>& clean,
                    BaselineTuning* tuning) {
  if (clean.shape() != measured.shape())
    return Status::Error("the clean and measured images differ in shape");
  *tuning = BaselineTuning{};
  tuning->psnr = -1e300;
  for (double p : DefaultGrid(kind)) {
    Batch<float> x;
    if (Status s = RunBaseline(kind, p, op, measured, &x); !s.ok()) return s;
    const double psnr = MeanPsnr(x, clean);
    tuning->grid.push_back(p);
    tuning->grid_psnr.push_back(psnr);
    if (psnr > tuning->psnr) {
      tuning->psnr = psnr;
      tuning->parameter = p;
    }
  }
  return Status::Ok();
}

}  // namespace bilevel
