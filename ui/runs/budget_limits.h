// Which limit of a budget a run has reached, and a budget with that limit moved: what Continue
// Selected Run needs to ask for a larger budget instead of ending the run again at once.
#pragma once

#include <QString>
#include <optional>

#include "bilevel/run_record.h"
#include "bilevel/trainer_options.h"
#include "bilevel/x_axis.h"

namespace studio {

struct ReachedBudget {
  bilevel::XAxis axis = bilevel::XAxis::kComputations;
  double limit = 0.0;    // the budget's value
  double reached = 0.0;  // the run's value
  QString unit() const;  // "computations", "iterations", "epochs", "seconds"
};

// The first limit of budget (computations, iterations, epochs, wall time) that last has reached;
// nullopt when the run can go on under it.
std::optional<ReachedBudget> ReachedLimit(const bilevel::Budget& budget,
                                          const bilevel::IterationRecord& last);

// budget with its limit on axis set to value, and every other limit that last has reached lifted
// (0), so that the run goes on until value.
bilevel::Budget ExtendedBudget(bilevel::Budget budget, bilevel::XAxis axis, double value,
                               const bilevel::IterationRecord& last);

}  // namespace studio
