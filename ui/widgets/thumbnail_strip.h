// A horizontal strip of image thumbnails (the dataset's patches) with the source image as tool
// tip; activating one reports its index.
#pragma once

#include <QImage>
#include <QListWidget>
#include <vector>

namespace studio {

class ThumbnailStrip final : public QListWidget {
  Q_OBJECT

 public:
  explicit ThumbnailStrip(QWidget* parent = nullptr);
  void setImages(const std::vector<QImage>& images, const QStringList& names, int total);
  QSize sizeHint() const override;

 signals:
  void imageActivated(int index);
};

}  // namespace studio
