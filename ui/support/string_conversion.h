// Text between the engine (std::string, bilevel::Status) and Qt (QString).
#pragma once

#include <QLocale>
#include <QString>
#include <string>

#include "bilevel/status.h"
#include "bilevel/training_config.h"

namespace studio {

inline QString ToQString(const std::string& text) {
  return QString::fromStdString(text);
}
inline std::string ToStd(const QString& text) {
  return text.toStdString();
}
inline QString Message(const bilevel::Status& status) {
  return QString::fromStdString(status.message());
}
// A number in the shortest text that reads back to the same double ("0.001", "1e-05"): how
// knob values are sent to the engine.
inline QString NumberText(double value) {
  return QString::number(value, 'g', QLocale::FloatingPointShortest);
}

// How methods are named on screen: "ISGD", "Adam", "MAID", "IGD".
inline QString MethodLabel(bilevel::Method method) {
  switch (method) {
    case bilevel::Method::kIsgd:
      return QStringLiteral("ISGD");
    case bilevel::Method::kAdam:
      return QStringLiteral("Adam");
    case bilevel::Method::kMaid:
      return QStringLiteral("MAID");
    case bilevel::Method::kIgd:
      return QStringLiteral("IGD");
  }
  return {};
}

}  // namespace studio
