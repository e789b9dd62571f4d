// Short descriptions of a run's experiment, for run names and the run list's columns:
// "denoise σ 25", "deblur 7×7 σ_b 2", "inpaint 50 %"; "built-in" or the data folder's name;
// the regularizer type's label; the symbols of the live knobs ("α₀" for step.initial).
#pragma once

#include <QDir>
#include <QString>
#include <map>
#include <string>

#include "bilevel/regularizer_registry.h"
#include "bilevel/training_config.h"

namespace studio {

inline QString ProblemLabel(const bilevel::ProblemOptions& p) {
  switch (p.kind) {
    case bilevel::OperatorKind::kIdentity:
      return QStringLiteral("denoise σ %1").arg(p.noise_sigma, 0, 'g', 3);
    case bilevel::OperatorKind::kGaussianBlur:
      return QStringLiteral("deblur %1×%1 σ_b %2").arg(p.blur.size).arg(p.blur.sigma, 0, 'g', 3);
    case bilevel::OperatorKind::kInpainting:
      return QStringLiteral("inpaint %1 %").arg(100.0 * p.keep_fraction, 0, 'g', 3);
  }
  return {};
}

inline QString DataLabel(const bilevel::DatasetOptions& d) {
  const QString colour =
      d.color == bilevel::ColorMode::kGrey ? QStringLiteral(" (grey)") : QString();
  if (d.folder.empty()) return QStringLiteral("built-in") + colour;
  return QDir(QString::fromStdString(d.folder)).dirName() + colour;
}

inline QString RegularizerLabel(const bilevel::RegularizerSettings& r) {
  const bilevel::RegularizerType* type = bilevel::FindRegularizerType(r.type);
  return type ? QString::fromStdString(type->label) : QString::fromStdString(r.type);
}

// A live knob's symbol on the plots and in the events ("α₀"); other fields as they are named.
inline QString KnobSymbol(const std::string& field) {
  static const std::map<std::string, QString> names = {
      {"step.initial", QStringLiteral("α₀")},     {"step.exponent", QStringLiteral("q")},
      {"step.kind", QStringLiteral("α")},         {"accuracy.initial", QStringLiteral("ε₀")},
      {"accuracy.exponent", QStringLiteral("p")}, {"accuracy.kind", QStringLiteral("ε")},
      {"delta.rule", QStringLiteral("δ rule")},   {"delta.value", QStringLiteral("δ value")},
      {"batch_size", QStringLiteral("batch")}};
  const auto it = names.find(field);
  return it == names.end() ? QString::fromStdString(field) : it->second;
}

}  // namespace studio
