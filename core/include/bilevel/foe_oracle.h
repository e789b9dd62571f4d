// The Field of Experts bilevel problem on a dataset: the BilevelOracle the trainer uses, with a
// warm start per training and test image, and reconstructions for previews and `apply`.
#pragma once

#include <memory>
#include <vector>

#include "bilevel/dataset.h"
#include "bilevel/foe.h"
#include "bilevel/hypergradient.h"
#include "bilevel/image_oracle.h"
#include "bilevel/measurements.h"
#include "bilevel/oracle.h"
#include "bilevel/training_config.h"

namespace bilevel {

class FoeOracle final : public ImageOracle {
 public:
  // Takes the dataset and its problem; checks that they fit the configured regularizer.
  static Status Create(const TrainingConfig& config, Dataset dataset, ProblemData problem,
                       std::unique_ptr<FoeOracle>* out);

  int trainingSize() const override { return dataset_.train.n(); }
  int parameterCount() const override { return reg_.parameterCount(); }
  OracleResult evaluate(const Eigen::VectorXd& theta, const OracleRequest& request) override;
  double testPsnr(const Eigen::VectorXd& theta, double epsilon,
                  const std::function<bool()>& keep_going, std::string* failure) override;
  void project(Eigen::VectorXd& theta) const override;
  Status warmStarts(std::vector<float>* values) const override;
  Status restoreWarmStarts(const std::vector<float>& values) override;

  Eigen::VectorXd initialParameters() const override;
  Status reconstruct(const Eigen::VectorXd& theta, bool test, const std::vector<int>& images,
                     double epsilon, Batch<float>* out) override;
  const Dataset& dataset() const override { return dataset_; }
  const ProblemData& problem() const override { return problem_; }
  const FoeConfig& regularizerConfig() const override { return reg_.config(); }
  std::string backendName() const override;

 private:
  FoeOracle(const TrainingConfig& config, Dataset dataset, ProblemData problem);

  TrainingConfig config_;
  Dataset dataset_;
  ProblemData problem_;
  FieldOfExperts<float> reg_;
  Batch<float> x_warm_, q_warm_;  // per training image
  Batch<float> test_warm_;        // per test image
};

}  // namespace bilevel
