#include "image_conversion.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include <QStringList>

#include "bilevel/regularizer_registry.h"

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

std::vector<QImage> FilterImages(const std::vector<bilevel::FilterImage>& filters) {
  std::vector<QImage> out;
  out.reserve(filters.size());
  for (const bilevel::FilterImage& f : filters) {
    const int c = f.channels, h = f.height, w = f.width;
    if (c < 1 || h < 1 || w < 1 || f.values.size() != std::size_t(c) * h * w) continue;
    double peak = 0.0;
    for (double v : f.values)
      peak = std::max(peak, std::abs(v));
    if (!(peak > 0.0) || !std::isfinite(peak)) peak = 1.0;
    QImage image(w, h, QImage::Format_RGB32);
    for (int u = 0; u < h; ++u) {
      auto* line = reinterpret_cast<QRgb*>(image.scanLine(u));
      for (int x = 0; x < w; ++x) {
        int rgb[3];
        for (int ch = 0; ch < 3; ++ch) {
          const int from = c == 3 ? ch : 0;
          rgb[ch] = Byte(0.5 + 0.5 * f.values[(std::size_t(from) * h + u) * w + x] / peak);
        }
        line[x] = qRgb(rgb[0], rgb[1], rgb[2]);
      }
    }
    out.push_back(std::move(image));
  }
  return out;
}

RegularizerView ViewRegularizer(const bilevel::RegularizerSettings& settings,
                                const Eigen::VectorXd& theta) {
  RegularizerView view;
  const bilevel::RegularizerType* type = bilevel::FindRegularizerType(settings.type);
  std::unique_ptr<bilevel::Regularizer<double>> reg;
  if (!type || !bilevel::CreateRegularizer(settings, &reg).ok() ||
      theta.size() != reg->parameterCount())
    return view;
  view.filters = reg->filters(theta);
  view.curves = reg->curves(theta);
  QStringList parts{QString::fromStdString(type->label)};
  for (const bilevel::NamedArray& a : reg->readable(theta)) {
    if (a.name == "smoothing" && a.values.size() == 1) view.smoothing = a.values[0];
    if (a.values.size() > 4 || a.name.rfind("log_", 0) == 0) continue;
    QStringList numbers;
    for (double v : a.values)
      numbers << QString::number(v, 'g', 3);
    parts << QString::fromStdString(a.name).replace(QLatin1Char('_'), QLatin1Char(' ')) +
                 QLatin1Char(' ') + numbers.join(QStringLiteral(", "));
  }
  view.summary = parts.join(QStringLiteral(" · "));
  return view;
}

}  // namespace studio
