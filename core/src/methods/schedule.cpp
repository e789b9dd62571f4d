#include "bilevel/schedule.h"

#include <cmath>
#include <numbers>
#include <string>

namespace bilevel {

const char* ToString(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::kConstant:
      return "constant";
    case ScheduleKind::kPolynomial:
      return "polynomial";
    case ScheduleKind::kLogarithmic:
      return "logarithmic";
  }
  return "unknown";
}

std::optional<ScheduleKind> ScheduleKindFromString(std::string_view text) {
  if (text == "constant" || text == "fixed") return ScheduleKind::kConstant;
  if (text == "polynomial" || text == "poly") return ScheduleKind::kPolynomial;
  if (text == "logarithmic" || text == "log") return ScheduleKind::kLogarithmic;
  return std::nullopt;
}

double Schedule::value(long k) const {
  const double kk = double(k < 0 ? 0 : k);
  switch (kind) {
    case ScheduleKind::kConstant:
      return initial;
    case ScheduleKind::kPolynomial:
      return initial * std::pow(kk + 1.0, -exponent);
    case ScheduleKind::kLogarithmic:
      return initial / std::pow(std::log(kk + std::numbers::e), exponent);
  }
  return initial;
}

Status Schedule::validate() const {
  if (!(initial > 0.0) || !std::isfinite(initial))
    return Status::Error("initial must be positive and finite, got " + std::to_string(initial));
  if (!(exponent >= 0.0) || !std::isfinite(exponent))
    return Status::Error("exponent must be finite and >= 0, got " + std::to_string(exponent));
  return Status::Ok();
}

const char* ToString(DeltaRule rule) {
  switch (rule) {
    case DeltaRule::kEqualEpsilon:
      return "epsilon";
    case DeltaRule::kScaled:
      return "scaled";
    case DeltaRule::kFixed:
      return "fixed";
  }
  return "unknown";
}

std::optional<DeltaRule> DeltaRuleFromString(std::string_view text) {
  if (text == "epsilon" || text == "equal") return DeltaRule::kEqualEpsilon;
  if (text == "scaled") return DeltaRule::kScaled;
  if (text == "fixed" || text == "constant") return DeltaRule::kFixed;
  return std::nullopt;
}

double DeltaSetting::delta(double epsilon) const {
  switch (rule) {
    case DeltaRule::kEqualEpsilon:
      return epsilon;
    case DeltaRule::kScaled:
      return value * epsilon;
    case DeltaRule::kFixed:
      return value;
  }
  return epsilon;
}

Status DeltaSetting::validate() const {
  if (rule != DeltaRule::kEqualEpsilon && (!(value > 0.0) || !std::isfinite(value)))
    return Status::Error("value must be positive and finite, got " + std::to_string(value));
  return Status::Ok();
}

}  // namespace bilevel
