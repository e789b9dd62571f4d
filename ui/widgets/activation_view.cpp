#include "activation_view.h"

#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

namespace studio {

ActivationView::ActivationView(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
  setMinimumSize(120, 80);
}

void ActivationView::setCurves(std::vector<bilevel::Curve> curves, long iteration) {
  curves_ = std::move(curves);
  iteration_ = iteration;
  update();
}

void ActivationView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const QFontMetrics fm = fontMetrics();
  if (curves_.empty()) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(rect().adjusted(8, 8, -8, -8), Qt::AlignCenter | Qt::TextWordWrap,
               tr("This regularizer has no learned activations."));
    return;
  }
  // One vertical scale for all, and each curve's own horizontal range.
  double lo = 0.0, hi = 0.0;
  for (const bilevel::Curve& c : curves_)
    for (double y : c.y)
      if (std::isfinite(y)) {
        lo = std::min(lo, y);
        hi = std::max(hi, y);
      }
  if (hi - lo < 1e-12) hi = lo + 1.0;
  const int n = int(curves_.size());
  const int footer = fm.height() + 4;
  const QRect area = rect().adjusted(4, 4, -4, -footer);
  int cols =
      std::max(1, int(std::ceil(std::sqrt(double(n) * area.width() / std::max(1, area.height())))));
  cols = std::min(cols, n);
  const int rows = (n + cols - 1) / cols;
  const int cw = std::max(16, area.width() / cols), ch = std::max(16, area.height() / rows);
  p.setRenderHint(QPainter::Antialiasing, true);
  for (int i = 0; i < n; ++i) {
    const bilevel::Curve& c = curves_[std::size_t(i)];
    if (c.x.size() < 2) continue;
    const QRectF cell(area.x() + (i % cols) * cw + 2, area.y() + (i / cols) * ch + 2, cw - 4,
                      ch - 4);
    const double x0 = c.x.front(), x1 = c.x.back();
    auto map = [&](double x, double y) {
      return QPointF(cell.left() + (x - x0) / (x1 - x0) * cell.width(),
                     cell.bottom() - (y - lo) / (hi - lo) * cell.height());
    };
    p.setPen(QPen(palette().color(QPalette::Mid), 0));
    p.drawRect(cell);
    p.drawLine(map(x0, 0.0), map(x1, 0.0));
    if (x0 < 0.0 && x1 > 0.0) p.drawLine(map(0.0, lo), map(0.0, hi));
    QPainterPath path(map(c.x[0], c.y[0]));
    for (std::size_t k = 1; k < c.x.size(); ++k)
      path.lineTo(map(c.x[k], c.y[k]));
    p.setPen(QPen(palette().color(QPalette::Highlight), 1.5));
    p.drawPath(path);
    p.setBrush(palette().color(QPalette::Highlight));
    p.setPen(Qt::NoPen);
    if (cell.width() / std::max<std::size_t>(1, c.knot_x.size()) > 4)
      for (std::size_t k = 0; k < c.knot_x.size(); ++k)
        p.drawEllipse(map(c.knot_x[k], c.knot_y[k]), 1.8, 1.8);
    p.setBrush(Qt::NoBrush);
  }
  p.setPen(palette().color(QPalette::PlaceholderText));
  const bilevel::Curve& first = curves_.front();
  p.drawText(rect().adjusted(4, 0, -4, -2), Qt::AlignBottom | Qt::AlignLeft,
             tr("%1 activations · %2 knots on [%3, %4] · values %5 … %6 · iteration %7")
                 .arg(n)
                 .arg(first.knot_x.size())
                 .arg(first.knot_x.empty() ? 0.0 : first.knot_x.front(), 0, 'g', 3)
                 .arg(first.knot_x.empty() ? 0.0 : first.knot_x.back(), 0, 'g', 3)
                 .arg(lo, 0, 'g', 3)
                 .arg(hi, 0, 'g', 3)
                 .arg(iteration_));
}

}  // namespace studio
