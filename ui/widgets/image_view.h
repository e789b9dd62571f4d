// One image scaled to fit (pixels stay sharp when enlarged), with a caption underneath.
#pragma once

#include <QImage>
#include <QWidget>

namespace studio {

class ImageView final : public QWidget {
  Q_OBJECT

 public:
  explicit ImageView(const QString& title, QWidget* parent = nullptr);
  void setImage(const QImage& image);
  void setCaption(const QString& caption);  // under the title ("27.41 dB")
  const QImage& image() const { return image_; }
  QString caption() const { return caption_; }
  QSize sizeHint() const override { return {160, 180}; }
  QSize minimumSizeHint() const override { return {64, 80}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  QString title_, caption_;
  QImage image_;
};

}  // namespace studio
