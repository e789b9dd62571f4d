// ResumeRun: a run folder's problem rebuilt from its config.json and its trainer restored from
// checkpoint.npz, by one process or by every process of a data-parallel run.
#include "bilevel/config_json.h"
#include "bilevel/prepared_run.h"
#include "run/prepare_steps.h"

namespace bilevel {
namespace {

// The live knobs of the settings saved with a checkpoint.
Status CheckpointKnobs(const NpyArrays& arrays, LiveKnobs* knobs) {
  const NpyArray* saved = FindArray(arrays, kCheckpointSettings);
  if (!saved) return Status::Error("the checkpoint has no array 'settings'");
  std::string text;
  if (Status s = saved->toBytes(&text); !s.ok()) return s;
  TrainingConfig settings;
  std::vector<std::string> ignored;
  if (Status s = ConfigFromJson(text, &settings, &ignored); !s.ok())
    return Status::Error("checkpoint settings: " + s.message());
  *knobs = settings.knobs;
  return Status::Ok();
}

}  // namespace

Status ResumeRun(const std::string& dir, const LoadProgress& progress, PreparedRun* run,
                 Communicator* processes) {
  *run = PreparedRun{};
  run->processes = processes;
  const bool shared = prepare::Shared(processes);
  const bool root = !shared || processes->rank() == 0;

  // Rank 0 reads the folder: its config and checkpoint. The others get the checkpoint without its
  // warm starts, which rank 0 sends each process's share of when the trainer restores them.
  auto folder = std::make_unique<RunFolder>();
  TrainingConfig config;
  std::string config_json, checkpoint;
  NpyArrays arrays;
  if (Status s = prepare::Agreed(
          processes,
          [&] {
            if (!root) return Status::Ok();
            if (Status s = OpenRunFolder(dir, folder.get(), &config, &run->warnings); !s.ok())
              return s;
            if (!folder->hasCheckpoint())
              return Status::Error("the run folder " + dir + " has no checkpoint to resume from");
            if (Status s = folder->readCheckpoint(&arrays); !s.ok()) return s;
            if (!shared) return Status::Ok();
            NpyArrays small;
            for (const auto& [name, array] : arrays)
              if (name != "warm_starts") small.emplace_back(name, array);
            const NpyArray* warm = FindArray(arrays, "warm_starts");
            if (!warm || warm->dtype != "<f4" || !warm->check().ok())
              return Status::Error("the checkpoint's warm starts are missing or malformed");
            Status encoded;
            checkpoint = EncodeNpz(small, &encoded);
            config_json = ConfigToJson(config);
            return encoded;
          });
      !s.ok())
    return s;
  if (shared) {
    // The others take rank 0's config (their copy of the folder, if any, is not read).
    config_json = FromRoot(*processes, config_json);
    if (Status s = prepare::Agreed(processes,
                                   [&] {
                                     if (root) return Status::Ok();
                                     std::vector<std::string> ignored;
                                     return ConfigFromJson(config_json, &config, &ignored);
                                   });
        !s.ok())
      return s;
  }
  run->config = config;
  if (Status s = prepare::Agreed(processes,
                                 [&] {
                                   return SelectBackend(config, &run->backend, &run->warnings,
                                                        processes, &run->device);
                                 });
      !s.ok())
    return s;
  if (Status s = prepare::BuildProblem(config, progress, run); !s.ok()) return s;

  if (shared) {
    checkpoint = FromRoot(*processes, checkpoint);
    if (Status s = prepare::Agreed(processes,
                                   [&] {
                                     if (root) return Status::Ok();
                                     if (Status s = DecodeNpz(checkpoint, &arrays); !s.ok())
                                       return s;
                                     arrays.emplace_back("warm_starts", NpyArray::FromFloats({}));
                                     return Status::Ok();
                                   });
        !s.ok())
      return s;
    checkpoint.clear();
  }
  // initialize() sets up the optimiser's shapes; restore() then overwrites the whole state.
  if (Status s = run->trainer->initialize(run->oracle->initialParameters(), {}, false); !s.ok())
    return s;
  LiveKnobs knobs;
  if (Status s = prepare::Agreed(processes,
                                 [&] {
                                   if (Status s = CheckpointKnobs(arrays, &knobs); !s.ok())
                                     return s;
                                   return run->trainer->restore(arrays);
                                 });
      !s.ok())
    return Status::Error("cannot resume " + dir + ": " + s.message());
  // The knobs as the run left them; the budget of config.json, which may be larger.
  run->trainer->setKnobs(knobs);
  run->config.knobs = knobs;
  run->trainer->setBudget(config.trainer.budget);
  if (Status s = prepare::Agreed(
          processes,
          [&] { return root ? folder->truncateLog(run->trainer->iteration()) : Status::Ok(); });
      !s.ok())
    return s;
  if (!root) return Status::Ok();
  const long iteration = run->trainer->iteration();
  folder->appendEvent({.iteration = iteration, .kind = "backend", .message = run->backend});
  // The number of processes, when it is several or when it was several before.
  std::vector<RunEvent> events;
  const int before = RunFolder::ReadEvents(folder->file(RunFolder::kEventsFile), &events).ok()
                         ? RunFolder::Processes(events)
                         : 1;
  const int now = shared ? processes->size() : 1;
  if (now > 1 || before > 1) {
    RunEvent e = RunFolder::ProcessesEvent(now);
    e.iteration = iteration;
    folder->appendEvent(e);
  }
  run->folder = std::move(folder);
  return Status::Ok();
}

}  // namespace bilevel
