#include "bilevel/training_session.h"

#include "bilevel/backend_info.h"
#include "bilevel/config_json.h"
#include "bilevel/measurements.h"
#include "bilevel/thread_pool.h"

namespace bilevel {

Status SelectBackend(const TrainingConfig& config, std::string* backend,
                     std::vector<std::string>* warnings) {
  if (config.threads > 0) SetThreadCount(config.threads);
  const std::string cpu = CpuBackendDescription();
  if (config.device == DevicePreference::kCpu) {
    *backend = cpu;
    return Status::Ok();
  }
  // The training engine runs its solvers on the CPU; the CUDA solvers are not wired in yet.
  const CudaDeviceInfo cuda = QueryCudaDevice();
  std::string why = !cuda.built       ? "this build has no CUDA backend"
                    : !cuda.available ? "no CUDA device: " + cuda.message
                                      : "the CUDA training engine is not available yet";
  if (config.device == DevicePreference::kCuda) {
    if (!config.allow_cpu_fallback)
      return Status::Error("device \"cuda\" was requested but " + why +
                           " (set allow_cpu_fallback or use device \"cpu\")");
    warnings->push_back("device \"cuda\" was requested but " + why + "; running on the CPU");
  }
  *backend = cpu;
  return Status::Ok();
}

namespace {

Status BuildProblem(const TrainingConfig& config, const LoadProgress& progress,
                    TrainingSession* session) {
  Dataset dataset;
  if (Status s = LoadDataset(config.dataset, &dataset, progress); !s.ok()) return s;
  for (const std::string& w : dataset.warnings)
    session->warnings.push_back(w);
  ProblemData problem;
  if (Status s = MakeProblem(config.problem, dataset, &problem); !s.ok()) return s;
  std::unique_ptr<FoeOracle> cpu;
  if (Status s = FoeOracle::Create(config, std::move(dataset), std::move(problem), &cpu); !s.ok())
    return s;
  session->oracle = std::move(cpu);
  session->trainer = std::make_unique<Trainer>(config, *session->oracle);
  return Status::Ok();
}

}  // namespace

Status PrepareSession(const TrainingConfig& config, const SessionOptions& options,
                      TrainingSession* session) {
  *session = TrainingSession{};
  if (Status s = config.validate(); !s.ok()) return s;
  session->config = config;
  if (Status s = SelectBackend(config, &session->backend, &session->warnings); !s.ok()) return s;
  if (Status s = BuildProblem(config, options.progress, session); !s.ok()) return s;
  if (Status s = session->trainer->initialize(session->oracle->initialParameters()); !s.ok())
    return s;
  if (!options.out_dir.empty()) {
    session->folder = std::make_unique<RunFolder>();
    if (Status s =
            RunFolder::Create(options.out_dir, config, session->folder.get(), options.overwrite);
        !s.ok())
      return s;
    for (const std::string& w : session->warnings)
      session->folder->appendEvent({.kind = "warning", .message = w});
  }
  return Status::Ok();
}

Status ResumeSession(const std::string& dir, const LoadProgress& progress,
                     TrainingSession* session) {
  *session = TrainingSession{};
  auto folder = std::make_unique<RunFolder>();
  TrainingConfig config;
  if (Status s = RunFolder::Open(dir, folder.get(), &config, &session->warnings); !s.ok()) return s;
  if (!folder->hasCheckpoint())
    return Status::Error("the run folder " + dir + " has no checkpoint to resume from");
  session->config = config;
  if (Status s = SelectBackend(config, &session->backend, &session->warnings); !s.ok()) return s;
  if (Status s = BuildProblem(config, progress, session); !s.ok()) return s;
  NpyArrays arrays;
  if (Status s = folder->readCheckpoint(&arrays); !s.ok()) return s;
  // initialize() sets up the optimiser's shapes; restore() then overwrites the whole state.
  if (Status s = session->trainer->initialize(session->oracle->initialParameters(), {}, false);
      !s.ok())
    return s;
  if (Status s = session->trainer->restore(arrays); !s.ok())
    return Status::Error("cannot resume " + dir + ": " + s.message());
  session->trainer->setBudget(config.budget);  // config.json may carry a larger budget
  if (Status s = folder->truncateLog(session->trainer->iteration()); !s.ok()) return s;
  session->folder = std::move(folder);
  return Status::Ok();
}

}  // namespace bilevel
