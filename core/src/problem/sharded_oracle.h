// The image problem of a data-parallel run (DESIGN.md section 8): each process holds a shard of
// the training and test images, training image i and test image t on the process of rank i mod N
// and t mod N, with their measurements and warm starts, in an ImageProblemOracle of its own.
//
// evaluate() solves this process's images of the request, gathers every image's outcome from all
// processes and reduces them in the request's order exactly as one process does
// (oracle_reduction.h), so every process gets the same result, bit for bit the one of a single
// process. A failure anywhere (an error, out of memory, a cancellation, a non-finite value) is
// agreed on by all: every process returns it, and no warm start is stored. The warm starts are
// gathered to rank 0 in the global layout of ImageProblemOracle, so a checkpoint resumes with any
// number of processes. Every method that takes part in the collective operations must be called
// on every process in the same order (the Trainer does so).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bilevel/communicator.h"
#include "problem/image_problem_oracle.h"

namespace bilevel {

class ShardedOracle final : public ImageOracle {
 public:
  // Keeps this process's shard of the dataset and its problem (the rest is freed). Fails (on this
  // process only: agree on the status) when the shard cannot be built.
  // With a device, this process's shard is solved there (ImageProblemOracle::Create).
  static Status Create(const ImageProblemOptions& options, const RegularizerSettings& regularizer,
                       Dataset dataset, ProblemData problem, Communicator& comm,
                       std::unique_ptr<ShardedOracle>* out, OracleDevice device = {});

  int trainingSize() const override { return train_size_; }
  int testSize() const override { return test_size_; }
  int parameterCount() const override { return local_->parameterCount(); }
  OracleResult evaluate(const Eigen::VectorXd& theta, const OracleRequest& request) override;
  double testPsnr(const Eigen::VectorXd& theta, double epsilon,
                  const std::function<bool()>& keep_going, std::string* failure) override;
  void project(Eigen::VectorXd& theta) const override { local_->project(theta); }
  long testUnconverged() const override { return test_unconverged_; }
  // Rank 0 gets every image's warm starts (each process sends its own straight into their place);
  // the other processes an empty vector.
  Status warmStarts(std::vector<float>* values) const override;
  // values: every image's warm starts, on rank 0 (ignored elsewhere); each process receives its
  // own. Agreed on every process.
  Status restoreWarmStarts(const std::vector<float>& values) override;

  Eigen::VectorXd initialParameters() const override { return local_->initialParameters(); }
  // Images of this process's shard only (not collective).
  Status reconstruct(const Eigen::VectorXd& theta, bool test, const std::vector<int>& images,
                     double epsilon, Batch<float>* out) override;
  // This process's shard.
  const Dataset& dataset() const override { return local_->dataset(); }
  const ProblemData& problem() const override { return local_->problem(); }
  const RegularizerSettings& regularizerSettings() const override {
    return local_->regularizerSettings();
  }
  std::string backendName() const override;
  // Every process's move, gathered (collective): the processes that moved to the CPU and why.
  BackendMove takeBackendMove() override;

 private:
  ShardedOracle(Communicator& comm, std::unique_ptr<ImageProblemOracle> local, int train_size,
                int test_size);
  // Images of [0, total) held by rank r.
  int shardSize(int total, int r) const;
  // The fault BILEVEL_INJECT_FAULT asks this process for at this call, for tests ("" for none).
  std::string injectedFault();

  Communicator& comm_;
  std::unique_ptr<ImageProblemOracle> local_;
  int train_size_ = 0, test_size_ = 0;
  long calls_ = 0;
  long test_unconverged_ = 0;  // of the last testPsnr(), over every process
  std::vector<int> moved_;     // the processes whose GPU failed, now on the CPU
};

}  // namespace bilevel
