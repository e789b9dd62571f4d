#include "budget_limits.h"

namespace studio {

QString ReachedBudget::unit() const {
  return QString::fromLatin1(bilevel::ToString(axis));
}

std::optional<ReachedBudget> ReachedLimit(const bilevel::Budget& budget,
                                          const bilevel::IterationRecord& last) {
  for (bilevel::XAxis axis : bilevel::kAllXAxes) {
    const double limit = bilevel::BudgetLimit(budget, axis);
    if (limit > 0.0 && bilevel::XValue(last, axis) >= limit)
      return ReachedBudget{axis, limit, bilevel::XValue(last, axis)};
  }
  return std::nullopt;
}

bilevel::Budget ExtendedBudget(bilevel::Budget budget, bilevel::XAxis axis, double value,
                               const bilevel::IterationRecord& last) {
  for (bilevel::XAxis other : bilevel::kAllXAxes) {
    const double limit = bilevel::BudgetLimit(budget, other);
    if (other != axis && limit > 0.0 && bilevel::XValue(last, other) >= limit)
      bilevel::SetBudgetLimit(&budget, other, 0.0);
  }
  bilevel::SetBudgetLimit(&budget, axis, value);
  return budget;
}

}  // namespace studio
