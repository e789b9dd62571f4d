// The per-image decisions of FISTA and CG (fista.cpp, cg.cpp), taken on the host between the
// batch operations whatever backend the batches live on. Plain inline functions of doubles,
// callable on the host and the device; the CPU tests cover them through the solvers.
#pragma once

#include "backend/host_device.h"

namespace bilevel::steps {

// Why an image stops; kContinue: it does not.
enum class Verdict : int {
  kContinue = 0,
  kConverged = 1,
  kLimit = 2,
  kNonFinite = 3,
  kIndefinite = 4,
  kStalled = 5
};

using hd::Finite;
using hd::Sqrt;

// The stopping rule's tolerance for images of `size` values when it is stated for images of
// `reference` values: tolerance * sqrt(size / reference), so that the root mean square of the
// residual per value is held to the same bound at any size; the tolerance itself when reference
// is 0 (an absolute norm). Every image of a batch has the same size.
BILEVEL_HD inline double ScaledTolerance(double tolerance, double size, double reference) {
  return reference > 0.0 && size > 0.0 ? tolerance * Sqrt(size / reference) : tolerance;
}

// The stall test of FISTA at the arithmetic's precision floor. An image has stalled when its best
// residual has not fallen by a fraction kStallProgress for kStallWindow iterations while the
// residual is below kStallFloor rounding errors of the gradient (precision * L * ||y||, the size
// of the rounding in A^T A y + grad R(y)): more iterations cannot reach the tolerance. best and
// since are the image's state (its best residual so far, iterations since it last fell enough),
// updated here; best starts at +infinity and since at 0.
constexpr int kStallWindow = 100;
constexpr double kStallProgress = 0.01;
constexpr double kStallFloor = 64.0;

BILEVEL_HD inline bool FistaStalled(double norm, double precision, double lipschitz, double y_norm,
                                    double* best, int* since) {
  if (norm < (1.0 - kStallProgress) * *best) {
    *best = norm;
    *since = 0;
    return false;
  }
  ++*since;
  return *since >= kStallWindow && norm <= kStallFloor * precision * lipschitz * y_norm;
}

// FISTA, after the gradient at y: `norm` is its norm, `iterations` counts this iteration,
// `stalled` the stall test's answer.
BILEVEL_HD inline Verdict FistaVerdict(double norm, double tolerance, int iterations,
                                       int max_iterations, bool stalled) {
  if (!Finite(norm)) return Verdict::kNonFinite;
  if (norm <= tolerance) return Verdict::kConverged;
  if (stalled) return Verdict::kStalled;
  if (iterations >= max_iterations) return Verdict::kLimit;
  return Verdict::kContinue;
}

// The safeguard of FISTA's step 1/L (DESIGN.md section 3): L must bound the curvature along the
// path the iterates take. After the gradient g_k at y_k, with dg = ||g_k - g_{k-1}||,
// dy = ||y_k - y_{k-1}|| and y_norm = ||y_k||, the secant dg / dy is a lower bound of the
// gradient's Lipschitz constant between the two points; when it exceeds L, the step is too long
// (a power estimate that was low, or a regularizer without a curvature bound whose curvature grew
// away from the starting point). The returned L is then at least kLipschitzGrowth L and at least
// `safety` times the secant, and the caller restarts the momentum; otherwise L is returned as it
// is. The test is skipped while dy is within kSecantFloor rounding errors of y (precision is the
// unit roundoff of the iterates' type), where the secant measures rounding, not curvature.
constexpr double kLipschitzGrowth = 1.5;
constexpr double kSecantFloor = 1024.0;

BILEVEL_HD inline double FistaSafeLipschitz(double dg, double dy, double y_norm, double precision,
                                            double lipschitz, double safety) {
  if (!(dy > kSecantFloor * precision * y_norm) || !Finite(dg)) return lipschitz;
  if (!(dg > lipschitz * dy)) return lipschitz;
  const double secant = safety * dg / dy, grown = kLipschitzGrowth * lipschitz;
  return secant > grown ? secant : grown;
}

// The fixed momentum (sqrt(L) - sqrt(mu)) / (sqrt(L) + sqrt(mu)) of FISTA for a curvature in
// [mu, L], or -1 (the t-sequence) when it is not enabled or mu is not in (0, L).
BILEVEL_HD inline double StronglyConvexMomentum(bool enabled, double lipschitz, double mu) {
  if (!(enabled && mu > 0.0 && mu < lipschitz)) return -1.0;
  return (Sqrt(lipschitz) - Sqrt(mu)) / (Sqrt(lipschitz) + Sqrt(mu));
}

// The extrapolation weight of the next FISTA step: 0 after an adaptive restart (which resets
// t to 1), the fixed momentum when there is one (>= 0), else (t - 1) / t_next of the t-sequence,
// advancing *t to t_next = (1 + sqrt(1 + 4 t^2)) / 2.
BILEVEL_HD inline double FistaExtrapolation(bool restart, double momentum, double* t) {
  if (restart) {
    *t = 1.0;
    return 0.0;
  }
  if (momentum >= 0.0) return momentum;
  const double t_next = 0.5 * (1.0 + Sqrt(1.0 + 4.0 * *t * *t));
  const double beta = (*t - 1.0) / t_next;
  *t = t_next;
  return beta;
}

// CG at the head of an iteration: rr = ||r||^2 (the residual is sqrt(rr)), `iterations` done.
BILEVEL_HD inline Verdict CgVerdict(double rr, double tolerance, int iterations,
                                    int max_iterations) {
  if (!Finite(rr)) return Verdict::kNonFinite;
  if (Sqrt(rr) <= tolerance) return Verdict::kConverged;
  if (iterations >= max_iterations) return Verdict::kLimit;
  return Verdict::kContinue;
}

// CG's step length along p, alpha = rr / p^T H p, or why there is none.
BILEVEL_HD inline Verdict CgStep(double rr, double p_hp, double* alpha) {
  if (!Finite(p_hp)) return Verdict::kNonFinite;
  if (p_hp <= 0.0) return Verdict::kIndefinite;
  *alpha = rr / p_hp;
  return Verdict::kContinue;
}

// CG's next direction weight, beta = rr_new / rr.
BILEVEL_HD inline double CgBeta(double rr_new, double rr) {
  return rr_new / rr;
}

}  // namespace bilevel::steps
