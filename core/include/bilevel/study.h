// A study: one base experiment run over a grid of settings (every combination of the values of
// each grid field) and several seeds, each run recorded in its own run folder. Saved as
// study.json beside the runs' folders (docs/FORMATS.md), so that it re-opens and continues; its
// summary is a table with one row per setting: the mean and standard deviation over the seeds of
// the final and best test PSNR, and the computations.
#pragma once

#include <string>
#include <vector>

#include "bilevel/run_record.h"
#include "bilevel/status.h"
#include "bilevel/training_config.h"

namespace bilevel {

struct StudyAxis {
  std::string field;                // a config.json path ("step.initial")
  std::vector<std::string> values;  // as --set takes them
};

struct StudySpec {
  static constexpr int kVersion = 1;
  std::string name = "study";
  TrainingConfig base;  // the preset or file with its --set changes applied
  std::vector<StudyAxis> grid;
  int seeds = 1;  // runs of each setting, with seed = base.trainer.seed + 0, 1, ..., seeds - 1
};

// One run of the study: the grid values (in the order of spec.grid), its seed and its folder
// relative to the study's folder ("runs/step.initial=0.001-seed1").
struct StudyRun {
  std::vector<std::string> values;
  unsigned seed = 0;
  std::string folder;
};

// A study that ships with the program: a preset, its grid ("FIELD=V1,V2" as --grid takes them)
// and the seeds per setting.
struct BuiltInStudy {
  std::string name, description, preset;
  std::vector<std::string> grid;
  int seeds = 1;
};
const std::vector<BuiltInStudy>& BuiltInStudies();
Status MakeBuiltInStudy(const std::string& name, StudySpec* spec);

// "FIELD=V1,V2,..." as --grid takes it; the field must name a config field and each value must
// set it (checked on spec.base).
Status ParseStudyAxis(const std::string& text, const TrainingConfig& base, StudyAxis* axis);

// Checks the grid (distinct fields, at least one value each, each combination a valid config)
// and the seed count; the message names the field.
Status ValidateStudy(const StudySpec& spec);

// Every run, settings in row-major order of the grid (the last field fastest), seeds innermost.
std::vector<StudyRun> StudyRuns(const StudySpec& spec);

// The run's configuration: the base with the run's grid values and seed, named after both.
Status StudyRunConfig(const StudySpec& spec, const StudyRun& run, TrainingConfig* config);

// Whether two specs describe the same study: everything but where it computes (the base's
// backend options: device, threads) is the same.
bool SameStudy(const StudySpec& a, const StudySpec& b);

// Ok when DIR holds no study.json, or one of the same study; otherwise an error naming DIR, so
// that another study is never mixed in.
Status CheckStudyFolder(const std::string& dir, const StudySpec& spec);

// study.json: the spec (with the base config in full) and the runs' folders.
std::string StudyToJson(const StudySpec& spec);
Status SaveStudy(const std::string& dir, const StudySpec& spec);  // DIR/study.json, atomic
Status LoadStudy(const std::string& dir, StudySpec* spec);

// One setting's summary over the seeds whose run has a log with a test PSNR.
struct StudyRow {
  std::vector<std::string> values;
  int runs = 0;      // runs in the study for this setting
  int measured = 0;  // of them, runs with a test PSNR (the statistics are over these)
  double final_mean = 0, final_std = 0, best_mean = 0, best_std = 0;
  double computations_mean = 0;  // at each run's last logged iteration
};

// What one run left: its final test PSNR (the "final" event, else the last measured in the log),
// its best, and its computations; NaN PSNRs when nothing was measured.
struct StudyRunResult {
  double final_test_psnr = 0, best_test_psnr = 0;
  long computations = 0;
  bool finished = false;  // the run reached its budget ("final" event)
};
StudyRunResult SummarizeRun(const std::vector<IterationRecord>& log,
                            const std::vector<RunEvent>& events);
// Reads DIR/<run.folder>; a run not started yet gives NaN PSNRs and finished = false.
StudyRunResult ReadStudyRun(const std::string& dir, const StudyRun& run);

// A run's folder as read once: its log (empty before its first iteration) and its summary.
struct StudyRunRecord {
  std::vector<IterationRecord> log;
  StudyRunResult result;
};
// Every run of the study in DIR, in the order of StudyRuns(spec).
std::vector<StudyRunRecord> ReadStudyRuns(const std::string& dir, const StudySpec& spec);

// A setting's test PSNR against computations over its seeds: at each of `points` computations,
// evenly spaced from the first at which every run has a test PSNR to the last that every run
// reached, each run's last measurement at or before it (the log's own steps); their mean, and
// the mean minus and plus their sample standard deviation (the mean itself with one run).
struct StudyCurve {
  std::vector<double> computations, mean, low, high;
};
StudyCurve MeanTestCurve(const std::vector<std::vector<IterationRecord>>& logs, int points = 100);

// What a run of the study in DIR needs next, from its folder: nothing (it reached its budget or
// diverged), to resume from its checkpoint, or to start (its folder, if any, holds no checkpoint).
enum class StudyStep { kDone, kResume, kStart };
StudyStep NextStudyStep(const std::string& dir, const StudyRun& run);

// The table of the study in DIR, from its runs' folders. Standard deviations are the sample ones
// (n - 1); NaN with fewer than two measured runs.
std::vector<StudyRow> StudyTable(const std::string& dir, const StudySpec& spec);
// The same table from runs already read (ReadStudyRuns).
std::vector<StudyRow> StudyTable(const StudySpec& spec, const std::vector<StudyRunRecord>& runs);
// CSV: the grid fields, runs, measured, final_test_psnr_mean, final_test_psnr_std,
// best_test_psnr_mean, best_test_psnr_std, computations_mean.
Status WriteStudyTable(const std::string& path, const StudySpec& spec,
                       const std::vector<StudyRow>& rows);

}  // namespace bilevel
