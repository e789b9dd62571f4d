#include "bilevel/training_session.h"

#include "problem/image_problem_oracle.h"

#include "bilevel/backend_info.h"
#include "bilevel/config_json.h"
#include "bilevel/problem_data.h"
#include "bilevel/thread_pool.h"

#ifdef BILEVEL_HAVE_CUDA
#include "cuda/cuda_oracle.h"
#endif

namespace bilevel {

Status SelectBackend(const TrainingConfig& config, std::string* backend,
                     std::vector<std::string>* warnings) {
  if (config.threads > 0) SetThreadCount(config.threads);
  DeviceChoice choice;
  if (Status s =
          ChooseDevice(config.device, config.allow_cpu_fallback, config.regularizer.type, &choice);
      !s.ok())
    return s;
  *backend = choice.backend;
  warnings->insert(warnings->end(), choice.warnings.begin(), choice.warnings.end());
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
#ifdef BILEVEL_HAVE_CUDA
  if (session->backend.rfind("GPU", 0) == 0) {
    // TryCreate leaves the data alone when it fails, for the CPU below.
    std::unique_ptr<CudaFoeOracle> gpu;
    const Status s = CudaFoeOracle::TryCreate(config, std::move(dataset), std::move(problem), &gpu);
    if (s.ok()) {
      session->backend = gpu->backendName();
      session->oracle = std::move(gpu);
    } else if (config.device == DevicePreference::kCuda && !config.allow_cpu_fallback) {
      return Status::Error("device \"cuda\": the GPU engine could not be set up: " + s.message());
    } else {
      session->warnings.push_back("the GPU engine could not be set up (" + s.message() +
                                  "); running on the CPU");
      session->backend = CpuBackendDescription();
    }
  }
#endif
  if (!session->oracle) {
    std::unique_ptr<ImageProblemOracle> cpu;
    if (Status s = ImageProblemOracle::Create(ImageProblemOptions::From(config), config.regularizer,
                                              std::move(dataset), std::move(problem), &cpu);
        !s.ok())
      return s;
    session->backend = CpuBackendDescription();
    session->oracle = std::move(cpu);
  }
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
  if (Status s = session->trainer->initialize(session->oracle->initialParameters(), {},
                                              options.measure_initial_test);
      !s.ok())
    return s;
  if (!options.out_dir.empty()) {
    session->folder = std::make_unique<RunFolder>();
    if (Status s =
            RunFolder::Create(options.out_dir, config, session->folder.get(), options.overwrite);
        !s.ok())
      return s;
    for (const std::string& w : session->warnings)
      session->folder->appendEvent({.kind = "warning", .message = w});
    session->folder->appendEvent({.kind = "backend", .message = session->backend});
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
  folder->appendEvent(
      {.iteration = session->trainer->iteration(), .kind = "backend", .message = session->backend});
  session->folder = std::move(folder);
  return Status::Ok();
}

}  // namespace bilevel
