// A run folder (DESIGN.md section 7, docs/FORMATS.md): config.json, log.csv (one row per upper
// iteration), events.jsonl (one JSON object per line), checkpoint.npz, regularizer.json and
// regularizer.npz. Whole files are written atomically; log.csv and events.jsonl stay open for
// appending and are flushed after every line, so a crash loses at most the line being written.
// Not thread-safe: one thread writes a run folder.
#pragma once

#include <Eigen/Core>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bilevel/npy.h"
#include "bilevel/regularizer_settings.h"
#include "bilevel/run_record.h"
#include "bilevel/status.h"

namespace bilevel {

// One line of events.jsonl (no newline): {"iteration":..,"wall_seconds":..,"kind":..,
// "field":..,"value":..,"message":..}; field and value only when set.
std::string RunEventToJson(const RunEvent& event);
Status RunEventFromJson(std::string_view line, RunEvent* event);

class RunFolder {
 public:
  static constexpr const char* kConfigFile = "config.json";
  static constexpr const char* kLogFile = "log.csv";
  static constexpr const char* kEventsFile = "events.jsonl";
  static constexpr const char* kCheckpointFile = "checkpoint.npz";
  static constexpr const char* kRegularizerJsonFile = "regularizer.json";
  static constexpr const char* kRegularizerNpzFile = "regularizer.npz";
  static constexpr const char* kSnapshotFolder = "snapshots";

  RunFolder() = default;

  // Creates dir (and its parents) with config.json, an empty log (header row only) and an empty
  // events.jsonl. A folder that exists and is not empty is refused unless overwrite is true; then
  // the run files above are replaced (a stale checkpoint and regularizer removed) and other files
  // are left alone. config_json is the text of config.json (ConfigToJson, run/).
  static Status Create(const std::string& dir, std::string_view config_json, RunFolder* out,
                       bool overwrite = false);
  // Opens an existing run to continue it: opens the log and events for appending (the caller
  // reads config.json). An incomplete last line (a crash while writing) is dropped, with a
  // warning in *warnings (may be null).
  static Status Open(const std::string& dir, RunFolder* out, std::vector<std::string>* warnings);
  // True when dir holds a config.json.
  static bool IsRunFolder(const std::string& dir);

  bool isOpen() const { return log_ != nullptr; }
  const std::string& path() const { return path_; }
  std::string file(const char* name) const;  // path() + "/" + name

  Status writeConfig(std::string_view config_json);  // replaces config.json (atomic)
  Status appendRecord(const IterationRecord& record);
  Status appendEvent(const RunEvent& event);
  // regularizer.json and regularizer.npz, each atomically.
  Status writeRegularizer(const RegularizerSettings& settings, const Eigen::VectorXd& theta);
  // snapshots/regularizer-<computations>.json (atomic), the folder created when missing.
  Status writeSnapshot(long computations, const RegularizerSettings& settings,
                       const Eigen::VectorXd& theta);
  // The snapshots of the run folder dir, by ascending budget: (computations, file path).
  static std::vector<std::pair<long, std::string>> Snapshots(const std::string& dir);
  // The log row of the iteration that wrote the snapshot at budget C: the first row with at least
  // C computations. Null for C <= 0 (the starting parameters) and when the log does not reach C.
  static const IterationRecord* SnapshotRecord(const std::vector<IterationRecord>& log,
                                               long budget);
  Status writeCheckpoint(const NpyArrays& arrays);  // checkpoint.npz (atomic)
  Status writeCheckpoint(const NpyViews& arrays);   // the same, the values not copied
  Status readCheckpoint(NpyArrays* arrays) const;
  bool hasCheckpoint() const;
  // Drops the log rows with iteration > last_iteration (resuming from a checkpoint).
  Status truncateLog(long last_iteration);

  // The log.csv header line and one row (no newline). Doubles are written in the shortest form
  // that reads back to the same value; test_psnr is empty when NaN.
  static std::string LogHeader();
  static std::string LogRow(const IterationRecord& record);
  // Reads a log.csv by its header's column names. An incomplete last line is ignored.
  static Status ReadLog(const std::string& csv_path, std::vector<IterationRecord>* records);
  static Status ReadEvents(const std::string& path, std::vector<RunEvent>* events);
  // The "initial" event of a new run: the test PSNR of the starting regularizer, so that test PSNR
  // curves can start at zero computations (field "test_psnr", value in the shortest exact form).
  static RunEvent InitialEvent(double test_psnr);
  // The test PSNR of the first "initial" event; NaN when the run recorded none.
  static double InitialTestPsnr(const std::vector<RunEvent>& events);
  // Appends one event to the events.jsonl of a run folder that no RunFolder has open for writing
  // (a closed run, e.g. to record its display name).
  static Status AppendEvent(const std::string& dir, const RunEvent& event);
  // The "ranks" event of a data-parallel run (mpirun): how many processes computed it from then
  // on (field "ranks", value the number). Written when the run starts with several processes and
  // when it resumes with several, or with one after several.
  static RunEvent ProcessesEvent(int processes);
  // The number of processes of the last "ranks" event; 1 when there is none.
  static int Processes(const std::vector<RunEvent>& events);
  // The display name of the last "name" event (the application's run list); empty when none.
  static std::string DisplayName(const std::vector<RunEvent>& events);
  // The "final" event of a run that reached its budget: the test PSNR of its final regularizer
  // (field "test_psnr"), measured when no test evaluation fell on the last iteration.
  static RunEvent FinalEvent(double test_psnr);
  // The test PSNR of the last "final" event; NaN when there is none.
  static double FinalTestPsnr(const std::vector<RunEvent>& events);

 private:
  struct FileCloser {
    void operator()(std::FILE* file) const;
  };
  using File = std::unique_ptr<std::FILE, FileCloser>;
  Status openAppend(const char* name, File* file) const;
  Status appendLine(std::FILE* file, const char* name, const std::string& line);

  std::string path_;
  File log_;
  File events_;
};

}  // namespace bilevel
