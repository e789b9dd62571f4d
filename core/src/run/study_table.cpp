// A study's summary: each run's final and best test PSNR from its folder, and per setting their
// mean and standard deviation over the seeds.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "base/file_util.h"
#include "bilevel/run_folder.h"
#include "bilevel/study.h"

namespace bilevel {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Mean and sample standard deviation; NaN where there are too few values.
void MeanStd(const std::vector<double>& v, double* mean, double* std_dev) {
  *mean = kNaN;
  *std_dev = kNaN;
  if (v.empty()) return;
  double sum = 0;
  for (double x : v)
    sum += x;
  *mean = sum / double(v.size());
  if (v.size() < 2) return;
  double squares = 0;
  for (double x : v)
    squares += (x - *mean) * (x - *mean);
  *std_dev = std::sqrt(squares / double(v.size() - 1));
}

std::string CsvText(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text)
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string Number(double v, const char* format) {
  if (std::isnan(v)) return "nan";
  char text[64];
  std::snprintf(text, sizeof text, format, v);
  return text;
}

}  // namespace

StudyRunResult SummarizeRun(const std::vector<IterationRecord>& log,
                            const std::vector<RunEvent>& events) {
  StudyRunResult result;
  result.final_test_psnr = kNaN;
  result.best_test_psnr = kNaN;
  for (const IterationRecord& r : log) {
    if (std::isnan(r.test_psnr)) continue;
    result.final_test_psnr = r.test_psnr;
    if (std::isnan(result.best_test_psnr) || r.test_psnr > result.best_test_psnr)
      result.best_test_psnr = r.test_psnr;
  }
  if (!log.empty()) result.computations = log.back().computations;
  // The last end of the run decides: a run continued after its budget is not finished.
  for (auto e = events.rbegin(); e != events.rend(); ++e) {
    if (e->kind == "budget" || e->kind == "diverged") {
      result.finished = true;
      break;
    }
    if (e->kind == "stop" || e->kind == "error" || e->kind == "resume") break;
  }
  const double final_psnr = RunFolder::FinalTestPsnr(events);
  if (result.finished && !std::isnan(final_psnr)) {
    result.final_test_psnr = final_psnr;
    if (std::isnan(result.best_test_psnr) || final_psnr > result.best_test_psnr)
      result.best_test_psnr = final_psnr;
  }
  return result;
}

namespace {

StudyRunRecord ReadRunRecord(const std::string& dir, const StudyRun& run) {
  const std::string folder = dir + "/" + run.folder;
  StudyRunRecord record;
  std::vector<RunEvent> events;
  if (RunFolder::IsRunFolder(folder)) {
    RunFolder::ReadLog(folder + "/" + RunFolder::kLogFile, &record.log);  // missing: not logged yet
    RunFolder::ReadEvents(folder + "/" + RunFolder::kEventsFile, &events);
  }
  record.result = SummarizeRun(record.log, events);
  return record;
}

}  // namespace

StudyRunResult ReadStudyRun(const std::string& dir, const StudyRun& run) {
  return ReadRunRecord(dir, run).result;
}

std::vector<StudyRunRecord> ReadStudyRuns(const std::string& dir, const StudySpec& spec) {
  std::vector<StudyRunRecord> records;
  for (const StudyRun& run : StudyRuns(spec))
    records.push_back(ReadRunRecord(dir, run));
  return records;
}

