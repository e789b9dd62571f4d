#include "scientific_spin_box.h"

#include <QLocale>
#include <cmath>

namespace studio {

ScientificSpinBox::ScientificSpinBox(QWidget* parent) : QDoubleSpinBox(parent) {
  setDecimals(300);  // no rounding of small values
  setRange(1e-12, 1e6);
  setKeyboardTracking(false);
  setCorrectionMode(QAbstractSpinBox::CorrectToPreviousValue);
}

QString ScientificSpinBox::textFromValue(double value) const {
  return QString::number(value, 'g', 6);
}

double ScientificSpinBox::valueFromText(const QString& text) const {
  return QLocale::c().toDouble(text.trimmed());
}

QValidator::State ScientificSpinBox::validate(QString& text, int&) const {
  const QString t = text.trimmed();
  if (t.isEmpty()) return QValidator::Intermediate;
  bool ok = false;
  const double v = QLocale::c().toDouble(t, &ok);
  if (ok && v >= minimum() && v <= maximum()) return QValidator::Acceptable;
  static const QString allowed = QStringLiteral("0123456789.eE+-");
  for (QChar c : t)
    if (!allowed.contains(c)) return QValidator::Invalid;
  return QValidator::Intermediate;
}

void ScientificSpinBox::stepBy(int steps) {
  setValue(value() * std::pow(10.0, 0.25 * steps));
}

}  // namespace studio
