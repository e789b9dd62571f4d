// Pieces shared by the CPU and GPU image oracles (FoeOracle, CudaFoeOracle).
#pragma once

#include <Eigen/Core>
#include <functional>

#include "bilevel/hypergradient.h"
#include "bilevel/oracle.h"
#include "bilevel/training_config.h"

namespace bilevel {

// The inner solvers' options of a run at accuracies (eps, delta), cancelled through keep_going.
HypergradientOptions OracleSolverOptions(const TrainingConfig& config, double epsilon, double delta,
                                         const std::function<bool()>& keep_going);

// Checks a request's image indices and the parameters' finiteness; on failure fills *result
// (status and message) and returns false.
bool CheckOracleRequest(const OracleRequest& request, int training_size,
                        const Eigen::VectorXd& theta, OracleResult* result);

}  // namespace bilevel
