// File ▸ Export Plots…: the folder, the formats and one style for every figure (size, PNG
// resolution, text size, legend), so that the four training plots and the Inner Solvers plot come
// out alike for a paper.
#pragma once

#include <QDialog>
#include <QStringList>

#include "exporters.h"

class QCheckBox;
class QComboBox;
class QLineEdit;
class QSpinBox;

namespace studio {

class FigureExportDialog final : public QDialog {
  Q_OBJECT

 public:
  explicit FigureExportDialog(const QString& folder, QWidget* parent = nullptr);

  QString folder() const;
  QStringList formats() const;  // "png", "svg", "pdf": those checked
  FigureStyle style() const;    // with the legend's place

 private:
  QLineEdit* folder_ = nullptr;
  QCheckBox* png_ = nullptr;
  QCheckBox* svg_ = nullptr;
  QCheckBox* pdf_ = nullptr;
  QSpinBox* width_ = nullptr;
  QSpinBox* height_ = nullptr;
  QSpinBox* dpi_ = nullptr;
  QSpinBox* font_ = nullptr;
  QComboBox* legend_ = nullptr;
};

}  // namespace studio
