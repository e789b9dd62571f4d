// What the image-problem oracle (ImageProblemOracle, on the CPU or a GPU) takes
// beside its data and regularizer: the lower level's mu0 and the inner solvers' limits.
#pragma once

#include <functional>

#include "bilevel/hypergradient.h"
#include "bilevel/status.h"

namespace bilevel {

struct ImageProblemOptions {
  int lower_max_iterations = 2000;  // FISTA, per image and solve
  int cg_max_iterations = 1000;     // CG, per image and solve
  int power_iterations = 15;        // FISTA's Lipschitz estimate
  double mu0 = 0.0;                 // mu0/2 ||x||^2 in the lower level (problem.mu0)

  // Names the field by its path in config.json ("cg_max_iterations must be at least 1, got 0").
  Status validate() const;
  // The inner solvers' options at accuracies (eps, delta), cancelled through keep_going.
  HypergradientOptions solvers(double epsilon, double delta,
                               const std::function<bool()>& keep_going) const;
};

}  // namespace bilevel
