#include "kernel_view.h"

#include <QPainter>
#include <cmath>

namespace studio {

KernelView::KernelView(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
  setMinimumSize(120, 80);
  setToolTip(tr("Double-click for a larger view, initial beside learned (View ▸ Filters)"));
}

void KernelView::mouseDoubleClickEvent(QMouseEvent*) {
  emit enlargeRequested();
}

void KernelView::setKernels(std::vector<QImage> kernels, std::vector<double> weights,
                            double smoothing, long iteration) {
  kernels_ = std::move(kernels);
  weights_ = std::move(weights);
  smoothing_ = smoothing;
  iteration_ = iteration;
  update();
}

void KernelView::clear() {
  kernels_.clear();
  weights_.clear();
  summary_.clear();
  update();
}

// The column count that makes the cells largest.
int KernelView::columns(int width, int height) const {
  const int n = int(kernels_.size());
  int best = 1;
  double best_cell = 0;
  for (int c = 1; c <= n; ++c) {
    const int rows = (n + c - 1) / c;
    const double cell = std::min(double(width) / c, double(height) / rows);
    if (cell > best_cell) {
      best_cell = cell;
      best = c;
    }
  }
  return best;
}

void KernelView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const QFontMetrics fm = fontMetrics();
  if (kernels_.empty()) {
    p.setPen(
        palette().color(summary_.isEmpty() ? QPalette::PlaceholderText : QPalette::WindowText));
    p.drawText(
        rect().adjusted(8, 8, -8, -8), Qt::AlignCenter | Qt::TextWordWrap,
        summary_.isEmpty() ? tr("The learned filters appear here while training.") : summary_);
    return;
  }
  const int footer = fm.height() + 6;
  const QRect area = rect().adjusted(4, 4, -4, -footer);
  const int n = int(kernels_.size());
  const int cols = columns(area.width(), area.height() - fm.height());
  const int rows = (n + cols - 1) / cols;
  const int label = fm.height();
  const int cell = std::max(8, std::min(area.width() / cols, area.height() / rows));
  const int side = std::max(4, cell - label - 4);
  const int x0 = area.x() + (area.width() - cols * cell) / 2;
  p.setRenderHint(QPainter::SmoothPixmapTransform, false);
  QFont small = font();
  small.setPointSizeF(std::max(6.0, font().pointSizeF() * 0.85));
  p.setFont(small);
  for (int j = 0; j < n; ++j) {
    const int cx = x0 + (j % cols) * cell + (cell - side) / 2;
    const int cy = area.y() + (j / cols) * cell;
    const QRect target(cx, cy, side, side);
    p.drawImage(target, kernels_[std::size_t(j)]);
    p.setPen(palette().color(QPalette::Mid));
    p.drawRect(target.adjusted(0, 0, -1, -1));
    if (j < int(weights_.size())) {
      p.setPen(palette().color(QPalette::WindowText));
      p.drawText(QRect(cx - 8, cy + side + 1, side + 16, label), Qt::AlignHCenter | Qt::AlignTop,
                 QString::number(weights_[std::size_t(j)], 'g', 3));
    }
  }
  p.setPen(palette().color(QPalette::PlaceholderText));
  p.drawText(rect().adjusted(4, 0, -4, -2), Qt::AlignBottom | Qt::AlignLeft,
             std::isnan(smoothing_)
                 ? tr("%1 filters %2×%2 · weight under each · iteration %3")
                       .arg(n)
                       .arg(kernels_.front().width())
                       .arg(iteration_)
                 : tr("%1 filters %2×%2 · weight under each · ν = %3 · iteration %4")
                       .arg(n)
                       .arg(kernels_.front().width())
                       .arg(smoothing_, 0, 'g', 3)
                       .arg(iteration_));
}

QImage KernelView::sheet(int cell) const {
  if (kernels_.empty()) return {};
  const int n = int(kernels_.size());
  const int cols = std::min(n, 8);
  const int rows = (n + cols - 1) / cols;
  const int gap = std::max(2, cell / 16);
  QImage out(cols * (cell + gap) + gap, rows * (cell + gap) + gap, QImage::Format_RGB32);
  out.fill(Qt::white);
  QPainter p(&out);
  for (int j = 0; j < n; ++j)
    p.drawImage(QRect(gap + (j % cols) * (cell + gap), gap + (j / cols) * (cell + gap), cell, cell),
                kernels_[std::size_t(j)]);
  return out;
}

}  // namespace studio
