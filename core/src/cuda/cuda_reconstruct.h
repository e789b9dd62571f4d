// Reconstruct (bilevel/reconstruct.h) on the GPU: the Field of Experts lower-level problem of a
// batch solved by CudaSolver's FISTA, as SolveFista solves it on the CPU. Only built with the CUDA
// backend; this header needs no CUDA headers.
#pragma once

#include <string>

#include "bilevel/batch.h"
#include "bilevel/fista.h"
#include "bilevel/forward_operator.h"
#include "bilevel/regularizer.h"
#include "bilevel/regularizer_settings.h"
#include "bilevel/solver_report.h"
#include "bilevel/status.h"

namespace bilevel {

// settings and theta must have passed the CPU regularizer's checks. Solves from x = measured and
// downloads x; *backend becomes "GPU: <device name>". Fails with a message (no device, out of
// device memory, a regularizer the GPU engine lacks) and leaves *x alone.
Status CudaReconstruct(const RegularizerSettings& settings, const Vector<float>& theta,
                       const ForwardOperator<float>& op, const Batch<float>& measured,
                       const FistaOptions& fista, double mu0, Batch<float>* x,
                       SolveSummary* summary, std::string* backend);

}  // namespace bilevel
