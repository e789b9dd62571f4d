#include "cuda/cuda_reconstruct.h"

#include "bilevel/backend_info.h"
#include "cuda/cuda_foe.h"
#include "cuda/cuda_solvers.h"
#include "device_array.h"

namespace bilevel {

Status CudaReconstruct(const RegularizerSettings& settings, const Vector<float>& theta,
                       const ForwardOperator<float>& op, const Batch<float>& measured,
                       const FistaOptions& fista, double mu0, Batch<float>* x,
                       SolveSummary* summary, std::string* backend) {
  if (!CudaSupportsRegularizer(settings.type))
    return Status::Error("the GPU engine has no \"" + settings.type + "\" regularizer");
  Status status;
  std::unique_ptr<CudaFoe> foe =
      CudaFoe::Create(FoeConfigFrom(settings), measured.shape(), &status);
  if (!foe) return status;
  std::unique_ptr<CudaSolver> solver = CudaSolver::Create(*foe, &status);
  if (!solver) return status;
  std::unique_ptr<CudaDataOperator> device_op;
  BILEVEL_STATUS_CHECK(CudaDataOperator::Create(op, foe->stream(), &device_op));
  BILEVEL_STATUS_CHECK(foe->setParameters(theta));
  DeviceBatch y, x_device;
  BILEVEL_STATUS_CHECK(foe->upload(measured, y));
  BILEVEL_STATUS_CHECK(foe->upload(measured, x_device));
  CudaProblem problem;
  problem.foe = foe.get();
  problem.op = device_op.get();
  problem.measured = &y;
  problem.mu0 = mu0;
  *summary = solver->fista(fista, problem, x_device);
  if (summary->status == SolverStatus::kInvalidInput) return Status::Error(summary->message);
  Batch<float> result;
  BILEVEL_STATUS_CHECK(foe->download(x_device, result));
  *x = std::move(result);
  *backend = "GPU: " + foe->deviceName();
  return Status::Ok();
}

}  // namespace bilevel
