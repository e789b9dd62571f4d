// The bilevel problem on an image dataset with any regularizer (regularizer_registry.h): the
// BilevelOracle the trainer uses, with a warm start per training and test image, and
// reconstructions for previews. It computes on the CPU, or on a backend given to Create (a GPU:
// backend/ops.h), where each call's images are copied to be solved; the dataset and the warm
// starts stay on the host.
#pragma once

#include <memory>
#include <vector>

#include "backend/ops.h"
#include "bilevel/dataset.h"
#include "bilevel/hypergradient.h"
#include "bilevel/image_oracle.h"
#include "bilevel/image_problem_options.h"
#include "bilevel/oracle.h"
#include "bilevel/problem_data.h"
#include "bilevel/regularizer.h"
#include "problem/oracle_checks.h"
#include "problem/oracle_reduction.h"

namespace bilevel {

// Where an oracle computes: on the CPU (no ops), or on a backend (a GPU) called `name`. When that
// backend fails (out of its memory, a failed launch), the call fails with its reason; with
// cpu_on_failure the oracle moves to the CPU for good instead and repeats the call there. The
// warm starts stay on the host, so nothing is lost; takeBackendMove() reports the move.
struct OracleDevice {
  std::unique_ptr<backend::Ops<float>> ops;
  std::string name;
  bool cpu_on_failure = false;
};

class ImageProblemOracle final : public ImageOracle {
 public:
  // Takes the dataset and its problem; checks that they fit the regularizer. With a device, the
  // regularizer and the solves run on it, and backendName() is its name.
  static Status Create(const ImageProblemOptions& options, const RegularizerSettings& regularizer,
                       Dataset dataset, ProblemData problem,
                       std::unique_ptr<ImageProblemOracle>* out, OracleDevice device = {});

  int trainingSize() const override { return dataset_.train.n(); }
  int parameterCount() const override { return reg_->parameterCount(); }
  OracleResult evaluate(const Eigen::VectorXd& theta, const OracleRequest& request) override;
  double testPsnr(const Eigen::VectorXd& theta, double epsilon,
                  const std::function<bool()>& keep_going, std::string* failure) override;
  long testUnconverged() const override { return test_unconverged_; }
  void project(Eigen::VectorXd& theta) const override;
  Status warmStarts(std::vector<float>* values) const override;
  Status restoreWarmStarts(const std::vector<float>& values) override;
  bool warmStartViews(std::vector<std::span<const float>>* parts) const override;

  // The two halves of evaluate(), for a data-parallel run that combines the images of several
  // processes (ShardedOracle): solve() works out the per-image outcomes of a request and keeps
  // the new warm starts aside; commit() stores them once the whole call has succeeded.
  struct Solution {
    OracleResult failure;  // status kOk, or why the call failed (counts of its work)
    ImageOutcomes images;  // in the order of request.images
    std::vector<int> indices;
    bool gradient = false;
    Batch<float> x, q;  // the new warm starts of those images
  };
  Solution solve(const Eigen::VectorXd& theta, const OracleRequest& request);
  void commit(const Solution& solution);
  // The PSNR of every test image at accuracy eps, in index order, updating their warm starts.
  // kCancelled when keep_going() stopped it; kError (with *failure) when it failed.
  OracleStatus testPsnrs(const Eigen::VectorXd& theta, double epsilon,
                         const std::function<bool()>& keep_going, std::vector<double>* psnr,
                         std::string* failure);

  Eigen::VectorXd initialParameters() const override;
  Status reconstruct(const Eigen::VectorXd& theta, bool test, const std::vector<int>& images,
                     double epsilon, Batch<float>* out) override;
  const Dataset& dataset() const override { return dataset_; }
  const ProblemData& problem() const override { return problem_; }
  const RegularizerSettings& regularizerSettings() const override { return reg_->settings(); }
  std::string backendName() const override;
  BackendMove takeBackendMove() override;

 private:
  ImageProblemOracle(const ImageProblemOptions& options, Dataset dataset, ProblemData problem,
                     std::unique_ptr<Regularizer<float>> reg);

  ImageProblemOptions options_;
  Dataset dataset_;
  ProblemData problem_;
  // The batch in the regularizer's memory (moved when that is the host's), and back.
  Batch<float> placed(Batch<float> batch) const;
  Batch<float> returned(Batch<float> batch) const;
  // The device's failure, once it has failed (empty on the CPU).
  std::string deviceError() const;
  // After the device failed with `error`: true when the oracle moved to the CPU (the call is then
  // to be repeated), false when it may not.
  bool movedToCpu(const std::string& error);

  std::unique_ptr<Regularizer<float>> reg_;
  std::string device_name_;  // empty on the CPU
  bool cpu_on_failure_ = false;
  BackendMove move_;                                // not yet taken
  std::unique_ptr<Regularizer<double>> projector_;  // project() in the parameters' precision
  Batch<float> x_warm_, q_warm_;                    // per training image
  Batch<float> test_warm_;                          // per test image
  long test_unconverged_ = 0;                       // of the last testPsnrs()
};

}  // namespace bilevel
