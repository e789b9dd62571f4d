// The engine on a backend against the CPU, for the start-up self-check that decides whether
// "auto" takes the GPU: every registered type written over the seam, at a small size, its
// gradient, Hessian-vector product, curvature bound and mixed derivative on two images, and a
// FISTA solve of their denoising problem, in float. It follows the raw operations' check of the
// CUDA backend (RunCudaSelfCheck), through the code a run takes.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "backend/ops.h"
#include "bilevel/backend_info.h"

namespace bilevel {

// Empty when the engine on backends made by `make` agrees with the CPU; else what differs.
std::string CheckEngine(const std::function<std::unique_ptr<backend::Ops<float>>()>& make);

// ChooseDevice with the self-check of "auto" extended by CheckEngine on the device.
Status ChooseEngineDevice(DevicePreference preference, bool allow_cpu_fallback,
                          DeviceChoice* choice, int local_rank = 0);

}  // namespace bilevel
