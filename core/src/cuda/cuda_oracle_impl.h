// The state of CudaFoeOracle (bilevel/cuda/cuda_oracle.h) shared by cuda_oracle.cpp (set-up,
// accessors, warm starts) and cuda_oracle_solves.cpp (evaluate, testPsnr, reconstruct).
#pragma once

#include "cuda/cuda_oracle.h"

#include "bilevel/regularizer_registry.h"
#include "problem/oracle_checks.h"
#include "problem/oracle_reduction.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <new>
#include <utility>

#include "bilevel/hypergradient.h"
#include "cuda/cuda_foe.h"
#include "cuda/cuda_solvers.h"
#include "device_array.h"

namespace bilevel {
namespace cuda_oracle_detail {

// Per image: whether all its values are finite.
inline std::vector<char> FiniteImages(const Batch<float>& b) {
  std::vector<char> out(b.n(), 1);
  for (int i = 0; i < b.n(); ++i) {
    const float* p = b.image(i);
    for (std::size_t k = 0; k < b.imageSize(); ++k)
      if (!std::isfinite(p[k])) {
        out[i] = 0;
        break;
      }
  }
  return out;
}

inline bool AllOf(const std::vector<char>& flags, const std::vector<int>& images) {
  for (int i : images)
    if (!flags[std::size_t(i)]) return false;
  return true;
}

inline double PsnrOf(double squared_error, std::size_t size) {
  const double mse = squared_error / double(size);
  if (mse <= 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(1.0 / mse);
}

inline Status Upload(CudaFoe& foe, const Batch<float>& src, DeviceBatch& dst) {
  return foe.upload(src, dst);
}

}  // namespace cuda_oracle_detail

using namespace cuda_oracle_detail;

struct CudaFoeOracle::Impl {
  ImageProblemOptions options;
  Dataset dataset;
  ProblemData problem;
  FieldOfExperts<float> reg;         // host: parameter checks, initial parameters
  FieldOfExperts<double> projector;  // host: the projection, in the parameters' precision
  std::unique_ptr<CudaFoe> foe;
  std::unique_ptr<CudaSolver> solver;
  // Operators of the whole sets (all masks) and of a batch (gathered masks).
  std::unique_ptr<CudaDataOperator> train_op, test_op, train_batch_op, test_batch_op;
  DeviceBatch train_clean, train_measured, x_warm, q_warm;
  DeviceBatch test_clean, test_measured, test_warm;
  DeviceBatch clean, measured, x, q, rhs;  // the current batch
  // Per image: whether its values are finite (CheckProblem's tests, without a pass over the data;
  // the warm starts may come from a checkpoint).
  std::vector<char> train_clean_finite, train_measured_finite, test_clean_finite,
      test_measured_finite;
  std::vector<char> x_finite, q_finite, test_warm_finite;
  long test_unconverged = 0;  // of the last testPsnr()

  Impl(const ImageProblemOptions& o, const RegularizerSettings& regularizer)
      : options(o),
        reg(FoeConfigFrom(regularizer), FoeInitFrom(regularizer)),
        projector(FoeConfigFrom(regularizer), FoeInitFrom(regularizer)) {}

  cudaStream_t stream() const { return static_cast<cudaStream_t>(foe->stream()); }

  // Gathers a batch of the training (test = false) or test set: clean, measured, masks, and the
  // warm starts (x, and q when asked) unless from_measurements (then x = measured).
  Status gatherBatch(bool test, const std::vector<int>& images, bool with_q,
                     bool from_measurements) {
    CudaDataOperator& op = test ? *test_batch_op : *train_batch_op;
    const CudaDataOperator& full = test ? *test_op : *train_op;
    BILEVEL_STATUS_CHECK(solver->gather(test ? test_clean : train_clean, images, clean));
    BILEVEL_STATUS_CHECK(solver->gather(test ? test_measured : train_measured, images, measured));
    BILEVEL_STATUS_CHECK(solver->gather(
        from_measurements ? (test ? test_measured : train_measured) : (test ? test_warm : x_warm),
        images, x));
    if (with_q) BILEVEL_STATUS_CHECK(solver->gather(q_warm, images, q));
    if (op.kind() == OperatorKind::kInpainting)
      BILEVEL_STATUS_CHECK(solver->gather(full.masks(), images, op.masks()));
    return Status::Ok();
  }

  CudaProblem batchProblem(bool test) {
    CudaProblem p;
    p.foe = foe.get();
    p.op = test ? test_batch_op.get() : train_batch_op.get();
    p.measured = &measured;
    p.mu0 = options.mu0;
    return p;
  }
};

}  // namespace bilevel
