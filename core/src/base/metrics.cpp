#include "bilevel/metrics.h"

#include <array>
#include <cmath>
#include <limits>
#include <vector>

namespace bilevel {

template <typename T>
double SquaredError(const Batch<T>& a, const Batch<T>& b, int i) {
  const T* pa = a.image(i);
  const T* pb = b.image(i);
  double sum = 0.0;
  for (std::size_t p = 0; p < a.imageSize(); ++p) {
    const double d = double(pa[p]) - double(pb[p]);
    sum += d * d;
  }
  return sum;
}

template <typename T>
double Psnr(const Batch<T>& estimate, const Batch<T>& reference, int i) {
  const double mse = SquaredError(estimate, reference, i) / double(estimate.imageSize());
  if (mse <= 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(1.0 / mse);
}

template <typename T>
double MeanPsnr(const Batch<T>& estimate, const Batch<T>& reference) {
  if (estimate.n() == 0) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0.0;
  for (int i = 0; i < estimate.n(); ++i)
    sum += Psnr(estimate, reference, i);
  return sum / estimate.n();
}

namespace {

// The 11 taps of the normalised Gaussian of standard deviation 1.5.
std::array<double, 11> SsimWindow() {
  std::array<double, 11> w{};
  double sum = 0.0;
  for (int k = 0; k < 11; ++k)
    sum += w[std::size_t(k)] = std::exp(-double((k - 5) * (k - 5)) / (2.0 * 1.5 * 1.5));
  for (double& v : w)
    v /= sum;
  return w;
}

// The mean SSIM over the valid positions of one h x w plane.
template <typename T>
double PlaneSsim(const T* a, const T* b, int h, int w) {
  constexpr double kC1 = 0.01 * 0.01, kC2 = 0.03 * 0.03;
  const std::array<double, 11> g = SsimWindow();
  const int vw = w - 10, vh = h - 10;
  // Rows filtered first: five moments (a, b, a^2, b^2, ab) at h x vw positions.
  std::vector<double> rows(std::size_t(5) * std::size_t(h) * std::size_t(vw));
  const std::size_t plane = std::size_t(h) * std::size_t(vw);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < vw; ++x) {
      double m[5] = {0, 0, 0, 0, 0};
      for (int k = 0; k < 11; ++k) {
        const double p = double(a[std::size_t(y) * w + x + k]);
        const double q = double(b[std::size_t(y) * w + x + k]);
        const double gk = g[std::size_t(k)];
        m[0] += gk * p;
        m[1] += gk * q;
        m[2] += gk * p * p;
        m[3] += gk * q * q;
        m[4] += gk * p * q;
      }
      for (int j = 0; j < 5; ++j)
        rows[std::size_t(j) * plane + std::size_t(y) * vw + x] = m[j];
    }
  double sum = 0.0;
  for (int y = 0; y < vh; ++y)
    for (int x = 0; x < vw; ++x) {
      double m[5] = {0, 0, 0, 0, 0};
      for (int k = 0; k < 11; ++k)
        for (int j = 0; j < 5; ++j)
          m[j] += g[std::size_t(k)] * rows[std::size_t(j) * plane + std::size_t(y + k) * vw + x];
      const double va = m[2] - m[0] * m[0], vb = m[3] - m[1] * m[1], cov = m[4] - m[0] * m[1];
      sum += ((2.0 * m[0] * m[1] + kC1) * (2.0 * cov + kC2)) /
             ((m[0] * m[0] + m[1] * m[1] + kC1) * (va + vb + kC2));
    }
  return sum / (double(vh) * double(vw));
}

}  // namespace

template <typename T>
double Ssim(const Batch<T>& estimate, const Batch<T>& reference, int i) {
  const int h = estimate.h(), w = estimate.w();
  if (h < 11 || w < 11) return std::numeric_limits<double>::quiet_NaN();
  const std::size_t plane = std::size_t(h) * std::size_t(w);
  double sum = 0.0;
  for (int c = 0; c < estimate.c(); ++c)
    sum += PlaneSsim(estimate.image(i) + c * plane, reference.image(i) + c * plane, h, w);
  return sum / estimate.c();
}

template double SquaredError<float>(const Batch<float>&, const Batch<float>&, int);
template double SquaredError<double>(const Batch<double>&, const Batch<double>&, int);
template double Psnr<float>(const Batch<float>&, const Batch<float>&, int);
template double Psnr<double>(const Batch<double>&, const Batch<double>&, int);
template double MeanPsnr<float>(const Batch<float>&, const Batch<float>&);
template double MeanPsnr<double>(const Batch<double>&, const Batch<double>&);
template double Ssim<float>(const Batch<float>&, const Batch<float>&, int);
template double Ssim<double>(const Batch<double>&, const Batch<double>&, int);

}  // namespace bilevel
