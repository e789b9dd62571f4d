#include "filter_sheet.h"

#include <QFontMetrics>
#include <QGuiApplication>
#include <QPainter>
#include <algorithm>
#include <cmath>

#include "image_conversion.h"

namespace studio {
namespace {

constexpr int kGap = 8;

double LargestMagnitude(const bilevel::FilterImage& f) {
  double m = 0.0;
  for (double v : f.values)
    m = std::max(m, std::abs(v));
  return m;
}

// The images one filter is drawn as, left to right.
std::vector<QImage> Cells(const bilevel::FilterImage& f, bool per_channel) {
  if (!per_channel || f.channels == 1) return FilterImages({f});
  std::vector<QImage> cells;
  const double scale = LargestMagnitude(f);
  for (int c = 0; c < f.channels; ++c)
    cells.push_back(FilterChannelImage(f, c, scale));
  return cells;
}

QString Weight(double w) {
  return QStringLiteral("w = %1").arg(w, 0, 'g', 3);
}

}  // namespace

QImage FilterChannelImage(const bilevel::FilterImage& filter, int channel, double scale) {
  QImage image(filter.width, filter.height, QImage::Format_RGB32);
  const std::size_t plane = std::size_t(filter.height) * std::size_t(filter.width);
  for (int y = 0; y < filter.height; ++y)
    for (int x = 0; x < filter.width; ++x) {
      const double v =
          filter.values[std::size_t(channel) * plane + std::size_t(y) * filter.width + x];
      const double t = scale > 0 ? 0.5 + 0.5 * v / scale : 0.5;
      const int g = std::clamp(int(std::lround(255.0 * t)), 0, 255);
      image.setPixel(x, y, qRgb(g, g, g));
    }
  return image;
}

QImage RenderFilterSheet(const std::vector<bilevel::FilterImage>& before,
                         const std::vector<bilevel::FilterImage>& after,
                         const FilterSheetOptions& options) {
  if (after.empty()) return {};
  const bool both = before.size() == after.size();
  const int pixel = std::max(1, options.pixel);
  QFont font = QGuiApplication::font();
  const QFontMetrics fm(font);
  const int line = fm.height();

  // Every filter has the same size and channel count.
  const int channels = options.per_channel ? after.front().channels : 1;
  const int cell_w = after.front().width * pixel, cell_h = after.front().height * pixel;
  const int group = channels * cell_w + (channels - 1) * (kGap / 2);
  const int label_w = fm.horizontalAdvance(QStringLiteral("filter 000")) + kGap;
  const int weight_w = fm.horizontalAdvance(QStringLiteral("w = -0.000e-00")) + kGap;
  const int column = std::max(group, fm.horizontalAdvance(QStringLiteral("learned")));
  const int columns = both ? 2 : 1;
  const int width = kGap + label_w + columns * (column + weight_w + kGap);
  const int text_h = std::max(cell_h, line);  // small filters: the texts keep their whole line
  const int row_h = text_h + kGap;
  const int top = kGap + line + (channels > 1 ? line : 0) + kGap / 2;
  const int height = top + int(after.size()) * row_h + kGap;

  QImage sheet(width, height, QImage::Format_RGB32);
  sheet.fill(Qt::white);
  QPainter p(&sheet);
  p.setFont(font);
  p.setPen(Qt::black);
  p.setRenderHint(QPainter::SmoothPixmapTransform, false);
  const auto column_x = [&](int k) { return kGap + label_w + k * (column + weight_w + kGap); };
  const QStringList titles = both ? QStringList{QObject::tr("initial"), QObject::tr("learned")}
                                  : QStringList{QObject::tr("learned")};
  for (int k = 0; k < columns; ++k) {
    p.drawText(QRect(column_x(k), kGap, column + weight_w, line), Qt::AlignLeft, titles[k]);
    if (channels > 1) {
      static const char* const names[] = {"R", "G", "B"};
      for (int c = 0; c < channels; ++c)
        p.drawText(QRect(column_x(k) + c * (cell_w + kGap / 2), kGap + line, cell_w, line),
                   Qt::AlignHCenter, QString::fromLatin1(c < 3 ? names[c] : "?"));
    }
  }
  for (std::size_t j = 0; j < after.size(); ++j) {
    const int y = top + int(j) * row_h;
    p.setPen(Qt::black);
    p.drawText(QRect(kGap, y, label_w, text_h), Qt::AlignLeft | Qt::AlignVCenter,
               QObject::tr("filter %1").arg(j + 1));
    for (int k = 0; k < columns; ++k) {
      const bilevel::FilterImage& f = (both && k == 0) ? before[j] : after[j];
      const std::vector<QImage> cells = Cells(f, options.per_channel);
      int x = column_x(k);
      for (const QImage& cell : cells) {
        const QRect target(x, y, cell_w, cell_h);
        p.drawImage(target, cell);
        p.setPen(QColor(160, 160, 160));
        p.drawRect(target.adjusted(0, 0, -1, -1));
        x += cell_w + kGap / 2;
      }
      p.setPen(Qt::black);
      p.drawText(QRect(column_x(k) + column + kGap / 2, y, weight_w, text_h),
                 Qt::AlignLeft | Qt::AlignVCenter, Weight(f.weight));
    }
  }
  return sheet;
}

}  // namespace studio