StudyCurve MeanTestCurve(const std::vector<std::vector<IterationRecord>>& logs, int points) {
  StudyCurve curve;
  if (logs.empty() || points < 2) return curve;
  // The span every run covers: from its first test measurement to its last iteration.
  double first = 0, last = std::numeric_limits<double>::infinity();
  for (const std::vector<IterationRecord>& log : logs) {
    const auto measured = std::find_if(
        log.begin(), log.end(), [](const IterationRecord& r) { return !std::isnan(r.test_psnr); });
    if (measured == log.end()) return curve;
    first = std::max(first, double(measured->computations));
    last = std::min(last, double(log.back().computations));
  }
  if (!(last >= first)) return curve;
  std::vector<std::size_t> at(logs.size(), 0);  // each run's next record
  std::vector<double> value(logs.size(), kNaN);
  for (int p = 0; p < points; ++p) {
    const double c = first + (last - first) * double(p) / double(points - 1);
    std::vector<double> values;
    for (std::size_t r = 0; r < logs.size(); ++r) {
      const std::vector<IterationRecord>& log = logs[r];
      for (; at[r] < log.size() && double(log[at[r]].computations) <= c; ++at[r])
        if (!std::isnan(log[at[r]].test_psnr)) value[r] = log[at[r]].test_psnr;
      values.push_back(value[r]);
    }
    double mean = 0, spread = 0;
    MeanStd(values, &mean, &spread);
    if (std::isnan(spread)) spread = 0.0;
    curve.computations.push_back(c);
    curve.mean.push_back(mean);
    curve.low.push_back(mean - spread);
    curve.high.push_back(mean + spread);
  }
  return curve;
}

StudyStep NextStudyStep(const std::string& dir, const StudyRun& run) {
  if (ReadStudyRun(dir, run).finished) return StudyStep::kDone;
  const std::string folder = dir + "/" + run.folder;
  std::error_code ec;
  if (RunFolder::IsRunFolder(folder) &&
      std::filesystem::exists(folder + "/" + RunFolder::kCheckpointFile, ec))
    return StudyStep::kResume;
  return StudyStep::kStart;
}

std::vector<StudyRow> StudyTable(const std::string& dir, const StudySpec& spec) {
  return StudyTable(spec, ReadStudyRuns(dir, spec));
}

std::vector<StudyRow> StudyTable(const StudySpec& spec,
                                 const std::vector<StudyRunRecord>& records) {
  std::vector<StudyRow> rows;
  const std::vector<StudyRun> runs = StudyRuns(spec);
  for (std::size_t first = 0; first < runs.size(); first += std::size_t(spec.seeds)) {
    StudyRow row;
    row.values = runs[first].values;
    std::vector<double> finals, bests, computations;
    for (std::size_t k = first; k < first + std::size_t(spec.seeds) && k < records.size(); ++k) {
      ++row.runs;
      const StudyRunResult& r = records[k].result;
      if (std::isnan(r.final_test_psnr)) continue;
      finals.push_back(r.final_test_psnr);
      bests.push_back(r.best_test_psnr);
      computations.push_back(double(r.computations));
    }
    row.measured = int(finals.size());
    double unused = 0;
    MeanStd(finals, &row.final_mean, &row.final_std);
    MeanStd(bests, &row.best_mean, &row.best_std);
    MeanStd(computations, &row.computations_mean, &unused);
    rows.push_back(std::move(row));
  }
  return rows;
}

Status WriteStudyTable(const std::string& path, const StudySpec& spec,
                       const std::vector<StudyRow>& rows) {
  std::string text;
  for (const StudyAxis& axis : spec.grid)
    text += CsvText(axis.field) + ",";
  text +=
      "runs,measured,final_test_psnr_mean,final_test_psnr_std,best_test_psnr_mean,"
      "best_test_psnr_std,computations_mean\n";
  for (const StudyRow& row : rows) {
    for (const std::string& v : row.values)
      text += CsvText(v) + ",";
    text += std::to_string(row.runs) + "," + std::to_string(row.measured) + "," +
            Number(row.final_mean, "%.4f") + "," + Number(row.final_std, "%.4f") + "," +
            Number(row.best_mean, "%.4f") + "," + Number(row.best_std, "%.4f") + "," +
            Number(row.computations_mean, "%.0f") + "\n";
  }
  return WriteFileAtomically(path, text);
}

}  // namespace bilevel
