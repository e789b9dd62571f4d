#include "zoom_image_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

namespace studio {
namespace {

// The title and the caption: two lines under the image.
int TextHeight(const QFontMetrics& fm) {
  return 2 * fm.height() + 4;
}

}  // namespace

ZoomImageView::ZoomImageView(const QString& title, QWidget* parent)
    : QWidget(parent), title_(title) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
  setToolTip(tr("Wheel: zoom · drag: pan · double-click: fit"));
}

void ZoomImageView::setImage(const QImage& image) {
  const bool same_size = !image.isNull() && image.size() == image_.size();
  image_ = image;
  if (same_size)
    update();
  else
    fit();
}

void ZoomImageView::setCaption(const QString& caption) {
  caption_ = caption;
  update();
}

void ZoomImageView::setView(const View& view) {
  view_ = clamped(view);
  update();
}

void ZoomImageView::fit() {
  view_ = View{1.0, QPointF(image_.width() / 2.0, image_.height() / 2.0)};
  update();
}

QRectF ZoomImageView::imageArea() const {
  const int text_height = TextHeight(fontMetrics());
  QRectF area = QRectF(rect()).adjusted(2, 2, -2, -text_height - 2);
  if (area.width() < 1) area.setWidth(1);
  if (area.height() < 1) area.setHeight(1);
  return area;
}

double ZoomImageView::fittedScale() const {
  if (image_.isNull()) return 1.0;
  const QRectF area = imageArea();
  return std::min(area.width() / image_.width(), area.height() / image_.height());
}

double ZoomImageView::scale() const {
  return fittedScale() * view_.zoom;
}

ZoomImageView::View ZoomImageView::clamped(View view) const {
  if (!std::isfinite(view.zoom)) view.zoom = 1.0;
  view.zoom = std::clamp(view.zoom, kMinZoom, kMaxZoom);
  double x = view.centre.x(), y = view.centre.y();
  if (!std::isfinite(x)) x = image_.width() / 2.0;
  if (!std::isfinite(y)) y = image_.height() / 2.0;
  // The centre stays on the image, so that some of it is always in view.
  if (!image_.isNull()) {
    x = std::clamp(x, 0.0, double(image_.width()));
    y = std::clamp(y, 0.0, double(image_.height()));
  }
  view.centre = QPointF(x, y);
  return view;
}

QPointF ZoomImageView::toImage(const QPointF& widget_point) const {
  return view_.centre + (widget_point - imageArea().center()) / scale();
}

QPointF ZoomImageView::toWidget(const QPointF& image_point) const {
  return imageArea().center() + (image_point - view_.centre) * scale();
}

void ZoomImageView::zoomAt(const QPointF& pos, double notches) {
  if (image_.isNull() || notches == 0.0 || !std::isfinite(notches)) return;
  const QPointF anchor = toImage(pos);  // stays under the cursor
  View next = view_;
  next.zoom = std::clamp(view_.zoom * std::pow(kZoomStep, notches), kMinZoom, kMaxZoom);
  next.centre = anchor - (pos - imageArea().center()) / (fittedScale() * next.zoom);
  view_ = clamped(next);
  update();
  emit viewChanged(view_);
}

void ZoomImageView::panBy(const QPointF& delta) {
  if (image_.isNull()) return;
  View next = view_;
  next.centre -= delta / scale();
  view_ = clamped(next);
  update();
  emit viewChanged(view_);
}

void ZoomImageView::wheelEvent(QWheelEvent* event) {
  const double notches = event->angleDelta().y() / 120.0;
  if (image_.isNull() || notches == 0.0) {
    event->ignore();
    return;
  }
  zoomAt(event->position(), notches);
  event->accept();
}

void ZoomImageView::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton || image_.isNull()) {
    QWidget::mousePressEvent(event);
    return;
  }
  dragging_ = true;
  last_drag_ = event->position();
  setCursor(Qt::ClosedHandCursor);
  event->accept();
}

void ZoomImageView::mouseMoveEvent(QMouseEvent* event) {
  if (!dragging_) {
    QWidget::mouseMoveEvent(event);
    return;
  }
  const QPointF delta = event->position() - last_drag_;
  last_drag_ = event->position();
  if (!delta.isNull()) panBy(delta);
  event->accept();
}

void ZoomImageView::mouseReleaseEvent(QMouseEvent* event) {
  if (!dragging_ || event->button() != Qt::LeftButton) {
    QWidget::mouseReleaseEvent(event);
    return;
  }
  dragging_ = false;
  unsetCursor();
  event->accept();
}

void ZoomImageView::mouseDoubleClickEvent(QMouseEvent* event) {
  if (image_.isNull()) {
    QWidget::mouseDoubleClickEvent(event);
    return;
  }
  fit();
  emit viewChanged(view_);
  event->accept();
}

void ZoomImageView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const QFontMetrics fm = fontMetrics();
  const QRectF area = imageArea();
  if (!image_.isNull()) {
    // Only the part of the image in view is drawn, in whole pixels so that enlarged pixels keep
    // their edges where they are.
    const QRectF seen = QRectF(toImage(area.topLeft()), toImage(area.bottomRight()))
                            .intersected(QRectF(QPointF(0, 0), QSizeF(image_.size())));
    const QRect source = seen.toAlignedRect().intersected(image_.rect());
    if (!source.isEmpty()) {
      const QRectF target(
          toWidget(QPointF(source.topLeft())),
          toWidget(QPointF(source.x() + source.width(), source.y() + source.height())));
      p.save();
      p.setClipRect(area);
      p.setRenderHint(QPainter::SmoothPixmapTransform, scale() < 1.0);
      p.drawImage(target, image_, QRectF(source));
      p.restore();
    }
  } else {
    const QRectF box =
        area.adjusted(area.width() / 6, area.height() / 6, -area.width() / 6, -area.height() / 6);
    p.setPen(QPen(palette().color(QPalette::Mid), 1, Qt::DashLine));
    p.drawRect(box.adjusted(0, 0, -1, -1));
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(box, Qt::AlignCenter, tr("no image"));
  }
  // The title (with the zoom when it is not the fitted one) and, on a second line, the caption.
  QFont bold = font();
  bold.setBold(true);
  const int y0 = int(area.bottom()) + 3;
  QString title = title_;
  if (!image_.isNull() && std::abs(view_.zoom - 1.0) > 1e-9)
    title += QStringLiteral(" · %1%").arg(std::lround(100.0 * scale()));
  p.setPen(palette().color(QPalette::WindowText));
  p.setFont(bold);
  p.drawText(QRect(0, y0, width(), fm.height()), Qt::AlignHCenter | Qt::AlignTop, title);
  p.setFont(font());
  p.drawText(QRect(0, y0 + fm.height(), width(), fm.height()), Qt::AlignHCenter | Qt::AlignTop,
             caption_);
}

void LinkViews(ZoomImageView* a, ZoomImageView* b) {
  QObject::connect(a, &ZoomImageView::viewChanged, b, &ZoomImageView::setView);
  QObject::connect(b, &ZoomImageView::viewChanged, a, &ZoomImageView::setView);
}

}  // namespace studio
