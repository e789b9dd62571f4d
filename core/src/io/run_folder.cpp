#include "bilevel/run_folder.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <system_error>
#include <variant>

#include "base/file_util.h"
#include "bilevel/regularizer_io.h"
#include "io/run_folder_text.h"

namespace bilevel {

namespace fs = std::filesystem;
using run_text::DoubleText;
using run_text::Lines;
using run_text::ParseNumber;
using run_text::SplitFields;

namespace {

// The columns of log.csv, in order (docs/FORMATS.md).
struct Column {
  const char* name;
  std::variant<long IterationRecord::*, int IterationRecord::*, double IterationRecord::*> member;
};

const Column kColumns[] = {
    {"iteration", &IterationRecord::iteration},
    {"epoch", &IterationRecord::epoch},
    {"lower_iterations", &IterationRecord::lower_iterations},
    {"cg_iterations", &IterationRecord::cg_iterations},
    {"power_iterations", &IterationRecord::power_iterations},
    {"computations", &IterationRecord::computations},
    {"wall_seconds", &IterationRecord::wall_seconds},
    {"loss", &IterationRecord::loss},
    {"psnr", &IterationRecord::psnr},
    {"test_psnr", &IterationRecord::test_psnr},
    {"alpha", &IterationRecord::alpha},
    {"epsilon", &IterationRecord::epsilon},
    {"delta", &IterationRecord::delta},
    {"hypergradient_norm", &IterationRecord::hypergradient_norm},
    {"batch_size", &IterationRecord::batch_size},
    {"accepted", &IterationRecord::accepted},
    {"rejected", &IterationRecord::rejected},
    {"unconverged", &IterationRecord::unconverged},
};
// Columns that logs written before them lack: read as kNotRecorded (or an empty field, as a
// resumed older log has them).
constexpr std::string_view kLaterColumns[] = {"unconverged"};

bool IsLaterColumn(std::string_view name) {
  for (std::string_view later : kLaterColumns)
    if (name == later) return true;
  return false;
}

// The header of a log written before the later columns.
std::string EarlierHeader() {
  std::string line;
  for (const Column& column : kColumns)
    if (!IsLaterColumn(column.name)) line += std::string(line.empty() ? "" : ",") + column.name;
  return line;
}

// Cuts a file after its last newline when a crash left a partial line; says whether it did.
Status DropIncompleteLine(const std::string& path, bool* dropped) {
  *dropped = false;
  std::string text;
  if (Status s = ReadFile(path, &text); !s.ok()) return s;
  if (text.empty() || text.back() == '\n') return Status::Ok();
  const std::size_t keep = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  if (::truncate(path.c_str(), off_t(keep)) != 0)
    return Status::Error("cannot repair '" + path + "': " + ErrnoText(errno));
  *dropped = true;
  return Status::Ok();
}

}  // namespace

void RunFolder::FileCloser::operator()(std::FILE* file) const {
  if (file) std::fclose(file);
}

std::string RunFolder::file(const char* name) const {
  return (fs::path(path_) / name).string();
}

bool RunFolder::IsRunFolder(const std::string& dir) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(dir) / kConfigFile, ec);
}

std::string RunFolder::LogHeader() {
  std::string line;
  for (const Column& column : kColumns)
    line += std::string(line.empty() ? "" : ",") + column.name;
  return line;
}

std::string RunFolder::LogRow(const IterationRecord& record) {
  std::string line;
  for (const Column& column : kColumns) {
    if (&column != &kColumns[0]) line += ',';
    std::visit(
        [&](auto member) {
          const auto value = record.*member;
          if constexpr (std::is_floating_point_v<decltype(value)>) {
            // NaN: an empty test_psnr (not measured); elsewhere "nan", which reads back.
            if (!std::isnan(value))
              line += DoubleText(value);
            else if (std::string_view(column.name) != "test_psnr")
              line += "nan";
          } else {
            line += std::to_string(value);
          }
        },
        column.member);
  }
  return line;
}

Status RunFolder::openAppend(const char* name, File* file) const {
  const std::string path = this->file(name);
  std::FILE* f = std::fopen(path.c_str(), "ae");
  if (!f) return Status::Error("cannot open '" + path + "' for appending: " + ErrnoText(errno));
  file->reset(f);
  return Status::Ok();
}

