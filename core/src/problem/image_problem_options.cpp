#include "bilevel/image_problem_options.h"

#include <cmath>

#include "base/field_error.h"

namespace bilevel {

Status ImageProblemOptions::validate() const {
  if (lower_max_iterations < 1)
    return FieldError("", "lower_max_iterations", "must be at least 1", lower_max_iterations);
  if (cg_max_iterations < 1)
    return FieldError("", "cg_max_iterations", "must be at least 1", cg_max_iterations);
  if (power_iterations < 1)
    return FieldError("", "power_iterations", "must be at least 1", power_iterations);
  if (!(mu0 >= 0.0) || !std::isfinite(mu0))
    return FieldError("", "problem.mu0", "must be finite and >= 0", mu0);
  return Status::Ok();
}

HypergradientOptions ImageProblemOptions::solvers(double epsilon, double delta,
                                                  const std::function<bool()>& keep_going) const {
  HypergradientOptions options;
  options.lower.tolerance = epsilon;
  options.lower.max_iterations = lower_max_iterations;
  options.lower.power_iterations = power_iterations;
  options.lower.keep_going = keep_going;
  options.linear.tolerance = delta;
  options.linear.max_iterations = cg_max_iterations;
  options.linear.keep_going = keep_going;
  options.mu0 = mu0;
  return options;
}

}  // namespace bilevel
