// The per-image results of one oracle call and their reduction to an OracleResult. One process
// (ImageProblemOracle) and a data-parallel run (ShardedOracle, which gathers them from every
// rank) reduce the same per-image values in the same order, the order of request.images, so both
// give the same numbers bit for bit.
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "bilevel/hypergradient.h"
#include "bilevel/oracle.h"

namespace bilevel {

struct ImageOutcomes {
  std::vector<double> loss;  // ||x_i - x*_i||^2 at the inexact solution
  std::vector<double> psnr;  // dB
  std::vector<long> lower_iterations, cg_iterations, power_iterations;
  // The residual each solve ended at (||grad h_i||, and CG's; 0 without CG) and whether it met
  // its tolerance (1) or stopped at its iteration limit (0).
  std::vector<double> lower_residual, cg_residual;
  std::vector<char> lower_converged, cg_converged;
  Eigen::MatrixXd gradients;  // d x n: z_i (no columns when the call had no gradient)

  int size() const { return int(loss.size()); }
  // Values per image on the wire: loss, psnr, the three counters, the two residuals and the two
  // convergence flags, then z_i when gradient.
  static constexpr int kScalars = 9;
  static int ValuesPerImage(int parameters, bool gradient) {
    return kScalars + (gradient ? parameters : 0);
  }
  // Image k's values, appended to out (ValuesPerImage of them).
  void pack(int k, bool gradient, std::vector<double>* out) const;
  // Appends one image from ValuesPerImage values.
  void unpackAppend(const double* values, int parameters, bool gradient);
};

// The solver fields of the outcomes (iterations, residuals, convergence; no loss or gradient)
// from the summaries of FISTA and, when there was one, CG.
ImageOutcomes SolveOutcomes(const SolveSummary& lower, const SolveSummary* linear);

// The outcomes of a usable hypergradient (gradient = true) or loss evaluation, image k of r being
// image k of the request.
ImageOutcomes OutcomesOf(const HypergradientResult<float>& r, bool gradient);

// The batch's loss, PSNR, ||grad g|| and hypergradient (MeanInOrder), the iteration counts and
// the solves that missed their tolerance (NoteUnconverged), with status kOk and
// warm_starts_changed set.
OracleResult ReduceOutcomes(const ImageOutcomes& images, const OracleRequest& request);

// Counts the solves of images (in the order of request.images) that stopped at their iteration
// limit into result->unconverged and describes them in result->message: which images, and the
// largest residual reached against the tolerance (eps, and delta for CG).
void NoteUnconverged(const ImageOutcomes& images, const OracleRequest& request,
                     OracleResult* result);

// How bad a failed call is, for combining the outcomes of several processes: an error (the
// problem could not be evaluated) before a cancellation before a non-finite value; 0 for kOk.
int Severity(OracleStatus status);

}  // namespace bilevel
