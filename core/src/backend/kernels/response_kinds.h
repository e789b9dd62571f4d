// The kinds of pointwise map of filter responses (backend/ops.h ResponseMap, written out there),
// shared by the seam's description of a map and the kernel body that applies it.
#pragma once

namespace bilevel::kernels {

struct ResponseMapKinds {
  enum Kind {
    kFoeGradient,
    kFoeSecond,
    kFoeBound,
    kSplineValue,
    kSplineSlope,
    kMultiply,
    kChannelScale
  };
};

}  // namespace bilevel::kernels
