// Short descriptions of a run's experiment, for run names and the run list's columns:
// "denoise σ 25", "deblur 7×7 σ_b 2", "inpaint 50 %"; "built-in" or the data folder's name;
// the regularizer type's label.
#pragma once

#include <QDir>
#include <QString>

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

}  // namespace studio
