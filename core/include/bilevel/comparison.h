// ISGD against MAID: the one rule that pairs the two runs of a comparison, for the desktop
// application (Run > ISGD vs MAID) and bilevel-cli compare alike.
#pragma once

#include "bilevel/training_config.h"

namespace bilevel {

struct ComparisonPair {
  TrainingConfig first;   // the configuration's method (ISGD or Adam; MAID becomes ISGD)
  TrainingConfig second;  // MAID on the same data, problem, regularizer and seed
  // When the configuration gives no budget in computations, MAID gets the cost the first run
  // actually used (its computations), whatever else bounded the first run; otherwise both runs
  // share the configuration's budget.
  bool second_budget_from_first = false;
};

ComparisonPair PairWithMaid(const TrainingConfig& config);

// The MAID run's budget once the first run has finished after `first_computations`.
Budget SecondRunBudget(const ComparisonPair& pair, long first_computations);

}  // namespace bilevel
