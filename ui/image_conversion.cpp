#include "image_conversion.h"

#include <algorithm>
#include <cmath>

namespace studio {
namespace {

int Byte(double v) {
  if (!(v > 0.0)) return 0;  // NaN too
  return v >= 1.0 ? 255 : int(std::lround(v * 255.0));
}

}  // namespace

QImage ToQImage(const bilevel::Batch<float>& images, int i) {
  if (i < 0 || i >= images.n() || images.c() < 1) return {};
  const int h = images.h(), w = images.w();
  QImage out(w, h, QImage::Format_RGB32);
  const bool rgb = images.c() == 3;
  const float* r = images.channel(i, 0);
  const float* g = images.channel(i, rgb ? 1 : 0);
  const float* b = images.channel(i, rgb ? 2 : 0);
  for (int y = 0; y < h; ++y) {
    auto* line = reinterpret_cast<QRgb*>(out.scanLine(y));
    for (int x = 0; x < w; ++x) {
      const std::size_t p = std::size_t(y) * w + x;
      line[x] = qRgb(Byte(r[p]), Byte(g[p]), Byte(b[p]));
    }
  }
  return out;
}

std::vector<QImage> KernelImages(const bilevel::FoeConfig& config, const Eigen::VectorXd& theta) {
  const bilevel::FoeLayout layout(config);
  if (theta.size() != layout.size()) return {};
  const int k = config.kernel_size, c = config.channels;
  std::vector<QImage> out;
  out.reserve(std::size_t(config.kernels));
  for (int j = 0; j < config.kernels; ++j) {
    const double* values = theta.data() + layout.kernel(j);
    double peak = 0.0;
    for (int v = 0; v < layout.kernel_values; ++v)
      peak = std::max(peak, std::abs(values[v]));
    if (!(peak > 0.0) || !std::isfinite(peak)) peak = 1.0;
    QImage image(k, k, QImage::Format_RGB32);
    for (int u = 0; u < k; ++u) {
      auto* line = reinterpret_cast<QRgb*>(image.scanLine(u));
      for (int x = 0; x < k; ++x) {
        int rgb[3];
        for (int ch = 0; ch < 3; ++ch) {
          const int from = c == 3 ? ch : 0;
          const double value = values[(from * k + u) * k + x];
          rgb[ch] = Byte(0.5 + 0.5 * value / peak);
        }
        line[x] = qRgb(rgb[0], rgb[1], rgb[2]);
      }
    }
    out.push_back(std::move(image));
  }
  return out;
}

std::vector<double> ExpertWeights(const bilevel::FoeConfig& config, const Eigen::VectorXd& theta) {
  const bilevel::FoeLayout layout(config);
  if (theta.size() != layout.size()) return {};
  std::vector<double> out;
  for (int j = 0; j < config.kernels; ++j)
    out.push_back(std::exp(theta[layout.theta0()]) * std::exp(theta[layout.expertWeight(j)]));
  return out;
}

}  // namespace studio
