// A run folder rebuilt for evaluation (bilevel-cli evaluate and gallery): its configuration, the
// same data and measurements (same seeds), its final regularizer, its log and snapshots.
#pragma once

#include <Eigen/Core>
#include <string>
#include <utility>
#include <vector>

#include "bilevel/prepared_run.h"
#include "bilevel/run_record.h"

namespace cli {

struct RunProblem {
  std::string dir;
  bilevel::PreparedRun prepared;  // the oracle reconstructs; nothing is written
  Eigen::VectorXd theta;          // regularizer.json
  std::vector<bilevel::IterationRecord> log;
  std::string trained_on;  // the backend of the run's "backend" event; "" when not recorded
  std::vector<std::pair<long, std::string>> snapshots;  // (computations, file)
};

// device: "" keeps the run's own preference, else auto, cpu or cuda. measure_initial_test: the
// trainer's initial test PSNR (prepared.trainer->initialTestPsnr()), a solve of the whole test set.
bilevel::Status LoadRunProblem(const std::string& dir, const std::string& device,
                               bool measure_initial_test, RunProblem* out);

// 2000000 -> "2M", 150000 -> "150k", 999 -> "999".
std::string CompactCount(long count);

}  // namespace cli
