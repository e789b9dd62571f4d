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

#ifdef BILEVEL_HAVE_CUDA
#include "cuda/cuda_oracle.h"
#endif

namespace bilevel {

Status SelectBackend(const TrainingConfig& config, std::string* backend,
                     std::vector<std::string>* warnings, Communicator* processes) {
  if (config.backend.threads > 0) {
    SetThreadCount(config.backend.threads);
  } else if (processes && processes->localSize() > 1 && !std::getenv("BILEVEL_THREADS")) {
    // The processes of one machine share its cores.
    const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
    SetThreadCount(std::max(1, cores / processes->localSize()));
  }
  DeviceChoice choice;
  if (Status s = ChooseDevice(config.backend.device, config.backend.allow_cpu_fallback,
                              config.regularizer.type, &choice);
      !s.ok())
    return s;
  *backend = choice.backend;
  warnings->insert(warnings->end(), choice.warnings.begin(), choice.warnings.end());
  return Status::Ok();
}

namespace prepare {

#ifdef BILEVEL_HAVE_CUDA
// The most training images one upper iteration solves: the batch of ISGD and Adam (it may be
// turned down while the run goes, not up past this), the whole training set for MAID and IGD.
int MaxBatch(const TrainingConfig& config) {
  const Method method = config.trainer.method;
  return method == Method::kIsgd || method == Method::kAdam ? config.knobs.batch_size : 0;
}
#endif

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
  if (Shared(processes)) {
    // The data-parallel engine runs on the CPU (the GPU engine is single-process for now).
    if (run->backend.rfind("GPU", 0) == 0) {
      if (config.backend.device == DevicePreference::kCuda && !config.backend.allow_cpu_fallback)
        return Status::Error(
            "device \"cuda\": the GPU engine runs in one process; under mpirun the engine runs "
            "on the CPU (device auto or cpu, or allow_cpu_fallback)");
      run->warnings.push_back("the GPU engine runs in one process; running on the CPU");
    }
    std::unique_ptr<ShardedOracle> sharded;
    if (Status s = Agreed(processes,
                          [&] {
                            return ShardedOracle::Create(config.inner, config.regularizer,
                                                         std::move(dataset), std::move(problem),
                                                         *processes, &sharded);
                          });
        !s.ok())
      return s;
    run->backend = sharded->backendName();
    run->oracle = std::move(sharded);
    run->trainer = std::make_unique<Trainer>(config.trainer, config.knobs, *run->oracle);
    return Status::Ok();
  }
#ifdef BILEVEL_HAVE_CUDA
  if (run->backend.rfind("GPU", 0) == 0) {
    // TryCreate leaves the data alone when it fails, for the CPU below.
    std::unique_ptr<CudaFoeOracle> gpu;
    const Status s = CudaFoeOracle::TryCreate(config.inner, config.regularizer, MaxBatch(config),
                                              std::move(dataset), std::move(problem), &gpu);
    if (s.ok()) {
      run->backend = gpu->backendName();
      run->oracle = std::move(gpu);
    } else if (config.backend.device == DevicePreference::kCuda &&
               !config.backend.allow_cpu_fallback) {
      return Status::Error("device \"cuda\": the GPU engine could not be set up: " + s.message());
    } else {
      run->warnings.push_back("the GPU engine could not be set up (" + s.message() +
                              "); running on the CPU");
      run->backend = CpuBackendDescription();
    }
  }
#endif
  if (!run->oracle) {
    std::unique_ptr<ImageProblemOracle> cpu;
    if (Status s = ImageProblemOracle::Create(config.inner, config.regularizer, std::move(dataset),
                                              std::move(problem), &cpu);
        !s.ok())
      return s;
    run->backend = CpuBackendDescription();
    run->oracle = std::move(cpu);
  }
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
  if (Status s = prepare::Agreed(
          processes,
          [&] { return SelectBackend(config, &run->backend, &run->warnings, processes); });
      !s.ok())
    return s;
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
