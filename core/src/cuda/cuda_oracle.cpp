// CudaFoeOracle (bilevel/cuda/cuda_oracle.h): ImageProblemOracle's work with the data, the warm
// starts and the solvers on the device. This file: the set-up, with the same checks and messages
// as core/src/problem/image_problem_oracle.cpp, the accessors and the warm starts.
#include "cuda_oracle_impl.h"

namespace bilevel {

CudaFoeOracle::CudaFoeOracle(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CudaFoeOracle::~CudaFoeOracle() = default;

Status CudaFoeOracle::Create(const ImageProblemOptions& options,
                             const RegularizerSettings& regularizer, int max_batch, Dataset dataset,
                             ProblemData problem, std::unique_ptr<CudaFoeOracle>* out) {
  return TryCreate(options, regularizer, max_batch, std::move(dataset), std::move(problem), out);
}

Status CudaFoeOracle::TryCreate(const ImageProblemOptions& options,
                                const RegularizerSettings& regularizer, int max_batch,
                                Dataset&& dataset, ProblemData&& problem,
                                std::unique_ptr<CudaFoeOracle>* out) {
  if (regularizer.type != "field_of_experts")
    return Status::Error("the GPU engine has no \"" + regularizer.type + "\" regularizer");
  if (Status s = ValidateRegularizerSettings(regularizer); !s.ok()) return s;
  if (Status s = options.validate(); !s.ok()) return s;
  const FoeConfig foe_config = FoeConfigFrom(regularizer);
  if (Status s = CheckProblemData(dataset, problem); !s.ok()) return s;
  FieldOfExperts<float> probe(foe_config);
  if (Status s = probe.checkImages(dataset.train.shape()); !s.ok()) return s;
  if (Status s = CheckOperatorShape(*problem.train_op, dataset.train.shape()); !s.ok()) return s;
  try {
    auto impl = std::make_unique<Impl>(options, regularizer);
    const Shape train = dataset.train.shape();
    const Shape test{dataset.test.n(), train.c, train.h, train.w};
    // The largest batch the trainer asks for, to fail here rather than in the middle of a run.
    const int batch = max_batch > 0 ? std::min(max_batch, train.n) : train.n;
    const Shape batch_shape{batch, train.c, train.h, train.w};

    Status status;
    impl->foe = CudaFoe::Create(foe_config, batch_shape, &status);
    if (!impl->foe) return status;
    impl->solver = CudaSolver::Create(*impl->foe, &status);
    if (!impl->solver) return status;
    CudaFoe& foe = *impl->foe;
    void* stream = foe.stream();

    // Device memory: the data sets with their warm starts, plus the vectors of the largest batch
    // worked on, a training batch or a chunk of test images (the oracle's five, the solvers' four
    // and the start vectors), and the regularizer's three n x J x h x w buffers (responses,
    // Hessian diagonal, mixed-derivative responses).
    const double image_bytes = double(train.imageSize()) * sizeof(float);
    const double response_bytes = double(foe_config.kernels) * train.h * train.w * 4.0;
    const double masks = problem.train_op->kind() == OperatorKind::kInpainting ? 1.0 : 0.0;
    const int working = std::max(batch, std::min(kTestChunk, test.n));
    const double need = image_bytes * (train.n * (4.0 + masks) + test.n * (3.0 + masks)) +
                        working * (image_bytes * (10.0 + masks) + 3.0 * response_bytes);
    std::size_t free_bytes = 0, total_bytes = 0;
    if (const cudaError_t e = cudaMemGetInfo(&free_bytes, &total_bytes); e != cudaSuccess)
      return cuda::CudaStatus(e, "reading the device memory");
    if (need > 0.95 * double(free_bytes))
      return Status::Error("CUDA: the problem needs about " + std::to_string(int(need / 1048576)) +
                           " MiB of device memory, " + std::to_string(free_bytes >> 20) +
                           " MiB are free");

    if (Status s = CudaDataOperator::Create(*problem.train_op, stream, &impl->train_op); !s.ok())
      return s;
    if (Status s =
            CudaDataOperator::Create(*problem.train_op->select({}), stream, &impl->train_batch_op);
        !s.ok())
      return s;
    if (problem.test_op) {
      if (Status s = CudaDataOperator::Create(*problem.test_op, stream, &impl->test_op); !s.ok())
        return s;
      if (Status s =
              CudaDataOperator::Create(*problem.test_op->select({}), stream, &impl->test_batch_op);
          !s.ok())
        return s;
    } else {
      if (Status s =
              CudaDataOperator::Create(*problem.train_op->select({}), stream, &impl->test_op);
          !s.ok())
        return s;
      if (Status s =
              CudaDataOperator::Create(*problem.train_op->select({}), stream, &impl->test_batch_op);
          !s.ok())
        return s;
    }
    BILEVEL_STATUS_CHECK(Upload(foe, dataset.train, impl->train_clean));
    BILEVEL_STATUS_CHECK(Upload(foe, problem.train_measured, impl->train_measured));
    BILEVEL_STATUS_CHECK(Upload(foe, problem.train_measured, impl->x_warm));
    BILEVEL_STATUS_CHECK(impl->q_warm.allocate(train));
    BILEVEL_STATUS_CHECK(foe.fill(impl->q_warm, 0.0f));
    BILEVEL_STATUS_CHECK(Upload(foe, dataset.test, impl->test_clean));
    BILEVEL_STATUS_CHECK(impl->test_clean.allocate(test));
    BILEVEL_STATUS_CHECK(Upload(foe, problem.test_measured, impl->test_measured));
    BILEVEL_STATUS_CHECK(impl->test_measured.allocate(test));
    BILEVEL_STATUS_CHECK(Upload(foe, problem.test_measured, impl->test_warm));
    BILEVEL_STATUS_CHECK(impl->test_warm.allocate(test));
    BILEVEL_STATUS_CHECK(foe.synchronize());
    impl->train_clean_finite = FiniteImages(dataset.train);
    impl->train_measured_finite = FiniteImages(problem.train_measured);
    impl->test_clean_finite = FiniteImages(dataset.test);
    impl->test_measured_finite = FiniteImages(problem.test_measured);
    impl->x_finite = impl->train_measured_finite;
    impl->q_finite.assign(train.n, 1);
    impl->test_warm_finite = FiniteImages(problem.test_measured);
    impl->test_warm_finite.resize(test.n, 1);

    // The oracle exists before the data move in: a failed allocation leaves them to the caller.
    std::unique_ptr<CudaFoeOracle> oracle(new CudaFoeOracle(std::move(impl)));
    oracle->impl_->dataset = std::move(dataset);
    oracle->impl_->problem = std::move(problem);
    *out = std::move(oracle);
    return Status::Ok();
  } catch (const std::bad_alloc&) {
    return Status::Error("out of host memory while setting up the GPU problem");
  }
}

int CudaFoeOracle::trainingSize() const {
  return impl_->dataset.train.n();
}
int CudaFoeOracle::parameterCount() const {
  return impl_->reg.parameterCount();
}
const Dataset& CudaFoeOracle::dataset() const {
  return impl_->dataset;
}
const ProblemData& CudaFoeOracle::problem() const {
  return impl_->problem;
}
const RegularizerSettings& CudaFoeOracle::regularizerSettings() const {
  return impl_->reg.settings();
}
std::string CudaFoeOracle::backendName() const {
  return "GPU: " + impl_->foe->deviceName();
}

Eigen::VectorXd CudaFoeOracle::initialParameters() const {
  return impl_->reg.initialParameters().cast<double>();
}

long CudaFoeOracle::testUnconverged() const {
  return impl_->test_unconverged;
}

void CudaFoeOracle::project(Eigen::VectorXd& theta) const {
  impl_->projector.project(theta);  // in double: the constraints hold exactly on theta itself
}

Status CudaFoeOracle::warmStarts(std::vector<float>* values) const {
  Impl& m = *impl_;
  values->clear();
  try {
    Batch<float> part;
    for (const DeviceBatch* b : {&m.x_warm, &m.q_warm, &m.test_warm}) {
      if (b->size() == 0) continue;
      if (Status s = m.foe->download(*b, part); !s.ok()) {
        values->clear();
        return Status::Error("reading the warm starts from the device: " + s.message());
      }
      values->insert(values->end(), part.values().begin(), part.values().end());
    }
  } catch (const std::bad_alloc&) {
    values->clear();
    return Status::Error("out of host memory for the warm starts");
  }
  return Status::Ok();
}

Status CudaFoeOracle::restoreWarmStarts(const std::vector<float>& values) {
  Impl& m = *impl_;
  const std::size_t expected = m.x_warm.size() + m.q_warm.size() + m.test_warm.size();
  if (values.size() != expected)
    return Status::Error("the checkpoint's warm starts have " + std::to_string(values.size()) +
                         " values, this problem needs " + std::to_string(expected));
  try {
    auto it = values.begin();
    std::vector<char>* flags[] = {&m.x_finite, &m.q_finite, &m.test_warm_finite};
    DeviceBatch* targets[] = {&m.x_warm, &m.q_warm, &m.test_warm};
    for (int k = 0; k < 3; ++k) {
      DeviceBatch& target = *targets[k];
      Batch<float> part(target.shape());
      std::copy(it, it + std::ptrdiff_t(part.size()), part.data());
      it += std::ptrdiff_t(part.size());
      BILEVEL_STATUS_CHECK(m.foe->upload(part, target));
      BILEVEL_STATUS_CHECK(m.foe->synchronize());
      *flags[k] = FiniteImages(part);
    }
  } catch (const std::bad_alloc&) {
    return Status::Error("out of memory while restoring the warm starts");
  }
  return Status::Ok();
}

}  // namespace bilevel
