// The lower-level problems of a batch:
//
//   h_i(x) = 1/2 ||A x - y_i||^2 + R_theta(x) + mu0/2 ||x||^2
//
// with gradient, Hessian-vector products, a curvature majorant for FISTA's step, and the data the
// solvers need. It refers to (does not own) the operator, measurements and regularizer. It works
// on batches where the measurements live (bilevel/batch.h): on the host, image by image with the
// operator's own loops; in a backend's memory, with the batch operations and the operator there
// (linops/backend_forward.h). The regularizer evaluates in that memory too.
#pragma once

#include <memory>

#include "bilevel/batch.h"
#include "bilevel/forward_operator.h"
#include "bilevel/regularizer.h"
#include "bilevel/solver_interfaces.h"
#include "linops/backend_forward.h"

namespace bilevel {

template <typename T>
class LowerLevelProblem final : public BatchObjective<T> {
 public:
  // The regularizer's parameters must be set. Check shapes with CheckProblem first.
  LowerLevelProblem(const ForwardOperator<T>& op, const Batch<T>& measurements,
                    Regularizer<T>& regularizer, double mu0);

  Shape shape() const override { return y_.shape(); }
  void gradient(const std::vector<int>& active, const Batch<T>& x, Batch<T>& grad) override;
  BatchLinearOperator<T>& curvatureBound() override { return bound_; }
  double strongConvexity(int i) const override;

  // h_i(x_i) for every image.
  std::vector<double> value(const Batch<T>& x);
  // For a regularizer without a curvature bound, FISTA's Lipschitz estimate uses the Hessian at
  // its starting point x; call this before solving. Nothing to do otherwise.
  void prepareCurvature(const Batch<T>& x);
  // The Hessian A^T A + grad^2 R(x) + mu0 I at x (for CG).
  BatchLinearOperator<T>& hessianAt(const Batch<T>& x);

  Regularizer<T>& regularizer() { return reg_; }
  double mu0() const { return mu0_; }

 private:
  class Hessian final : public BatchLinearOperator<T> {
   public:
    Hessian(LowerLevelProblem& p, bool bound) : p_(p), bound_(bound) {}
    void apply(const std::vector<int>& active, const Batch<T>& v, Batch<T>& out) override;

   private:
    LowerLevelProblem& p_;
    bool bound_;
  };
  // out_i += A^T A v_i + mu0 v_i
  void addDataCurvature(const std::vector<int>& active, const Batch<T>& v, Batch<T>& out);
  // The same two terms on a backend's batches: grad_i += A^T (A x_i - y_i) + mu0 x_i, and
  // out_i += A^T A v_i + mu0 v_i (y null).
  void addDataTermOnBackend(const std::vector<int>& active, const Batch<T>& x, const Batch<T>* y,
                            Batch<T>& out);

  const ForwardOperator<T>& op_;
  const Batch<T>& y_;
  Regularizer<T>& reg_;
  double mu0_;
  Hessian hessian_;
  Hessian bound_;
  // On a backend: the operator there, and A x and A^T A x.
  std::unique_ptr<BackendForward<T>> forward_;
  Batch<T> forward_out_, back_;
};

}  // namespace bilevel
