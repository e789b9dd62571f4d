#include "budget_limits.h"

#include <cmath>

namespace studio {
namespace {

using Kind = BudgetLimit::Kind;

constexpr Kind kKinds[] = {Kind::kComputations, Kind::kEpochs, Kind::kWallSeconds,
                           Kind::kIterations};

double Limit(const bilevel::Budget& b, Kind kind) {
  switch (kind) {
    case Kind::kComputations:
      return double(b.computations);
    case Kind::kEpochs:
      return b.epochs;
    case Kind::kWallSeconds:
      return b.wall_seconds;
    case Kind::kIterations:
      return double(b.iterations);
  }
  return 0.0;
}

double Reached(const bilevel::IterationRecord& r, Kind kind) {
  switch (kind) {
    case Kind::kComputations:
      return double(r.computations);
    case Kind::kEpochs:
      return r.epoch;
    case Kind::kWallSeconds:
      return r.wall_seconds;
    case Kind::kIterations:
      return double(r.iteration);
  }
  return 0.0;
}

void SetLimit(bilevel::Budget* b, Kind kind, double value) {
  switch (kind) {
    case Kind::kComputations:
      b->computations = long(std::ceil(value));
      break;
    case Kind::kEpochs:
      b->epochs = value;
      break;
    case Kind::kWallSeconds:
      b->wall_seconds = value;
      break;
    case Kind::kIterations:
      b->iterations = long(std::ceil(value));
      break;
  }
}

}  // namespace

QString BudgetLimit::unit() const {
  switch (kind) {
    case Kind::kComputations:
      return QStringLiteral("computations");
    case Kind::kEpochs:
      return QStringLiteral("epochs");
    case Kind::kWallSeconds:
      return QStringLiteral("seconds");
    case Kind::kIterations:
      return QStringLiteral("iterations");
  }
  return {};
}

std::optional<BudgetLimit> ReachedLimit(const bilevel::Budget& budget,
                                        const bilevel::IterationRecord& last) {
  for (Kind kind : kKinds) {
    const double limit = Limit(budget, kind);
    if (limit > 0.0 && Reached(last, kind) >= limit)
      return BudgetLimit{kind, limit, Reached(last, kind)};
  }
  return std::nullopt;
}

bilevel::Budget ExtendedBudget(bilevel::Budget budget, Kind kind, double value,
                               const bilevel::IterationRecord& last) {
  for (Kind other : kKinds) {
    const double limit = Limit(budget, other);
    if (other != kind && limit > 0.0 && Reached(last, other) >= limit) SetLimit(&budget, other, 0);
  }
  SetLimit(&budget, kind, value);
  return budget;
}

}  // namespace studio