Status RunFolder::appendLine(std::FILE* file, const char* name, const std::string& line) {
  if (!file) return Status::Error("the run folder is not open");
  errno = 0;
  const bool ok = std::fputs(line.c_str(), file) >= 0 && std::fputc('\n', file) != EOF &&
                  std::fflush(file) == 0;
  if (!ok) {
    const int error = errno ? errno : EIO;
    std::clearerr(file);
    return Status::Error("cannot append to '" + this->file(name) + "': " + ErrnoText(error));
  }
  return Status::Ok();
}

Status RunFolder::Create(const std::string& dir, std::string_view config_json, RunFolder* out,
                         bool overwrite) {
  if (!out) return Status::Error("RunFolder::Create: no output given");
  if (dir.empty()) return Status::Error("cannot create a run folder: the path is empty");
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(status))
      return Status::Error("cannot create run folder '" + dir + "': it exists and is not a folder");
    const bool empty = fs::is_empty(dir, ec);
    if (ec) return Status::Error("cannot read folder '" + dir + "': " + ec.message());
    if (!empty && !overwrite)
      return Status::Error(
          IsRunFolder(dir)
              ? "'" + dir + "' already holds a run; open it to continue, or overwrite it"
              : "'" + dir +
                    "' is not empty and holds no run; choose a new or empty folder, or "
                    "overwrite");
  } else {
    fs::create_directories(dir, ec);
    if (ec) return Status::Error("cannot create folder '" + dir + "': " + ec.message());
  }
  RunFolder folder;
  folder.path_ = dir;
  for (const char* name : {kCheckpointFile, kRegularizerJsonFile, kRegularizerNpzFile}) {
    fs::remove(folder.file(name), ec);
    if (ec) return Status::Error("cannot remove '" + folder.file(name) + "': " + ec.message());
  }
  for (const auto& [computations, path] : Snapshots(dir)) {
    fs::remove(path, ec);
    if (ec) return Status::Error("cannot remove '" + path + "': " + ec.message());
  }
  if (Status s = folder.writeConfig(config_json); !s.ok()) return s;
  if (Status s = WriteFileAtomically(folder.file(kLogFile), LogHeader() + "\n"); !s.ok()) return s;
  if (Status s = WriteFileAtomically(folder.file(kEventsFile), ""); !s.ok()) return s;
  if (Status s = folder.openAppend(kLogFile, &folder.log_); !s.ok()) return s;
  if (Status s = folder.openAppend(kEventsFile, &folder.events_); !s.ok()) return s;
  *out = std::move(folder);
  return Status::Ok();
}

Status RunFolder::Open(const std::string& dir, RunFolder* out, std::vector<std::string>* warnings) {
  if (!out) return Status::Error("RunFolder::Open: no output given");
  if (!IsRunFolder(dir)) return Status::Error("'" + dir + "' is not a run folder (no config.json)");
  RunFolder folder;
  folder.path_ = dir;
  std::vector<std::string> found;

  const std::string log = folder.file(kLogFile);
  std::error_code ec;
  if (fs::exists(log, ec)) {
    bool dropped = false;
    if (Status s = DropIncompleteLine(log, &dropped); !s.ok()) return s;
    if (dropped) found.push_back("'" + log + "': dropped an incomplete last line");
    std::string text;
    if (Status s = ReadFile(log, &text); !s.ok()) return s;
    const auto lines = Lines(text, nullptr);
    if (lines.empty()) {
      if (Status s = WriteFileAtomically(log, LogHeader() + "\n"); !s.ok()) return s;
    } else if (lines[0] == EarlierHeader()) {
      // An older log: the later columns are added, empty (not recorded) in its rows.
      std::string upgraded = LogHeader() + "\n";
      const std::string empty(std::size(kLaterColumns), ',');
      for (std::size_t l = 1; l < lines.size(); ++l)
        if (!lines[l].empty()) upgraded += std::string(lines[l]) + empty + "\n";
      if (Status s = WriteFileAtomically(log, upgraded); !s.ok()) return s;
    } else if (lines[0] != LogHeader()) {
      return Status::Error("'" + log + "' has an unexpected header; expected " + LogHeader());
    }
  } else if (Status s = WriteFileAtomically(log, LogHeader() + "\n"); !s.ok()) {
    return s;
  }
  const std::string events = folder.file(kEventsFile);
  if (fs::exists(events, ec)) {
    bool dropped = false;
    if (Status s = DropIncompleteLine(events, &dropped); !s.ok()) return s;
    if (dropped) found.push_back("'" + events + "': dropped an incomplete last line");
  }
  if (Status s = folder.openAppend(kLogFile, &folder.log_); !s.ok()) return s;
  if (Status s = folder.openAppend(kEventsFile, &folder.events_); !s.ok()) return s;
  *out = std::move(folder);
  if (warnings) warnings->insert(warnings->end(), found.begin(), found.end());
  return Status::Ok();
}

