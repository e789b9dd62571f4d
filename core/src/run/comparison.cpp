#include "bilevel/comparison.h"

namespace bilevel {

ComparisonPair PairWithMaid(const TrainingConfig& config) {
  ComparisonPair pair;
  pair.first = config;
  if (pair.first.trainer.method == Method::kMaid) pair.first.trainer.method = Method::kIsgd;
  pair.second = pair.first;
  pair.second.trainer.method = Method::kMaid;
  pair.second.name = pair.first.name + "-maid";
  pair.second_budget_from_first = config.trainer.budget.computations == 0;
  return pair;
}

Budget SecondRunBudget(const ComparisonPair& pair, long first_computations) {
  if (!pair.second_budget_from_first || first_computations <= 0) return pair.second.trainer.budget;
  Budget budget;
  budget.computations = first_computations;
  return budget;
}

}  // namespace bilevel
