// One multi-channel correlation layer of a learned regularizer (DESIGN.md section 2, the convex
// ridge regularizer and the input-convex network):
//
//   (W u)_o(p) = sum_i sum_{u,v} w[o, i, u, v] u_i(p + (u, v) - k/2)
//
// under a boundary rule (bilevel/boundary.h), with its exact adjoint W^T and its weight gradient.
// Each call works on one image on the calling thread, so callers parallelise over images; the
// padded copies live in per-thread scratch. Weights are out x in x k x k, C order.
#pragma once

#include <vector>

#include "bilevel/boundary.h"

namespace bilevel {

template <typename T>
class ConvLayer {
 public:
  ConvLayer(int in_channels, int out_channels, int kernel_size, Boundary boundary);

  int inChannels() const { return in_; }
  int outChannels() const { return out_; }
  int kernelSize() const { return k_; }
  int weightCount() const { return out_ * in_ * k_ * k_; }
  const std::vector<T>& weights() const { return weights_; }
  void setWeights(const T* w);

  // out (out x h x w) = W in (in x h x w). With accumulate, adds to out instead.
  void forward(const T* in, int h, int w, T* out, bool accumulate = false) const;
  // out (in x h x w) = W^T a (a: out x h x w). With accumulate, adds to out instead.
  void adjoint(const T* a, int h, int w, T* out, bool accumulate = false) const;
  // grad[o, i, u, v] += sum_p a_o(p) (P u)_i(p + (u, v)): the gradient of <a, W u> with respect
  // to the weights (a: out x h x w, u: in x h x w, P the boundary rule's padding).
  void addWeightGradient(const T* a, const T* u, int h, int w, double* grad) const;

 private:
  int in_, out_, k_;
  Boundary boundary_;
  std::vector<T> weights_, flipped_;
};

}  // namespace bilevel
