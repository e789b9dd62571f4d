#include "bilevel/cg.h"

#include "backend/kernels/solver_steps.h"

#include <cmath>

#include "base/batch_ops.h"

namespace bilevel {

Status CgOptions::validate() const {
  if (!(tolerance > 0.0) || !std::isfinite(tolerance))
    return Status::Error("CG: tolerance (delta) must be positive, got " +
                         std::to_string(tolerance));
  if (max_iterations < 1) return Status::Error("CG: max_iterations must be at least 1");
  return Status::Ok();
}

template <typename T>
SolveSummary SolveCg(const CgOptions& options, BatchLinearOperator<T>& h, const Batch<T>& b,
                     Batch<T>& q) {
  SolveSummary summary;
  if (Status s = options.validate(); !s.ok()) {
    summary.message = s.message();
    return summary;
  }
  if (q.shape() != b.shape()) {
    summary.message = "CG: starting point has shape " + q.shape().toString() +
                      ", the right-hand side has " + b.shape().toString();
    return summary;
  }
  const int n = b.n();
  summary.images.assign(n, {});
  const double tolerance = steps::ScaledTolerance(options.tolerance, double(b.imageSize()),
                                                  double(options.reference_size));
  const std::vector<int> all = AllImages(n);
  Batch<T> r = b, p(b.shape(), b.backend()), hp(b.shape(), b.backend());
  std::vector<double> rr(n), qnorm, one(n, 1.0), minus_one(n, -1.0), pHp, alpha(n), beta(n);

  // Initial residual r = b - H q, which costs a product only where the warm start is nonzero.
  // A non-finite warm start goes through the product too, so that it shows up in the residual.
  Norm(all, q, qnorm);
  std::vector<int> active;
  for (int i = 0; i < n; ++i)
    if (!(qnorm[i] == 0.0)) active.push_back(i);
  if (!active.empty()) {
    h.apply(active, q, hp);
    Axpby(active, minus_one, hp, one, r);
    for (int i : active)
      ++summary.images[i].iterations;
  }
  Copy(all, r, p);
  Dot(all, r, r, rr);

  bool non_finite = false, indefinite = false, hit_limit = false, cancelled = false;
  active = all;
  std::vector<int> next;
  for (;;) {
    next.clear();
    for (int i : active) {
      ImageSolveReport& rep = summary.images[i];
      rep.residual = std::sqrt(rr[i]);
      const steps::Verdict verdict =
          steps::CgVerdict(rr[i], tolerance, rep.iterations, options.max_iterations);
      if (verdict == steps::Verdict::kNonFinite) {
        non_finite = true;
      } else if (verdict == steps::Verdict::kConverged) {
        rep.converged = true;
      } else if (verdict == steps::Verdict::kLimit) {
        hit_limit = true;
      } else {
        next.push_back(i);
      }
    }
    active.swap(next);
    if (active.empty()) break;
    if (options.keep_going && !options.keep_going()) {
      cancelled = true;
      break;
    }

    h.apply(active, p, hp);
    Dot(active, p, hp, pHp);
    next.clear();
    for (int i : active) {
      ++summary.images[i].iterations;
      const steps::Verdict verdict = steps::CgStep(rr[i], pHp[i], &alpha[i]);
      if (verdict == steps::Verdict::kNonFinite)
        non_finite = true;
      else if (verdict == steps::Verdict::kIndefinite)
        indefinite = true;
      else
        next.push_back(i);
    }
    active.swap(next);
    std::vector<double> minus_alpha(n);
    for (int i : active)
      minus_alpha[i] = -alpha[i];
    Axpby(active, alpha, p, one, q);
    Axpby(active, minus_alpha, hp, one, r);
    std::vector<double> rr_new;
    Dot(active, r, r, rr_new);
    for (int i : active) {
      beta[i] = steps::CgBeta(rr_new[i], rr[i]);
      rr[i] = rr_new[i];
    }
    Axpby(active, one, r, beta, p);
  }

  if (cancelled) {
    summary.status = SolverStatus::kCancelled;
    summary.message = "CG: cancelled";
  } else if (non_finite || indefinite) {
    summary.status = SolverStatus::kNonFinite;
    summary.message = non_finite ? "CG: a non-finite value appeared"
                                 : "CG: the operator is not positive definite";
  } else if (hit_limit) {
    summary.status = SolverStatus::kMaxIterations;
    summary.message = "CG: some images reached max_iterations before the tolerance";
  } else {
    summary.status = SolverStatus::kConverged;
  }
  return summary;
}

template SolveSummary SolveCg<float>(const CgOptions&, BatchLinearOperator<float>&,
                                     const Batch<float>&, Batch<float>&);
template SolveSummary SolveCg<double>(const CgOptions&, BatchLinearOperator<double>&,
                                      const Batch<double>&, Batch<double>&);

}  // namespace bilevel
