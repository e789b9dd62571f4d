// The Field of Experts bilevel problem on the GPU: what ImageProblemOracle computes for it
// (bilevel/image_problem_oracle.h), with the whole training engine on the device. The training and
// test images, their measurements, masks and the warm starts of every image (lower-level x and CG q
// per training image, x per test image) live in device memory; a mini-batch is gathered there,
// solved with CudaSolver (FISTA to eps, CG to delta, per image) and the CudaFoe mixed derivative,
// and its warm starts scattered back. Only parameters, per-image scalars and the hypergradient
// cross the bus.
//
// Results agree with ImageProblemOracle up to float32 rounding: the same solvers, stopping rules,
// counters, power-method start vectors (testPsnr's chunks included) and messages. Computations are
// deterministic: the same calls give bitwise the same results, so resumed runs reproduce
// uninterrupted ones as on the CPU.
//
// Only built with the CUDA backend. This header needs no CUDA headers.
#pragma once

#include <Eigen/Core>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bilevel/dataset.h"
#include "bilevel/image_oracle.h"
#include "bilevel/image_problem_options.h"
#include "bilevel/problem_data.h"
#include "bilevel/regularizer_settings.h"
#include "regularizers/foe.h"

namespace bilevel {

class CudaFoeOracle final : public ImageOracle {
 public:
  // Takes the dataset and its problem, checks them as ImageProblemOracle::Create does and uploads
  // them. max_batch is the most training images one request holds (0: the whole training set);
  // device memory for a batch of that size is set aside now. Fails with a message when no device
  // is usable or the data or the working memory of a batch do not fit in device memory.
  static Status Create(const ImageProblemOptions& options, const RegularizerSettings& regularizer,
                       int max_batch, Dataset dataset, ProblemData problem,
                       std::unique_ptr<CudaFoeOracle>* out);
  // The same, but dataset and problem are only moved from on success, so that a caller can fall
  // back to the CPU with them.
  static Status TryCreate(const ImageProblemOptions& options,
                          const RegularizerSettings& regularizer, int max_batch, Dataset&& dataset,
                          ProblemData&& problem, std::unique_ptr<CudaFoeOracle>* out);
  ~CudaFoeOracle() override;

  int trainingSize() const override;
  int parameterCount() const override;
  OracleResult evaluate(const Eigen::VectorXd& theta, const OracleRequest& request) override;
  long testUnconverged() const override;
  double testPsnr(const Eigen::VectorXd& theta, double epsilon,
                  const std::function<bool()>& keep_going, std::string* failure) override;
  void project(Eigen::VectorXd& theta) const override;
  Status warmStarts(std::vector<float>* values) const override;
  Status restoreWarmStarts(const std::vector<float>& values) override;

  Eigen::VectorXd initialParameters() const override;
  Status reconstruct(const Eigen::VectorXd& theta, bool test, const std::vector<int>& images,
                     double epsilon, Batch<float>* out) override;
  const Dataset& dataset() const override;
  const ProblemData& problem() const override;
  const RegularizerSettings& regularizerSettings() const override;
  // "GPU: <device name>".
  std::string backendName() const override;

  // Test images per device batch in testPsnr (the CPU uses 16; the power-method start vectors of
  // image t are the CPU's, those of position t % 16 of its chunk).
  static constexpr int kTestChunk = 64;

 private:
  struct Impl;
  explicit CudaFoeOracle(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bilevel
