#include "run_problem.h"

#include <cstdio>
#include <cstdlib>

#include "bilevel/config_json.h"
#include "bilevel/regularizer_io.h"
#include "bilevel/run_folder.h"

namespace cli {

bilevel::Status LoadRunProblem(const std::string& dir, const std::string& device,
                               bool measure_initial_test, RunProblem* out) {
  using bilevel::RunFolder;
  using bilevel::Status;
  if (!RunFolder::IsRunFolder(dir)) return Status::Error("'" + dir + "' is not a run folder");
  bilevel::TrainingConfig config;
  std::vector<std::string> warnings;
  if (Status s = bilevel::LoadConfigFile(dir + "/" + RunFolder::kConfigFile, &config, &warnings);
      !s.ok())
    return s;
  if (!device.empty()) {
    const auto preference = bilevel::DevicePreferenceFromString(device);
    if (!preference) return Status::Error("--device takes auto, cpu or cuda, got '" + device + "'");
    config.backend.device = *preference;
  }
  RunProblem run;
  run.dir = dir;
  bilevel::RegularizerSettings read;
  const std::string reg = dir + "/" + RunFolder::kRegularizerJsonFile;
  if (Status s = bilevel::ReadRegularizerJson(reg, &read, &run.theta); !s.ok()) return s;
  if (read.type != config.regularizer.type || read.fields != config.regularizer.fields)
    return Status::Error("'" + reg + "' does not fit the regularizer of its config.json");
  if (Status s = RunFolder::ReadLog(dir + "/" + RunFolder::kLogFile, &run.log); !s.ok()) return s;
  std::vector<bilevel::RunEvent> events;
  if (RunFolder::ReadEvents(dir + "/" + RunFolder::kEventsFile, &events).ok())
    for (const bilevel::RunEvent& e : events)
      if (e.kind == "backend") run.trained_on = e.message;
  run.snapshots = RunFolder::Snapshots(dir);
  bilevel::PrepareOptions options;
  options.measure_initial_test = measure_initial_test;
  if (Status s = bilevel::PrepareRun(config, options, &run.prepared); !s.ok())
    return Status::Error("cannot rebuild the problem of '" + dir + "': " + s.message());
  *out = std::move(run);
  return Status::Ok();
}

std::string CompactCount(long count) {
  char text[32];
  const auto shorten = [&](double value, const char* suffix) {
    std::snprintf(text, sizeof text, "%.3g%s", value, suffix);
    return std::string(text);
  };
  if (std::labs(count) >= 1000000) return shorten(count / 1e6, "M");
  if (std::labs(count) >= 1000) return shorten(count / 1e3, "k");
  return std::to_string(count);
}

}  // namespace cli
