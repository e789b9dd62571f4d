// A study's grid, its runs and their configurations, and study.json.
#include "bilevel/study.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "base/file_util.h"
#include "bilevel/config_json.h"
#include "bilevel/presets.h"

namespace bilevel {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kStudyFile = "study.json";

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? comma : comma - start);
    const auto first = part.find_first_not_of(" \t");
    const auto last = part.find_last_not_of(" \t");
    parts.push_back(first == std::string::npos ? "" : part.substr(first, last - first + 1));
    if (comma == std::string::npos) return parts;
    start = comma + 1;
  }
}

// A name safe in a folder name: letters, digits and . _ - = kept, the rest '-'.
std::string FolderSafe(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-' || c == '=';
    out += keep ? c : '-';
  }
  return out;
}

}  // namespace

const std::vector<BuiltInStudy>& BuiltInStudies() {
  static const std::vector<BuiltInStudy> studies = {
      {"schedules",
       "The follow-up paper's question on the convex ridge regularizer: constant against "
       "decreasing step sizes (alpha_0 / sqrt(k+1)) and accuracies (eps_0 / sqrt(k+1)), three "
       "seeds each",
       "crr-denoise-isgd",
       {"step.kind=constant,polynomial", "accuracy.kind=constant,polynomial"},
       3},
  };
  return studies;
}

Status MakeBuiltInStudy(const std::string& name, StudySpec* spec) {
  for (const BuiltInStudy& b : BuiltInStudies()) {
    if (b.name != name) continue;
    StudySpec made;
    made.name = b.name;
    made.seeds = b.seeds;
    if (Status s = LoadPreset(b.preset, &made.base); !s.ok()) return s;
    for (const std::string& text : b.grid) {
      StudyAxis axis;
      if (Status s = ParseStudyAxis(text, made.base, &axis); !s.ok()) return s;
      made.grid.push_back(std::move(axis));
    }
    *spec = std::move(made);
    return ValidateStudy(*spec);
  }
  std::string names;
  for (const BuiltInStudy& b : BuiltInStudies())
    names += (names.empty() ? "" : ", ") + b.name;
  return Status::Error("no built-in study '" + name + "' (there are: " + names + ")");
}

Status ParseStudyAxis(const std::string& text, const TrainingConfig& base, StudyAxis* axis) {
  const std::size_t eq = text.find('=');
  if (eq == 0 || eq == std::string::npos)
    return Status::Error("--grid expects FIELD=V1,V2,..., got '" + text + "'");
  StudyAxis read;
  read.field = text.substr(0, eq);
  read.values = SplitList(text.substr(eq + 1));
  for (const std::string& v : read.values) {
    if (v.empty()) return Status::Error("--grid " + text + ": an empty value");
    TrainingConfig probe = base;
    if (Status s = SetConfigField(&probe, read.field, v); !s.ok())
      return Status::Error("--grid " + text + ": " + s.message());
  }
  *axis = std::move(read);
  return Status::Ok();
}

Status ValidateStudy(const StudySpec& spec) {
  if (spec.name.empty()) return Status::Error("the study needs a name");
  if (spec.seeds < 1 || spec.seeds > 1000)
    return Status::Error("seeds must be in [1, 1000], got " + std::to_string(spec.seeds));
  std::set<std::string> fields;
  for (const StudyAxis& axis : spec.grid) {
    if (axis.values.empty()) return Status::Error("grid field " + axis.field + " has no values");
    if (!fields.insert(axis.field).second)
      return Status::Error("grid field " + axis.field + " is given twice");
    if (axis.field == "seed")
      return Status::Error("the seeds are the study's --seeds, not a grid field");
  }
  for (const StudyRun& run : StudyRuns(spec)) {
    TrainingConfig config;
    if (Status s = StudyRunConfig(spec, run, &config); !s.ok()) return s;
  }
  return Status::Ok();
}

std::vector<StudyRun> StudyRuns(const StudySpec& spec) {
  std::vector<StudyRun> runs;
  std::size_t settings = 1;
  for (const StudyAxis& axis : spec.grid)
    settings *= axis.values.size();
  for (std::size_t index = 0; index < settings; ++index) {
    // Row-major: the last field varies fastest.
    std::vector<std::string> values(spec.grid.size());
    std::size_t rest = index;
    std::string label;
    for (std::size_t a = spec.grid.size(); a-- > 0;) {
      const StudyAxis& axis = spec.grid[a];
      values[a] = axis.values[rest % axis.values.size()];
      rest /= axis.values.size();
    }
    for (std::size_t a = 0; a < spec.grid.size(); ++a)
      label += (a ? "_" : "") + FolderSafe(spec.grid[a].field + "=" + values[a]);
    for (int k = 0; k < spec.seeds; ++k) {
      StudyRun run;
      run.values = values;
      run.seed = spec.base.trainer.seed + unsigned(k);
      run.folder = "runs/" + (label.empty() ? "" : label + "-") + "seed" + std::to_string(run.seed);
      runs.push_back(std::move(run));
    }
  }
  return runs;
}

