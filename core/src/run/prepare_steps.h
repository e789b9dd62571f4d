// Steps shared by PrepareRun and ResumeRun (prepare_run.cpp, resume_run.cpp).
#pragma once

#include <functional>

#include "bilevel/communicator.h"
#include "bilevel/prepared_run.h"

namespace bilevel::prepare {

// True for a data-parallel run (more than one process).
bool Shared(const Communicator* processes);
// Runs a step that may fail on one process only (reading files, allocating) and returns the same
// status on every process; out of memory is a failure, not an exception.
Status Agreed(Communicator* processes, const std::function<Status()>& step);
// Loads the data and makes the measurements (every process), then builds the oracle (a
// ShardedOracle with several processes, the GPU or the CPU engine otherwise) and the trainer.
Status BuildProblem(const TrainingConfig& config, const LoadProgress& progress, PreparedRun* run);

}  // namespace bilevel::prepare
