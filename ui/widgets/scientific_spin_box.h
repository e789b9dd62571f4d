// A spin box for positive quantities spanning decades (step sizes, accuracies): shows and reads
// scientific notation ("1e-4", "0.05"), and its arrows multiply or divide by 10^(1/4).
#pragma once

#include <QDoubleSpinBox>

namespace studio {

class ScientificSpinBox final : public QDoubleSpinBox {
  Q_OBJECT

 public:
  explicit ScientificSpinBox(QWidget* parent = nullptr);

  QString textFromValue(double value) const override;
  double valueFromText(const QString& text) const override;
  QValidator::State validate(QString& text, int& pos) const override;
  void stepBy(int steps) override;
};

}  // namespace studio
