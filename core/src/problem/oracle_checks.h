// The checks the image-problem oracles (ImageProblemOracle, ShardedOracle) make alike: of their
// data and of a request.
#pragma once

#include <Eigen/Core>
#include "bilevel/dataset.h"
#include "bilevel/oracle.h"
#include "bilevel/problem_data.h"
#include "bilevel/solver_report.h"
#include "bilevel/status.h"

namespace bilevel {

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