Status RunFolder::writeConfig(std::string_view config_json) {
  if (path_.empty()) return Status::Error("the run folder is not open");
  return WriteFileAtomically(file(kConfigFile), std::string(config_json));
}

Status RunFolder::appendRecord(const IterationRecord& record) {
  return appendLine(log_.get(), kLogFile, LogRow(record));
}

Status RunFolder::appendEvent(const RunEvent& event) {
  return appendLine(events_.get(), kEventsFile, RunEventToJson(event));
}

Status RunFolder::writeRegularizer(const RegularizerSettings& config,
                                   const Eigen::VectorXd& theta) {
  if (path_.empty()) return Status::Error("the run folder is not open");
  if (Status s = WriteRegularizerJson(file(kRegularizerJsonFile), config, theta); !s.ok()) return s;
  return WriteRegularizerNpz(file(kRegularizerNpzFile), config, theta);
}

Status RunFolder::writeSnapshot(long computations, const RegularizerSettings& config,
                                const Eigen::VectorXd& theta) {
  if (path_.empty()) return Status::Error("the run folder is not open");
  const std::string dir = file(kSnapshotFolder);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::Error("cannot create folder '" + dir + "': " + ec.message());
  return WriteRegularizerJson(dir + "/regularizer-" + std::to_string(computations) + ".json",
                              config, theta);
}

std::vector<std::pair<long, std::string>> RunFolder::Snapshots(const std::string& dir) {
  std::vector<std::pair<long, std::string>> found;
  std::error_code ec;
  const fs::path folder = fs::path(dir) / kSnapshotFolder;
  if (!fs::is_directory(folder, ec)) return found;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    constexpr std::string_view prefix = "regularizer-", suffix = ".json";
    if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) ||
        !name.ends_with(suffix))
      continue;
    const std::string_view digits(name.data() + prefix.size(),
                                  name.size() - prefix.size() - suffix.size());
    long computations = 0;
    const auto [end_ptr, error] =
        std::from_chars(digits.data(), digits.data() + digits.size(), computations);
    if (error != std::errc() || end_ptr != digits.data() + digits.size()) continue;
    found.emplace_back(computations, it->path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

Status RunFolder::writeCheckpoint(const NpyArrays& arrays) {
  if (path_.empty()) return Status::Error("the run folder is not open");
  return WriteNpz(file(kCheckpointFile), arrays);
}

Status RunFolder::writeCheckpoint(const NpyViews& arrays) {
  if (path_.empty()) return Status::Error("the run folder is not open");
  return WriteNpzViews(file(kCheckpointFile), arrays);
}

Status RunFolder::readCheckpoint(NpyArrays* arrays) const {
  if (path_.empty()) return Status::Error("the run folder is not open");
  if (!hasCheckpoint()) return Status::Error("'" + path_ + "' has no checkpoint");
  return ReadNpz(file(kCheckpointFile), arrays);
}

bool RunFolder::hasCheckpoint() const {
  std::error_code ec;
  return !path_.empty() && fs::is_regular_file(file(kCheckpointFile), ec);
}

Status RunFolder::truncateLog(long last_iteration) {
  if (!log_) return Status::Error("the run folder is not open");
  const std::string path = file(kLogFile);
  std::string text;
  if (Status s = ReadFile(path, &text); !s.ok()) return s;
  const auto lines = Lines(text, nullptr);
  std::string kept = LogHeader() + "\n";
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    long iteration = 0;
    if (!ParseNumber(lines[i].substr(0, lines[i].find(',')), &iteration))
      return Status::Error("'" + path + "' line " + std::to_string(i + 1) +
                           ": the iteration is not an integer");
    if (iteration <= last_iteration) kept.append(lines[i]).append("\n");
  }
  log_.reset();
  Status written = WriteFileAtomically(path, kept);
  if (Status s = openAppend(kLogFile, &log_); !s.ok()) return s;
  return written;
}

