// The learned filters of a Field of Experts as a grid of small images (each normalised on its own,
// mid-grey = 0; colour kernels as RGB), with each expert's weight exp(theta0 + theta_j).
#pragma once

#include <QImage>
#include <QWidget>
#include <vector>

namespace studio {

class KernelView final : public QWidget {
  Q_OBJECT

 public:
  explicit KernelView(QWidget* parent = nullptr);
  // A regularizer without filters (smoothed TV) shows its parameters as text instead.
  void setSummary(const QString& summary) {
    summary_ = summary;
    update();
  }
  void setKernels(std::vector<QImage> kernels, std::vector<double> weights, double smoothing,
                  long iteration);
  void clear();
  int kernelCount() const { return int(kernels_.size()); }
  // The kernels side by side on one image (for export).
  QImage sheet(int cell = 64) const;
  QSize sizeHint() const override { return {320, 180}; }

 signals:
  void enlargeRequested();  // a double-click: the Filters dialog

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;

 private:
  int columns(int width, int height) const;
  std::vector<QImage> kernels_;
  std::vector<double> weights_;
  double smoothing_ = 0.0;
  long iteration_ = 0;
  QString summary_;  // the regularizer's readable scalars, shown when it has no filters
};

}  // namespace studio
