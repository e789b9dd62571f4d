#include "bilevel/fista.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "backend/kernels/solver_steps.h"
#include "base/batch_ops.h"

namespace bilevel {
namespace {

bool PositiveFinite(double v) {
  return v > 0.0 && std::isfinite(v);
}

}  // namespace

Status FistaOptions::validate() const {
  if (!PositiveFinite(tolerance))
    return Status::Error("FISTA: tolerance (eps) must be positive, got " +
                         std::to_string(tolerance));
  if (max_iterations < 1) return Status::Error("FISTA: max_iterations must be at least 1");
  if (power_iterations < 1) return Status::Error("FISTA: power_iterations must be at least 1");
  if (!(lipschitz_safety >= 1.0) || !std::isfinite(lipschitz_safety))
    return Status::Error("FISTA: lipschitz_safety must be at least 1");
  return Status::Ok();
}

template <typename T>
std::vector<double> PowerMethod(BatchLinearOperator<T>& op, const Shape& shape, int iterations,
                                unsigned seed, const std::function<bool()>& keep_going,
                                backend::Ops<T>* where) {
  // Every image starts from the same seeded vector, so that its estimate does not depend on its
  // position in the batch.
  Batch<T> start(shape);
  for (int i = 0; i < shape.n; ++i) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> normal;
    T* vi = start.image(i);
    for (std::size_t p = 0; p < start.imageSize(); ++p)
      vi[p] = T(normal(rng));
  }
  Batch<T> v = OnBackend(start, where), w(shape, where);
  const std::vector<int> all = AllImages(shape.n);
  std::vector<double> lambda(shape.n, 0.0), norms, dots;
  Norm(all, v, norms);
  std::vector<double> scale(shape.n), zero(shape.n, 0.0);
  for (int i = 0; i < shape.n; ++i)
    scale[i] = 1.0 / norms[i];
  Axpby(all, scale, v, zero, v);
  for (int it = 0; it < iterations; ++it) {
    if (keep_going && !keep_going()) return {};
    op.apply(all, v, w);
    Dot(all, v, w, dots);  // Rayleigh quotient of the unit vector v
    Norm(all, w, norms);
    for (int i = 0; i < shape.n; ++i) {
      lambda[i] = dots[i];
      scale[i] = norms[i] > 0.0 ? 1.0 / norms[i] : 0.0;
    }
    Axpby(all, scale, w, zero, v);
  }
  return lambda;
}

