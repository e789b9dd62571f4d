#include "bilevel/prepared_run.h"

#include "problem/image_problem_oracle.h"
#include "problem/sharded_oracle.h"
#include "run/prepare_steps.h"

#include <algorithm>
#include <cstdlib>
#include <new>
#include <thread>

#include "bilevel/backend_info.h"
#include "bilevel/config_json.h"
#include "bilevel/problem_data.h"
#include "bilevel/thread_pool.h"

#include "backend/cuda/cuda_ops.h"
#include "problem/engine_check.h"

namespace bilevel {

Status SelectBackend(const TrainingConfig& config, std::string* backend,
                     std::vector<std::string>* warnings, Communicator* processes, int* device) {
  if (config.backend.threads > 0) {
    SetThreadCount(config.backend.threads);
  } else if (processes && processes->localSize() > 1 && !std::getenv("BILEVEL_THREADS")) {
    // The processes of one machine share its cores.
    const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
    SetThreadCount(std::max(1, cores / processes->localSize()));
  }
  DeviceChoice choice;
  if (Status s = ChooseEngineDevice(config.backend.device, config.backend.allow_cpu_fallback,
                                    &choice, processes ? processes->localRank() : 0);
      !s.ok())
    return s;
  *backend = choice.backend;
  if (device) *device = choice.gpu ? choice.device : -1;
  warnings->insert(warnings->end(), choice.warnings.begin(), choice.warnings.end());
  return Status::Ok();
}

namespace prepare {

// The engine's backend on the chosen GPU, or null on the CPU. A GPU that cannot be set up is an
// error when "cuda" was asked for without the CPU allowed; otherwise a warning, and the CPU.
Status DeviceOps(const TrainingConfig& config, PreparedRun* run,
                 std::unique_ptr<backend::Ops<float>>* ops) {
  if (run->device < 0) return Status::Ok();
  std::string why;
  *ops = backend::MakeCudaOps<float>(run->device, &why);
  if (*ops) return Status::Ok();
  if (config.backend.device == DevicePreference::kCuda && !config.backend.allow_cpu_fallback)
    return Status::Error("device \"cuda\": the GPU could not be set up: " + why);
  run->warnings.push_back("the GPU could not be set up (" + why + "); running on the CPU");
  run->backend = CpuBackendDescription();
  run->device = -1;
  return Status::Ok();
}

// The oracle's device: a GPU that fails mid-run leaves it for the CPU where the config allows it.
OracleDevice OnDevice(const TrainingConfig& config, std::unique_ptr<backend::Ops<float>> ops,
                      const PreparedRun& run) {
  return {std::move(ops), run.backend, config.backend.allow_cpu_fallback};
}

bool Shared(const Communicator* processes) {
  return processes && processes->size() > 1;
}

Status Agreed(Communicator* processes, const std::function<Status()>& step) {
  Status s;
  try {
    s = step();
  } catch (const std::bad_alloc&) {
    s = Status::Error("out of memory");
  }
  return Shared(processes) ? Agree(*processes, s) : s;
}

Status BuildProblem(const TrainingConfig& config, const LoadProgress& progress, PreparedRun* run) {
  Communicator* processes = run->processes;
  Dataset dataset;
  if (Status s = Agreed(processes, [&] { return LoadDataset(config.dataset, &dataset, progress); });
      !s.ok())
    return s;
  for (const std::string& w : dataset.warnings)
    run->warnings.push_back(w);
  ProblemData problem;
  if (Status s = Agreed(processes, [&] { return MakeProblem(config.problem, dataset, &problem); });
      !s.ok())
    return s;
  std::unique_ptr<backend::Ops<float>> device;
  if (Status s = Agreed(processes, [&] { return DeviceOps(config, run, &device); }); !s.ok())
    return s;
  if (Shared(processes)) {
    std::unique_ptr<ShardedOracle> sharded;
    if (Status s = Agreed(processes,
                          [&] {
                            return ShardedOracle::Create(config.inner, config.regularizer,
                                                         std::move(dataset), std::move(problem),
                                                         *processes, &sharded,
                                                         OnDevice(config, std::move(device), *run));
                          });
        !s.ok())
      return s;
    run->backend = sharded->backendName();
    run->oracle = std::move(sharded);
    run->trainer = std::make_unique<Trainer>(config.trainer, config.knobs, *run->oracle);
    return Status::Ok();
  }
  std::unique_ptr<ImageProblemOracle> oracle;
  if (Status s = ImageProblemOracle::Create(config.inner, config.regularizer, std::move(dataset),
                                            std::move(problem), &oracle,
                                            OnDevice(config, std::move(device), *run));
      !s.ok())
    return s;
  run->backend = oracle->backendName();
  run->oracle = std::move(oracle);
  run->trainer = std::make_unique<Trainer>(config.trainer, config.knobs, *run->oracle);
  return Status::Ok();
}

}  // namespace prepare

Status PrepareRun(const TrainingConfig& config, const PrepareOptions& options, PreparedRun* run) {
  *run = PreparedRun{};
  if (Status s = config.validate(); !s.ok()) return s;
  run->config = config;
  run->processes = options.processes;
  Communicator* processes = options.processes;
  const bool shared = prepare::Shared(processes);
  if (Status s = prepare::Agreed(processes,
                                 [&] {
                                   return SelectBackend(config, &run->backend, &run->warnings,
                                                        processes, &run->device);
                                 });
      !s.ok())
    return s;
  for (std::string& w : config.warnings())
    run->warnings.push_back(std::move(w));
  if (Status s = prepare::BuildProblem(config, options.progress, run); !s.ok()) return s;
  // The initial test PSNR is agreed on by the oracle; the other checks are the same everywhere.
  if (Status s = run->trainer->initialize(run->oracle->initialParameters(), {},
                                          options.measure_initial_test);
      !s.ok())
    return s;
  if (!options.out_dir.empty()) {
    const bool root = !shared || processes->rank() == 0;
    if (Status s = prepare::Agreed(processes,
                                   [&] {
                                     if (!root) return Status::Ok();
                                     run->folder = std::make_unique<RunFolder>();
                                     return CreateRunFolder(options.out_dir, config,
                                                            run->folder.get(), options.overwrite);
                                   });
        !s.ok())
      return s;
    if (root) {
      for (const std::string& w : run->warnings)
        run->folder->appendEvent({.kind = "warning", .message = w});
      run->folder->appendEvent({.kind = "backend", .message = run->backend});
      if (shared) run->folder->appendEvent(RunFolder::ProcessesEvent(processes->size()));
    }
  }
  return Status::Ok();
}

}  // namespace bilevel
