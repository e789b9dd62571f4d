#include "thumbnail_strip.h"

#include <QPixmap>

namespace studio {
namespace {
constexpr int kIcon = 52;
}

ThumbnailStrip::ThumbnailStrip(QWidget* parent) : QListWidget(parent) {
  setViewMode(QListView::IconMode);
  setFlow(QListView::LeftToRight);
  setWrapping(false);
  setMovement(QListView::Static);
  setResizeMode(QListView::Adjust);
  setIconSize(QSize(kIcon, kIcon));
  setSpacing(2);
  setUniformItemSizes(true);
  setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
  setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  setFixedHeight(kIcon + 26);
  connect(this, &QListWidget::itemClicked, this,
          [this](QListWidgetItem* item) { emit imageActivated(row(item)); });
}

void ThumbnailStrip::setImages(const std::vector<QImage>& images, const QStringList& names,
                               int total) {
  clear();
  for (std::size_t i = 0; i < images.size(); ++i) {
    auto* item =
        new QListWidgetItem(QIcon(QPixmap::fromImage(images[i].scaled(
                                kIcon, kIcon, Qt::KeepAspectRatio, Qt::SmoothTransformation))),
                            QString());
    const QString name = int(i) < names.size() ? names[int(i)] : QString();
    item->setToolTip(tr("patch %1 of %2%3")
                         .arg(int(i) + 1)
                         .arg(total)
                         .arg(name.isEmpty() ? QString() : tr(", from %1").arg(name)));
    item->setSizeHint(QSize(kIcon + 4, kIcon + 4));
    addItem(item);
  }
}

QSize ThumbnailStrip::sizeHint() const {
  return {320, kIcon + 26};
}

}  // namespace studio
