// Where a run computes: the device asked for, whether the CPU may stand in for a missing GPU,
// and the CPU threads. Used by the backend selection (SelectBackend, ChooseDevice).
#pragma once

#include "bilevel/backend_info.h"
#include "bilevel/status.h"

namespace bilevel {

struct BackendOptions {
  DevicePreference device = DevicePreference::kAuto;
  // Run on the CPU when CUDA is asked for but missing, and go on there when the GPU fails mid-run.
  bool allow_cpu_fallback = true;
  int threads = 0;          // CPU threads; 0: all cores
  Status validate() const;  // names the field ("threads must be >= 0, got -1")
};

}  // namespace bilevel
