#include "image_view.h"

#include <QPainter>

namespace studio {

ImageView::ImageView(const QString& title, QWidget* parent) : QWidget(parent), title_(title) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ImageView::setImage(const QImage& image) {
  image_ = image;
  update();
}

void ImageView::setCaption(const QString& caption) {
  caption_ = caption;
  update();
}

void ImageView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const QFontMetrics fm = fontMetrics();
  const int text_height = 2 * fm.height() + 4;
  const QRect area = rect().adjusted(2, 2, -2, -text_height - 2);
  QRect target = area;
  if (!image_.isNull()) {
    QSize size = image_.size().scaled(area.size(), Qt::KeepAspectRatio);
    // Enlarge by whole factors where that loses little, so that patches stay crisp.
    if (size.width() > image_.width()) {
      const int factor = std::max(1, size.width() / image_.width());
      if (factor * image_.width() >= size.width() * 3 / 4) size = image_.size() * factor;
    }
    target =
        QRect(area.x() + (area.width() - size.width()) / 2, area.y(), size.width(), size.height());
    p.setRenderHint(QPainter::SmoothPixmapTransform, size.width() < image_.width());
    p.drawImage(target, image_);
  } else {
    target =
        area.adjusted(area.width() / 6, area.height() / 6, -area.width() / 6, -area.height() / 6);
    p.setPen(QPen(palette().color(QPalette::Mid), 1, Qt::DashLine));
    p.drawRect(target.adjusted(0, 0, -1, -1));
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(target, Qt::AlignCenter, tr("no image"));
  }
  // The title and, on a second line, the caption sit right under the image.
  QFont bold = font();
  bold.setBold(true);
  const int y0 = std::min(target.bottom() + 3, height() - text_height);
  p.setPen(palette().color(QPalette::WindowText));
  p.setFont(bold);
  p.drawText(QRect(0, y0, width(), fm.height()), Qt::AlignHCenter | Qt::AlignTop, title_);
  p.setFont(font());
  p.drawText(QRect(0, y0 + fm.height(), width(), fm.height()), Qt::AlignHCenter | Qt::AlignTop,
             caption_);
}

}  // namespace studio
