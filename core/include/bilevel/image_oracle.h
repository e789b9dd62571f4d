// A bilevel problem on an image dataset with a learnable regularizer: what the trainer needs
// (BilevelOracle) plus what the tools show and export (the data, reconstructions):
// ImageProblemOracle for every regularizer, on the CPU or a GPU, and ShardedOracle over MPI.
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "bilevel/batch.h"
#include "bilevel/dataset.h"
#include "bilevel/oracle.h"
#include "bilevel/problem_data.h"
#include "bilevel/regularizer_settings.h"
#include "bilevel/status.h"

namespace bilevel {

class ImageOracle : public BilevelOracle {
 public:
  // The images this process holds (a data-parallel run: its shard) and their problem.
  virtual const Dataset& dataset() const = 0;
  virtual const ProblemData& problem() const = 0;
  // The number of test images of the run (trainingSize() counts the training images).
  virtual int testSize() const { return dataset().test.n(); }
  virtual const RegularizerSettings& regularizerSettings() const = 0;
  // The regularizer's initial parameters (its init.* settings), deterministic in their seed.
  virtual Eigen::VectorXd initialParameters() const = 0;
  // Reconstructions of chosen training (test = false) or test images at accuracy eps, from the
  // measurements (warm starts are left alone). Fills out with one image per index. Call it from
  // the thread that drives the trainer (for example in RunCallbacks::iteration).
  virtual Status reconstruct(const Eigen::VectorXd& theta, bool test,
                             const std::vector<int>& images, double epsilon, Batch<float>* out) = 0;
  // Where it computes: "CPU: 2 threads (AVX2+FMA)" or "GPU: NVIDIA H100 80GB HBM3".
  virtual std::string backendName() const = 0;
};

}  // namespace bilevel