Status StudyRunConfig(const StudySpec& spec, const StudyRun& run, TrainingConfig* config) {
  TrainingConfig c = spec.base;
  if (run.values.size() != spec.grid.size())
    return Status::Error("a study run has " + std::to_string(run.values.size()) +
                         " grid values for " + std::to_string(spec.grid.size()) + " fields");
  std::string setting;
  for (std::size_t a = 0; a < spec.grid.size(); ++a) {
    if (Status s = SetConfigField(&c, spec.grid[a].field, run.values[a]); !s.ok())
      return Status::Error("grid " + spec.grid[a].field + "=" + run.values[a] + ": " + s.message());
    setting += (a ? ", " : "") + spec.grid[a].field + "=" + run.values[a];
  }
  c.trainer.seed = run.seed;
  c.name = spec.name + (setting.empty() ? "" : " " + setting) + " seed " + std::to_string(run.seed);
  c.description = "study " + spec.name + ": " + (setting.empty() ? "base" : setting) + ", seed " +
                  std::to_string(run.seed) + "; " + spec.base.description;
  if (Status s = c.validate(); !s.ok())
    return Status::Error("the setting " + (setting.empty() ? "base" : setting) + ": " +
                         s.message());
  *config = std::move(c);
  return Status::Ok();
}

std::string StudyToJson(const StudySpec& spec) {
  Json root;
  root["version"] = StudySpec::kVersion;
  root["name"] = spec.name;
  root["seeds"] = spec.seeds;
  Json grid = Json::array();
  for (const StudyAxis& axis : spec.grid)
    grid.push_back({{"field", axis.field}, {"values", axis.values}});
  root["grid"] = grid;
  Json runs = Json::array();
  for (const StudyRun& run : StudyRuns(spec))
    runs.push_back({{"values", run.values}, {"seed", run.seed}, {"folder", run.folder}});
  root["runs"] = runs;
  root["base"] = Json::parse(ConfigToJson(spec.base));
  return root.dump(2) + "\n";
}

bool SameStudy(const StudySpec& a, const StudySpec& b) {
  StudySpec same_backend = a;
  same_backend.base.backend = b.base.backend;
  return StudyToJson(same_backend) == StudyToJson(b);
}

Status CheckStudyFolder(const std::string& dir, const StudySpec& spec) {
  std::error_code ec;
  if (!std::filesystem::exists(dir + "/" + kStudyFile, ec)) return Status::Ok();
  StudySpec stored;
  if (Status s = LoadStudy(dir, &stored); !s.ok()) return s;
  if (!SameStudy(stored, spec))
    return Status::Error(dir +
                         " holds another study (its study.json differs): choose another "
                         "folder, or remove it");
  return Status::Ok();
}

Status SaveStudy(const std::string& dir, const StudySpec& spec) {
  if (Status s = ValidateStudy(spec); !s.ok()) return s;
  return WriteFileAtomically(dir + "/" + kStudyFile, StudyToJson(spec));
}

Status LoadStudy(const std::string& dir, StudySpec* spec) {
  const std::string path = dir + "/" + kStudyFile;
  std::string text;
  if (Status s = ReadFile(path, &text); !s.ok()) return s;
  const Json root = Json::parse(text, nullptr, false);
  if (root.is_discarded() || !root.is_object())
    return Status::Error("'" + path + "' is not a JSON object");
  StudySpec read;
  try {
    if (root.at("version").get<int>() != StudySpec::kVersion)
      return Status::Error("'" + path + "': version must be " +
                           std::to_string(StudySpec::kVersion));
    read.name = root.at("name").get<std::string>();
    read.seeds = root.at("seeds").get<int>();
    for (const Json& axis : root.at("grid"))
      read.grid.push_back(
          {axis.at("field").get<std::string>(), axis.at("values").get<std::vector<std::string>>()});
    if (Status s = ConfigFromJson(root.at("base").dump(), &read.base, nullptr); !s.ok())
      return Status::Error("'" + path + "': base: " + s.message());
  } catch (const nlohmann::json::exception& e) {
    return Status::Error("'" + path + "': " + e.what());
  }
  if (Status s = ValidateStudy(read); !s.ok())
    return Status::Error("'" + path + "': " + s.message());
  *spec = std::move(read);
  return Status::Ok();
}

}  // namespace bilevel
