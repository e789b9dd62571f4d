// Private to core: a CRR-NN of the reference implementation, as its checkpoint stores it
// (io/crrnn_import.cpp reads it), made into this tool's convex_ridge regularizer
// (bilevel/crrnn_import.h says what the conversion applies).
#pragma once

#include <vector>

#include "bilevel/crrnn_import.h"
#include "bilevel/status.h"

namespace bilevel {

struct CrrnnModel {
  std::vector<int> channels;  // input, then each layer's output
  int kernel_size = 0;
  int knots = 0;
  double range = 0.0;
  std::vector<std::vector<double>> layers;  // layer l: (channels[l+1], channels[l], k, k), stored
  std::vector<double> coefficients;         // (channels.back(), knots), stored (not projected)
  double lambda = 0.0, mu = 0.0, validation_psnr = 0.0;
};

// Fills *out (settings, theta, and the counts) from the model; prune as CrrnnImportOptions.
Status ConvexRidgeFromCrrnn(const CrrnnModel& model, bool prune, double prune_tolerance,
                            CrrnnImport* out);

}  // namespace bilevel
