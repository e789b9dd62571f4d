// Status, per-image reports and enum strings shared by the inner solvers.
#pragma once

#include <string>
#include <vector>

namespace bilevel {

enum class SolverStatus {
  kConverged,      // every image met its tolerance
  kMaxIterations,  // some image hit the iteration limit (its result is still usable)
  kNonFinite,      // a non-finite value appeared; results are not usable
  kInvalidInput,   // options or inputs were rejected before any work
  kCancelled,      // the caller's keep_going() returned false; results are not usable
};
const char* ToString(SolverStatus status);

// Per image: iterations spent (each one evaluation of the gradient, or of a Hessian-vector
// product for CG), power iterations for the Lipschitz estimate, and the final residual norm.
struct ImageSolveReport {
  int iterations = 0;
  int power_iterations = 0;
  double residual = 0.0;
  double lipschitz = 0.0;       // FISTA only: the L of the last step
  int lipschitz_increases = 0;  // FISTA only: times the secant test raised L
  // Met the tolerance, or (FISTA, with stalled) stopped where its residual could fall no further
  // at the arithmetic's precision (steps::FistaStalled); residual then exceeds the tolerance.
  bool converged = false;
  bool stalled = false;
};

struct SolveSummary {
  SolverStatus status = SolverStatus::kInvalidInput;
  std::string message;
  std::vector<ImageSolveReport> images;

  bool usable() const {
    return status == SolverStatus::kConverged || status == SolverStatus::kMaxIterations;
  }
  long totalIterations() const;
  long unconvergedImages() const;  // images that did not meet the tolerance
  long totalPowerIterations() const;
  std::string briefReport() const;
};

// "FISTA stopped at its iteration limit (max_iterations) on 2 of 8 images (3, 17): ||grad h|| up to
// 0.0021, tolerance 0.001"; empty when every image converged. Image k (labelled indices[k], or k
// when indices is shorter) ended at residuals[k] and met its tolerance when converged[k]. *missed
// (may be null) gets the count.
std::string UnconvergedText(const char* solver, const char* residual,
                            const std::vector<double>& residuals,
                            const std::vector<char>& converged, const std::vector<int>& indices,
                            double tolerance, long* missed = nullptr);
// The same for a solver's summary, images labelled by their position.
std::string UnconvergedText(const char* solver, const char* residual, const SolveSummary& summary,
                            double tolerance);

// "FISTA: 2 of 8 images stopped at the precision floor (||grad h|| up to 3.1e-03, tolerance
// 1.0e-03)", for a summary with stalled images.
std::string StallMessage(const SolveSummary& summary, double tolerance);

}  // namespace bilevel
