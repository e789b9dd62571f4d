// One whole image that the user can zoom (the mouse wheel, around the cursor) and pan (dragging),
// with a title and a caption underneath. It starts fitted to the widget; a double-click fits it
// again. Two views linked by LinkViews move in step, for before and after comparisons.
#pragma once

#include <QImage>
#include <QMetaType>
#include <QPointF>
#include <QRectF>
#include <QWidget>

namespace studio {

class ZoomImageView final : public QWidget {
  Q_OBJECT

 public:
  // What is shown: the magnification relative to the fitted size, and the image point (in image
  // pixels, (0, 0) the top-left corner) at the centre of the view; the fitted view is zoom 1
  // around the image's centre.
  struct View {
    double zoom = 1.0;
    QPointF centre;
  };
  static constexpr double kZoomStep = 1.25;  // per notch of the wheel
  static constexpr double kMinZoom = 0.05;   // of the fitted size
  static constexpr double kMaxZoom = 32.0;

  explicit ZoomImageView(const QString& title, QWidget* parent = nullptr);

  // A new image of another size is fitted; one of the same size keeps the view.
  void setImage(const QImage& image);
  void setCaption(const QString& caption);  // under the title ("27.41 dB")
  const QImage& image() const { return image_; }
  QString caption() const { return caption_; }

  View view() const { return view_; }
  // Shows `view` (zoom and centre clamped to their ranges) without emitting viewChanged.
  void setView(const View& view);
  // The fitted view, without emitting viewChanged.
  void fit();
  // What the wheel does: zooms by kZoomStep^notches keeping the image point under `pos` (widget
  // coordinates) where it is, and emits viewChanged.
  void zoomAt(const QPointF& pos, double notches);
  // Moves the image by `delta` widget pixels (what dragging does), and emits viewChanged.
  void panBy(const QPointF& delta);

  // Between widget and image coordinates at the current view.
  QPointF toImage(const QPointF& widget_point) const;
  QPointF toWidget(const QPointF& image_point) const;
  // The pixels of the image scale per image pixel at the current view.
  double scale() const;

  QSize sizeHint() const override { return {320, 280}; }
  QSize minimumSizeHint() const override { return {96, 96}; }

 signals:
  void viewChanged(const studio::ZoomImageView::View& view);  // by the user only

 protected:
  void paintEvent(QPaintEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;

 private:
  QRectF imageArea() const;  // the widget's part above the title and caption
  double fittedScale() const;
  View clamped(View view) const;

  QString title_, caption_;
  QImage image_;
  View view_;
  bool dragging_ = false;
  QPointF last_drag_;
};

// Connects two views both ways so that zooming or panning either shows the same part of the
// other (in image coordinates: for images of one size, the same pixels).
void LinkViews(ZoomImageView* a, ZoomImageView* b);

}  // namespace studio

Q_DECLARE_METATYPE(studio::ZoomImageView::View)
