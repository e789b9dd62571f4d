// What an image-problem oracle (ImageProblemOracle on the CPU, CudaFoeOracle on the GPU) takes
// from the experiment: the inner solvers' limits and the lower level's mu0, and the checks of a
// request that both oracles make alike.
#pragma once

#include <Eigen/Core>
#include <functional>

#include "bilevel/hypergradient.h"
#include "bilevel/oracle.h"
#include "bilevel/problem_data.h"
#include "bilevel/status.h"
#include "bilevel/training_config.h"

namespace bilevel {

struct ImageProblemOptions {
  int lower_max_iterations = 2000;  // FISTA, per image and solve
  int cg_max_iterations = 1000;     // CG, per image and solve
  int power_iterations = 15;        // FISTA's Lipschitz estimate
  double mu0 = 0.0;                 // mu0/2 ||x||^2 in the lower level

  // The fields of a run's configuration (lower_max_iterations, cg_max_iterations,
  // power_iterations, problem.mu0).
  static ImageProblemOptions From(const TrainingConfig& config);
  Status validate() const;
  // The inner solvers' options at accuracies (eps, delta), cancelled through keep_going.
  HypergradientOptions solvers(double epsilon, double delta,
                               const std::function<bool()>& keep_going) const;
};

// A non-empty training set with its measurements and operator, and the same for the test set
// when it has images.
Status CheckProblemData(const Dataset& dataset, const ProblemData& problem);

// The oracle's status for a solver's: usable results (converged or at the iteration limit) are ok.
OracleStatus ToOracleStatus(SolverStatus status);

// Checks a request's image indices and the parameters' finiteness; on failure fills *result
// (status and message) and returns false.
bool CheckOracleRequest(const OracleRequest& request, int training_size,
                        const Eigen::VectorXd& theta, OracleResult* result);

}  // namespace bilevel
