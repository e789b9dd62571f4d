// View ▸ Filters: the selected run's filters at a readable size, its initial filters beside the
// learned ones, whole or channel by channel, with their weights; saved as a PNG.
#pragma once

#include <Eigen/Core>
#include <QDialog>
#include <QImage>

#include "bilevel/regularizer_settings.h"

class QCheckBox;
class QLabel;
class QSpinBox;

namespace studio {

class FiltersDialog final : public QDialog {
  Q_OBJECT

 public:
  explicit FiltersDialog(QWidget* parent = nullptr);
  // The run's regularizer at theta; the initial filters come from its init.* settings. A model
  // without filters (smoothed TV) says so.
  void setRun(const QString& name, const bilevel::RegularizerSettings& settings,
              const Eigen::VectorXd& theta, long iteration);
  QImage sheet() const { return sheet_; }
  QCheckBox* perChannelBox() const { return per_channel_; }
  QSpinBox* pixelBox() const { return pixel_; }

 private:
  void render();
  void save();

  bilevel::RegularizerSettings settings_;
  Eigen::VectorXd theta_;
  QLabel* title_ = nullptr;
  QLabel* canvas_ = nullptr;
  QCheckBox* per_channel_ = nullptr;
  QSpinBox* pixel_ = nullptr;
  QImage sheet_;
};

}  // namespace studio
