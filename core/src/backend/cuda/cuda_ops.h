// The CUDA backend of the seam (backend/ops.h): the launches of backend/body_ops.h on a CUDA
// device, in its memory, on the default stream. Each operation makes the device current on the
// calling thread first, so that an object may be made on one thread and used on another. The
// first failure (out of device memory, a failed launch) is kept in error() and stops the
// operations that follow.
#pragma once

#include <memory>
#include <string>

#include "backend/ops.h"

namespace bilevel::backend {

// The operation table on CUDA device `device`, or null with the reason in *why.
template <typename T>
std::unique_ptr<Ops<T>> MakeCudaOps(int device, std::string* why);

}  // namespace bilevel::backend
