// Axes of the plots: their look, a linear ticker with short labels, a logarithmic ticker whose
// labels stay distinct when the range spans about a decade or less (1, 2, 5 times a power of ten
// instead of evenly spaced values that round to the same label), the logarithmic range that shows
// positive data within its own decades, and the range of the data on an axis.
#pragma once

#include <qcustomplot.h>
#include <algorithm>
#include <cmath>

namespace studio {

inline void StyleAxis(QCPAxis* axis) {
  const QColor text(0x33, 0x33, 0x33);
  axis->setBasePen(QPen(QColor(0x88, 0x88, 0x88), 1));
  axis->setTickPen(QPen(QColor(0x88, 0x88, 0x88), 1));
  axis->setSubTickPen(QPen(QColor(0xaa, 0xaa, 0xaa), 1));
  axis->setTickLabelColor(text);
  axis->setLabelColor(text);
  axis->grid()->setPen(QPen(QColor(0, 0, 0, 28), 1, Qt::SolidLine));
  axis->grid()->setZeroLinePen(Qt::NoPen);
  axis->grid()->setSubGridVisible(false);
}

// Tick labels that stay short on wide ranges: 2500, 7.5k, 1.25M.
class CompactTicker final : public QCPAxisTicker {
 protected:
  QString getTickLabel(double tick, const QLocale& locale, QChar format, int precision) override {
    const double a = std::abs(tick);
    if (a >= 1e6) return QString::number(tick / 1e6, 'g', 4) + QStringLiteral("M");
    if (a >= 1e4) return QString::number(tick / 1e3, 'g', 4) + QStringLiteral("k");
    return QCPAxisTicker::getTickLabel(tick, locale, format, precision);
  }
};

class LogTicker final : public QCPAxisTickerLog {
 protected:
  QVector<double> createTickVector(double tick_step, const QCPRange& range) override {
    mantissa_ticks_ = false;
    if (range.lower > 0 && range.upper > range.lower &&
        std::log10(range.upper / range.lower) < 1.6) {
      QVector<double> ticks = Mantissas(range, {1, 2, 5});
      if (ticks.size() < 2) ticks = Mantissas(range, {1, 2, 3, 4, 5, 6, 7, 8, 9});
      if (ticks.size() >= 2) {
        mantissa_ticks_ = true;
        return ticks;
      }
    }
    return QCPAxisTickerLog::createTickVector(tick_step, range);
  }
  int getSubTickCount(double tick_step) override {
    return mantissa_ticks_ ? 0 : QCPAxisTickerLog::getSubTickCount(tick_step);
  }

 private:
  // m * 10^e inside the range, for each m of `mantissas`, ascending.
  static QVector<double> Mantissas(const QCPRange& range, std::initializer_list<int> mantissas) {
    QVector<double> ticks;
    const int first = int(std::floor(std::log10(range.lower)));
    const int last = int(std::ceil(std::log10(range.upper)));
    for (int e = first; e <= last; ++e)
      for (int m : mantissas) {
        const double tick = m * std::pow(10.0, e);
        if (tick >= range.lower * (1 - 1e-9) && tick <= range.upper * (1 + 1e-9)) ticks << tick;
      }
    return ticks;
  }
  bool mantissa_ticks_ = false;
};

// A logarithmic range around positive data from `lowest` to `highest`: a quarter more on each
// side, and at least one decade in all (centred on the data) so that a constant series shows as a
// line in the middle with its decade labelled.
inline QCPRange LogRange(double lowest, double highest) {
  const double centre = std::sqrt(lowest * highest);
  const double half_decade = std::sqrt(10.0);
  return QCPRange(std::min(lowest / 1.25, centre / half_decade),
                  std::max(highest * 1.25, centre * half_decade));
}

// The finite keys (keys) or values of the visible graphs on `axis`, positive ones only when the
// axis is logarithmic, as [lowest, highest]; false when there are none.
inline bool DataRange(const QCustomPlot& plot, const QCPAxis* axis, bool keys, double* lowest,
                      double* highest) {
  const bool log = axis->scaleType() == QCPAxis::stLogarithmic;
  bool found = false;
  for (int i = 0; i < plot.graphCount(); ++i) {
    const QCPGraph* g = plot.graph(i);
    if (!g->visible() || (keys ? g->keyAxis() : g->valueAxis()) != axis) continue;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
      const double v = keys ? it->key : it->value;
      if (!std::isfinite(v) || (log && v <= 0)) continue;
      *lowest = found ? std::min(*lowest, v) : v;
      *highest = found ? std::max(*highest, v) : v;
      found = true;
    }
  }
  return found;
}

}  // namespace studio
