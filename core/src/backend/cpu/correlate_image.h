// One image's correlation under a boundary rule and its exact adjoint, on the calling thread with
// per-thread scratch: the CPU's per-image path, for callers that spread images over threads
// (CpuOps' chains, the input-convex network's layers). With bands > 1 the correlation's rows are
// spread over the thread pool in that many bands instead, for callers with fewer images than
// threads (never from inside a pool task); the values are the same.
#pragma once

#include "bilevel/boundary.h"

namespace bilevel {

struct ImageCorrelation {
  int in_channels = 0, out_channels = 0;
  int k = 0;
  int h = 0, w = 0;
  Boundary boundary = Boundary::kReflect101;
};

// out (out x h x w) = K in (in x h x w); with accumulate, added to out.
template <typename T>
void CorrelateImage(const ImageCorrelation& g, const T* in, const T* weights, T* out,
                    bool accumulate = false, int bands = 1);
// out (in x h x w) = K^T a (a: out x h x w), with `flipped` = FlipTranspose of the weights; with
// accumulate, added to out.
template <typename T>
void CorrelateAdjointImage(const ImageCorrelation& g, const T* a, const T* flipped, T* out,
                           bool accumulate = false, int bands = 1);

}  // namespace bilevel