template <typename T>
SolveSummary SolveFista(const FistaOptions& options, BatchObjective<T>& problem, Batch<T>& x) {
  SolveSummary summary;
  if (Status s = options.validate(); !s.ok()) {
    summary.message = s.message();
    return summary;
  }
  constexpr double kPrecision = double(std::numeric_limits<T>::epsilon()) / 2.0;
  const Shape shape = problem.shape();
  if (x.shape() != shape) {
    summary.message = "FISTA: starting point has shape " + x.shape().toString() +
                      ", the problem has " + shape.toString();
    return summary;
  }
  const int n = shape.n;
  summary.images.assign(n, {});
  const double tolerance = steps::ScaledTolerance(options.tolerance, double(x.imageSize()),
                                                  double(options.reference_size));

  std::vector<double> L = PowerMethod(problem.curvatureBound(), shape, options.power_iterations,
                                      options.seed, options.keep_going, x.backend());
  if (n > 0 && L.empty()) {
    summary.status = SolverStatus::kCancelled;
    summary.message = "FISTA: cancelled";
    return summary;
  }
  std::vector<double> momentum(n, -1.0), t(n, 1.0), mu(n);
  for (int i = 0; i < n; ++i) {
    summary.images[i].power_iterations = options.power_iterations;
    L[i] *= options.lipschitz_safety;
    summary.images[i].lipschitz = L[i];
    mu[i] = problem.strongConvexity(i);
    momentum[i] = steps::StronglyConvexMomentum(options.strongly_convex_momentum, L[i], mu[i]);
  }

  // The previous extrapolated point and its gradient, for the secant test of L.
  Batch<T> y = x, grad(shape, x.backend()), y_prev(shape, x.backend()),
           grad_prev(shape, x.backend());
  std::vector<int> active;
  for (int i = 0; i < n; ++i) {
    if (PositiveFinite(L[i])) {
      active.push_back(i);
    } else {
      summary.images[i].residual = std::nan("");
    }
  }
  const bool bad_lipschitz = int(active.size()) != n;
  std::vector<double> norms, y_norms, best(n, std::numeric_limits<double>::infinity());
  std::vector<double> state_l, state_momentum, state_t, state_mu, state_y_norm;
  std::vector<int> state_secant, state_grown;
  std::vector<int> next, done, since(n, 0);
  bool non_finite = bad_lipschitz, hit_limit = false;
  int stalled = 0;

  bool cancelled = false;
  while (!active.empty()) {
    if (options.keep_going && !options.keep_going()) {
      cancelled = true;
      break;
    }
    problem.gradient(active, y, grad);
    Norm(active, grad, norms);
    Norm(active, y, y_norms);
    if (options.monitor) {
      double largest = 0.0;
      for (int i : active)
        largest = std::max(largest, norms[i]);
      options.monitor(largest);
    }
    next.clear();
    done.clear();
    for (int i : active) {
      ImageSolveReport& rep = summary.images[i];
      ++rep.iterations;
      rep.residual = norms[i];
      const bool stuck =
          steps::FistaStalled(norms[i], kPrecision, L[i], y_norms[i], &best[i], &since[i]);
      const steps::Verdict verdict =
          steps::FistaVerdict(norms[i], tolerance, rep.iterations, options.max_iterations, stuck);
      if (verdict == steps::Verdict::kNonFinite) {
        non_finite = true;
      } else if (verdict == steps::Verdict::kConverged || verdict == steps::Verdict::kStalled) {
        rep.converged = true;
        rep.stalled = verdict == steps::Verdict::kStalled;
        stalled += rep.stalled ? 1 : 0;
        done.push_back(i);
      } else if (verdict == steps::Verdict::kLimit) {
        hit_limit = true;
        done.push_back(i);
      } else {
        next.push_back(i);
      }
    }
    if (!done.empty()) Copy(done, y, x);  // an image stops at its extrapolated point
    active.swap(next);
    if (active.empty()) break;
    // The step of each image, its state by position: the secant test of L (a larger L restarts
    // the momentum), x_new = y - grad / L, the adaptive restart, the extrapolation.
    const std::size_t count = active.size();
    state_l.resize(count);
    state_momentum.resize(count);
    state_t.resize(count);
    state_mu.resize(count);
    state_y_norm.resize(count);
    state_secant.resize(count);
    state_grown.assign(count, 0);
    for (std::size_t k = 0; k < count; ++k) {
      const int i = active[k];
      state_l[k] = L[i];
      state_momentum[k] = momentum[i];
      state_t[k] = t[i];
      state_mu[k] = mu[i];
      state_y_norm[k] = y_norms[i];
      state_secant[k] = summary.images[i].iterations >= 2 ? 1 : 0;  // a previous point exists
    }
    backend::FistaState state;
    state.lipschitz = state_l.data();
    state.momentum = state_momentum.data();
    state.t = state_t.data();
    state.grown = state_grown.data();
    state.mu = state_mu.data();
    state.y_norm = state_y_norm.data();
    state.secant = state_secant.data();
    state.precision = kPrecision;
    state.safety = options.lipschitz_safety;
    state.strongly_convex_momentum = options.strongly_convex_momentum;
    state.adaptive_restart = options.adaptive_restart;
    FistaStep(active, state, x, y, grad, y_prev, grad_prev);
    for (std::size_t k = 0; k < count; ++k) {
      const int i = active[k];
      L[i] = state_l[k];
      momentum[i] = state_momentum[k];
      t[i] = state_t[k];
      if (state_grown[k]) {
        ++summary.images[i].lipschitz_increases;
        summary.images[i].lipschitz = L[i];
      }
    }
  }

  if (cancelled) {
    summary.status = SolverStatus::kCancelled;
    summary.message = "FISTA: cancelled";
  } else if (non_finite) {
    summary.status = SolverStatus::kNonFinite;
    summary.message = bad_lipschitz ? "FISTA: the Lipschitz estimate is not finite and positive"
                                    : "FISTA: the gradient became non-finite";
  } else if (hit_limit) {
    summary.status = SolverStatus::kMaxIterations;
    summary.message = "FISTA: some images reached max_iterations before the tolerance";
  } else {
    summary.status = SolverStatus::kConverged;
  }
  if (stalled > 0 && summary.message.empty()) summary.message = StallMessage(summary, tolerance);
  return summary;
}

template SolveSummary SolveFista<float>(const FistaOptions&, BatchObjective<float>&, Batch<float>&);
template SolveSummary SolveFista<double>(const FistaOptions&, BatchObjective<double>&,
                                         Batch<double>&);
template std::vector<double> PowerMethod<float>(BatchLinearOperator<float>&, const Shape&, int,
                                                unsigned, const std::function<bool()>&,
                                                backend::Ops<float>*);
template std::vector<double> PowerMethod<double>(BatchLinearOperator<double>&, const Shape&, int,
                                                 unsigned, const std::function<bool()>&,
                                                 backend::Ops<double>*);

}  // namespace bilevel
