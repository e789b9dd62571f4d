// Step-size and accuracy schedules of the upper-level methods (DESIGN.md section 4):
// constant a_k = a0, polynomial a_k = a0 (k+1)^(-p), logarithmic a_k = a0 / log(k+e)^p.
#pragma once

#include <optional>
#include <string_view>

#include "bilevel/status.h"

namespace bilevel {

enum class ScheduleKind { kConstant, kPolynomial, kLogarithmic };
const char* ToString(ScheduleKind kind);
std::optional<ScheduleKind> ScheduleKindFromString(std::string_view text);

struct Schedule {
  ScheduleKind kind = ScheduleKind::kConstant;
  double initial = 1e-3;  // a0 > 0
  double exponent = 0.5;  // p >= 0 (unused when constant)
  double value(long k) const;
  Status validate() const;
  bool operator==(const Schedule&) const = default;
};

// How the CG tolerance delta_k follows the lower-level accuracy eps_k.
enum class DeltaRule { kEqualEpsilon, kScaled, kFixed };
const char* ToString(DeltaRule rule);
std::optional<DeltaRule> DeltaRuleFromString(std::string_view text);

struct DeltaSetting {
  DeltaRule rule = DeltaRule::kEqualEpsilon;
  double value = 1.0;  // kScaled: delta = value * eps; kFixed: delta = value
  double delta(double epsilon) const;
  Status validate() const;
  bool operator==(const DeltaSetting&) const = default;
};

}  // namespace bilevel