Status RunFolder::ReadLog(const std::string& csv_path, std::vector<IterationRecord>* records) {
  if (!records) return Status::Error("RunFolder::ReadLog: no output given");
  std::string text;
  if (Status s = ReadFile(csv_path, &text); !s.ok()) return s;
  const auto lines = Lines(text, nullptr);
  if (lines.empty()) return Status::Error("'" + csv_path + "' has no header row");
  const auto names = SplitFields(lines[0]);
  std::vector<int> where;  // per column of kColumns: its index in the file
  for (const Column& column : kColumns) {
    int index = -1;
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == column.name) index = int(i);
    if (index < 0 && !IsLaterColumn(column.name))
      return Status::Error("'" + csv_path + "' has no column '" + column.name + "'");
    where.push_back(index);
  }
  std::vector<IterationRecord> out;
  for (std::size_t l = 1; l < lines.size(); ++l) {
    if (lines[l].empty()) continue;
    const auto fields = SplitFields(lines[l]);
    const std::string at = "'" + csv_path + "' line " + std::to_string(l + 1);
    if (fields.size() != names.size())
      return Status::Error(at + ": " + std::to_string(fields.size()) + " fields, the header has " +
                           std::to_string(names.size()));
    IterationRecord record;
    for (std::size_t c = 0; c < std::size(kColumns); ++c) {
      const std::string_view field = where[c] < 0 ? std::string_view() : fields[where[c]];
      if (field.empty() && IsLaterColumn(kColumns[c].name)) {
        std::visit([&](auto member) { record.*member = kNotRecorded; }, kColumns[c].member);
        continue;
      }
      const bool ok = std::visit([&](auto member) { return ParseNumber(field, &(record.*member)); },
                                 kColumns[c].member);
      if (!ok)
        return Status::Error(at + ": " + kColumns[c].name + " is not a number: '" +
                             std::string(field) + "'");
    }
    out.push_back(record);
  }
  *records = std::move(out);
  return Status::Ok();
}

Status RunFolder::ReadEvents(const std::string& path, std::vector<RunEvent>* events) {
  if (!events) return Status::Error("RunFolder::ReadEvents: no output given");
  std::string text;
  if (Status s = ReadFile(path, &text); !s.ok()) return s;
  std::vector<RunEvent> out;
  const auto lines = Lines(text, nullptr);
  for (std::size_t l = 0; l < lines.size(); ++l) {
    if (lines[l].empty()) continue;
    RunEvent event;
    if (Status s = RunEventFromJson(lines[l], &event); !s.ok())
      return Status::Error("'" + path + "' line " + std::to_string(l + 1) + ": " + s.message());
    out.push_back(std::move(event));
  }
  *events = std::move(out);
  return Status::Ok();
}

const IterationRecord* RunFolder::SnapshotRecord(const std::vector<IterationRecord>& log,
                                                 long budget) {
  if (budget <= 0) return nullptr;
  const auto it = std::find_if(log.begin(), log.end(), [budget](const IterationRecord& r) {
    return r.computations >= budget;
  });
  return it == log.end() ? nullptr : &*it;
}

Status RunFolder::AppendEvent(const std::string& dir, const RunEvent& event) {
  if (!IsRunFolder(dir)) return Status::Error("'" + dir + "' is not a run folder");
  RunFolder folder;
  folder.path_ = dir;
  if (Status s = folder.openAppend(kEventsFile, &folder.events_); !s.ok()) return s;
  return folder.appendEvent(event);
}

}  // namespace bilevel
