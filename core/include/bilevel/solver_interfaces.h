// What the inner solvers need from a problem: per-image linear operators and smooth objectives
// over batches. FISTA and CG are written once against these.
#pragma once

#include <vector>

#include "bilevel/batch.h"

namespace bilevel {

// A symmetric positive (semi-)definite linear operator acting on each image independently.
template <typename T>
class BatchLinearOperator {
 public:
  virtual ~BatchLinearOperator() = default;
  // out_i = H_i v_i for active i.
  virtual void apply(const std::vector<int>& active, const Batch<T>& v, Batch<T>& out) = 0;
};

// A batch of smooth, strongly convex functions h_i, one per image.
template <typename T>
class BatchObjective {
 public:
  virtual ~BatchObjective() = default;
  virtual Shape shape() const = 0;
  // grad_i = grad h_i(x_i) for active i.
  virtual void gradient(const std::vector<int>& active, const Batch<T>& x, Batch<T>& grad) = 0;
  // An operator M_i with grad^2 h_i(x) <= M_i for every x: power iterations on it give the
  // Lipschitz constant of grad h_i.
  virtual BatchLinearOperator<T>& curvatureBound() = 0;
  // A lower bound of the strong convexity modulus of h_i (0 if unknown).
  virtual double strongConvexity(int i) const = 0;
};

}  // namespace bilevel
