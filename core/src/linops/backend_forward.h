// A forward operator (bilevel/forward_operator.h) on batches in a backend's memory
// (backend/ops.h): the identity, the Gaussian blur as a correlation of each channel plane under
// the operator's boundary rule (the planes as one-channel images of the seam), and inpainting as
// a product with its masks, copied there once.
#pragma once

#include <vector>

#include "backend/ops.h"
#include "bilevel/batch.h"
#include "bilevel/forward_operator.h"

namespace bilevel {

template <typename T>
class BackendForward {
 public:
  // The operator's data copied into the memory of `ops`; both must outlive this object.
  BackendForward(const ForwardOperator<T>& op, backend::Ops<T>& ops);

  OperatorKind kind() const { return op_.kind(); }
  // out_i = A in_i, or A^T in_i with adjoint, for the active images; in and out live in the
  // backend's memory and do not alias.
  void apply(const std::vector<int>& active, const Batch<T>& in, Batch<T>& out, bool adjoint);

 private:
  const ForwardOperator<T>& op_;
  backend::Ops<T>& ops_;
  backend::ConvGeometry blur_;
  backend::Array<T> kernel_;
  Batch<T> masks_;
  std::vector<int> planes_;
};

}  // namespace bilevel
