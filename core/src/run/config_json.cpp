// The JSON form of TrainingConfig. One list of fields (VisitFields) drives writing, reading,
// the field paths and the live knobs, so they cannot drift apart.
#include "bilevel/config_json.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <type_traits>
#include <utility>

#include "base/file_util.h"
#include "io/json_read.h"
#include "io/setting_json.h"
#include "run/config_enums.h"

namespace bilevel {

namespace {

using namespace json;
using json::Read;  // overloaded below for enums, lists and regularizer fields

// Every field of the configuration with its dotted path, in file order. Config is
// TrainingConfig or const TrainingConfig; visit(path, field) is called for each field.
template <typename Config, typename Visitor>
void VisitFields(Config& c, Visitor& visit) {
  visit("version", c.version);
  visit("name", c.name);
  visit("description", c.description);
  visit("dataset.format", c.dataset.format);
  visit("dataset.path", c.dataset.folder);  // also read as dataset.folder (kAliases)
  visit("dataset.test_path", c.dataset.test_folder);
  visit("dataset.color", c.dataset.color);
  visit("dataset.whole_images", c.dataset.whole_images);
  visit("dataset.patch_size", c.dataset.patch_size);
  visit("dataset.patches_per_image", c.dataset.patches_per_image);
  visit("dataset.stride", c.dataset.stride);
  visit("dataset.scale", c.dataset.scale);
  visit("dataset.image_side", c.dataset.image_side);
  visit("dataset.test_fraction", c.dataset.test_fraction);
  visit("dataset.split", c.dataset.split);
  visit("dataset.max_images", c.dataset.max_images);
  visit("dataset.max_test_images", c.dataset.max_test_images);
  visit("dataset.max_train_patches", c.dataset.max_train_patches);
  visit("dataset.max_test_patches", c.dataset.max_test_patches);
  visit("dataset.seed", c.dataset.seed);
  visit("problem.operator", c.problem.kind);
  visit("problem.noise_sigma", c.problem.noise_sigma);
  visit("problem.blur.size", c.problem.blur.size);
  visit("problem.blur.sigma", c.problem.blur.sigma);
  visit("problem.blur.boundary", c.problem.blur.boundary);
  visit("problem.keep_fraction", c.problem.keep_fraction);
  visit("problem.mu0", c.inner.mu0);
  visit("problem.seed", c.problem.seed);
  // The regularizer's own fields, those of its type (regularizer_registry.h).
  visit("regularizer.type", c.regularizer.type);
  for (auto& f : c.regularizer.fields)
    visit(("regularizer." + f.name).c_str(), f);
  for (auto& f : c.regularizer.init)
    visit(("init." + f.name).c_str(), f);
  visit("method", c.trainer.method);
  visit("batch_size", c.knobs.batch_size);
  visit("step.kind", c.knobs.step.kind);
  visit("step.initial", c.knobs.step.initial);
  visit("step.exponent", c.knobs.step.exponent);
  visit("accuracy.kind", c.knobs.accuracy.kind);
  visit("accuracy.initial", c.knobs.accuracy.initial);
  visit("accuracy.exponent", c.knobs.accuracy.exponent);
  visit("delta.rule", c.knobs.delta.rule);
  visit("delta.value", c.knobs.delta.value);
  visit("adam.beta1", c.trainer.adam.beta1);
  visit("adam.beta2", c.trainer.adam.beta2);
  visit("adam.epsilon", c.trainer.adam.epsilon);
  visit("maid.step", c.trainer.maid.step);
  visit("maid.epsilon", c.trainer.maid.epsilon);
  visit("maid.delta", c.trainer.maid.delta);
  visit("maid.rho", c.trainer.maid.rho);
  visit("maid.nu_low", c.trainer.maid.nu_low);
  visit("maid.nu_high", c.trainer.maid.nu_high);
  visit("maid.step_growth", c.trainer.maid.step_growth);
  visit("maid.eta", c.trainer.maid.eta);
  visit("maid.max_backtracks", c.trainer.maid.max_backtracks);
  visit("maid.lipschitz_g", c.trainer.maid.lipschitz_g);
  visit("maid.min_epsilon", c.trainer.maid.min_epsilon);
  visit("budget.computations", c.trainer.budget.computations);
  visit("budget.epochs", c.trainer.budget.epochs);
  visit("budget.wall_seconds", c.trainer.budget.wall_seconds);
  visit("budget.iterations", c.trainer.budget.iterations);
  visit("lower_max_iterations", c.inner.lower_max_iterations);
  visit("cg_max_iterations", c.inner.cg_max_iterations);
  visit("power_iterations", c.inner.power_iterations);
  visit("test_accuracy", c.trainer.test_accuracy);
  visit("test_interval", c.trainer.test_interval);
  visit("checkpoint_interval", c.checkpoint_interval);
  visit("snapshots", c.snapshots);
  visit("seed", c.trainer.seed);
  visit("device", c.backend.device);
  visit("allow_cpu_fallback", c.backend.allow_cpu_fallback);
  visit("threads", c.backend.threads);
}

// A regularizer field: of the kind its type declares (the default held in *out).
Status Read(const Json& node, const std::string& path, SettingValue* out) {
  return std::visit(
      [&](auto& current) -> Status {
        using V = std::decay_t<decltype(current)>;
        V value = current;
        if (Status s = Read(node, path, &value); !s.ok()) return s;
        *out = std::move(value);
        return Status::Ok();
      },
      *out);
}

// A regularizer field as its type declares it: an integer list also from a JSON array.
Status Read(const Json& node, const std::string& path, Setting* out) {
  if (!out->integer_list || !node.is_array()) {
    if (Status s = Read(node, path, &out->value); !s.ok()) return s;
    NormalizeIntegerList(out);
    return Status::Ok();
  }
  std::string text;
  if (!IntegerListFromJson(node, &text))
    return WrongValue(path, "a non-empty list of integers", node);
  out->value = text;
  return Status::Ok();
}

template <typename E>
requires std::is_enum_v<E> Status Read(const Json& node, const std::string& path, E* out) {
  std::string choices;
  for (E e : EnumValues<E>::kAll)
    choices += std::string(choices.empty() ? "" : ", ") + "\"" + ToString(e) + "\"";
  if (!node.is_string()) return WrongValue(path, "one of " + choices, node);
  const auto parsed = EnumValues<E>::Parse(node.get<std::string>());
  if (!parsed) return WrongValue(path, "one of " + choices, node);
  *out = *parsed;
  return Status::Ok();
}

// A list of integers, such as the snapshot budgets.
template <typename T>
requires std::is_integral_v<T> Status Read(const Json& node, const std::string& path,
                                           std::vector<T>* out) {
  if (!node.is_array()) return WrongValue(path, "a list of integers", node);
  std::vector<T> values(node.size());
  for (std::size_t i = 0; i < node.size(); ++i)
    if (Status s = Read(node[i], path + "[" + std::to_string(i) + "]", &values[i]); !s.ok())
      return s;
  *out = std::move(values);
  return Status::Ok();
}

template <typename T>
Json Write(const T& value) {
  if constexpr (std::is_same_v<T, Setting>)
    return SettingJson(value);
  else if constexpr (std::is_enum_v<T>)
    return Json(ToString(value));
  else
    return Json(value);
}

struct Writer {
  Json root = Json::object();
  template <typename T>
  void operator()(const char* path, const T& value) {
    Slot(root, path) = Write(value);
  }
};

// Reads the fields present in root; stops at the first error.
struct Reader {
  const Json& root;
  Status status;
  template <typename T>
  void operator()(const char* path, T& value) {
    if (!status.ok()) return;
    if (const Json* node = Find(root, path)) status = Read(*node, path, &value);
  }
};

struct PathCollector {
  std::vector<std::string> paths;
  template <typename T>
  void operator()(const char* path, const T&) {
    paths.emplace_back(path);
  }
};

// Walks the input: unknown keys become warnings, known groups that are not objects errors.
Status CheckKeys(const Json& node, const std::string& prefix, const std::set<std::string>& leaves,
                 const std::set<std::string>& groups, std::vector<std::string>* warnings) {
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string path = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (leaves.count(path)) continue;
    if (groups.count(path)) {
      if (!it->is_object()) return WrongValue(path, "an object", *it);
      if (Status s = CheckKeys(*it, path, leaves, groups, warnings); !s.ok()) return s;
      continue;
    }
    if (warnings) warnings->push_back("unknown field '" + path + "' ignored");
  }
  return Status::Ok();
}

std::string Join(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items)
    text += (text.empty() ? "" : ", ") + item;
  return text;
}

std::vector<std::string> FieldPaths(const TrainingConfig& config) {
  PathCollector collector;
  VisitFields(config, collector);
  return collector.paths;
}

// Old names of fields, still read (files, --set and GetConfigField) but no longer written:
// {old path, current path}.
constexpr std::pair<const char*, const char*> kAliases[] = {{"dataset.folder", "dataset.path"}};

std::string CurrentName(const std::string& field) {
  for (const auto& [old_path, path] : kAliases)
    if (field == old_path) return path;
  return field;
}

// regularizer.type first: it decides which regularizer.* and init.* fields exist.
Status ReadRegularizerType(const Json& root, TrainingConfig* config) {
  const Json* node = Find(root, "regularizer.type");
  if (!node) return Status::Ok();
  std::string type;
  if (Status s = Read(*node, "regularizer.type", &type); !s.ok()) return s;
  return SwitchRegularizerType(config->regularizer, type, &config->regularizer);
}

}  // namespace

std::string ConfigToJson(const TrainingConfig& config) {
  Writer writer;
  VisitFields(config, writer);
  return Dump(writer.root, 2) + "\n";
}

Status ConfigFromJson(std::string_view text, TrainingConfig* config,
                      std::vector<std::string>* warnings) {
  if (!config) return Status::Error("ConfigFromJson: no output given");
  Json root;
  if (Status s = Parse(text, "the configuration", &root); !s.ok()) return s;
  if (!root.is_object())
    return Status::Error("the configuration must be a JSON object, got " + Describe(root));
  for (const auto& [old_path, path] : kAliases)
    if (Status s = MoveField(&root, old_path, path); !s.ok()) return s;
  TrainingConfig read;
  if (Status s = ReadRegularizerType(root, &read); !s.ok()) return s;
  std::set<std::string> leaves, groups;
  for (const std::string& path : FieldPaths(read)) {
    leaves.insert(path);
    for (std::size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1))
      groups.insert(path.substr(0, dot));
  }
  std::vector<std::string> found;
  if (Status s = CheckKeys(root, "", leaves, groups, &found); !s.ok()) return s;
  Reader reader{root, Status::Ok()};
  VisitFields(read, reader);
  if (!reader.status.ok()) return reader.status;
  if (Status s = read.validate(); !s.ok()) return s;
  *config = std::move(read);
  if (warnings) warnings->insert(warnings->end(), found.begin(), found.end());
  return Status::Ok();
}

Status LoadConfigFile(const std::string& path, TrainingConfig* config,
                      std::vector<std::string>* warnings) {
  std::string text;
  if (Status s = ReadFile(path, &text); !s.ok()) return s;
  std::vector<std::string> found;
  if (Status s = ConfigFromJson(text, config, &found); !s.ok())
    return Status::Error("'" + path + "': " + s.message());
  if (warnings)
    for (const std::string& w : found)
      warnings->push_back("'" + path + "': " + w);
  return Status::Ok();
}

Status SaveConfigFile(const std::string& path, const TrainingConfig& config) {
  return WriteFileAtomically(path, ConfigToJson(config));
}

Status CreateRunFolder(const std::string& dir, const TrainingConfig& config, RunFolder* out,
                       bool overwrite) {
  if (Status s = config.validate(); !s.ok())
    return Status::Error("cannot create run folder '" + dir + "': " + s.message());
  return RunFolder::Create(dir, ConfigToJson(config), out, overwrite);
}

Status OpenRunFolder(const std::string& dir, RunFolder* out, TrainingConfig* config,
                     std::vector<std::string>* warnings) {
  if (!out || !config) return Status::Error("OpenRunFolder: no output given");
  if (!RunFolder::IsRunFolder(dir))
    return Status::Error("'" + dir + "' is not a run folder (no config.json)");
  TrainingConfig read;
  std::vector<std::string> found;
  if (Status s = LoadConfigFile(dir + "/" + RunFolder::kConfigFile, &read, &found); !s.ok())
    return s;
  if (Status s = RunFolder::Open(dir, out, &found); !s.ok()) return s;
  *config = std::move(read);
  if (warnings) warnings->insert(warnings->end(), found.begin(), found.end());
  return Status::Ok();
}

std::vector<std::string> ConfigFieldPaths() {
  static const TrainingConfig defaults;
  return FieldPaths(defaults);
}

Status GetConfigField(const TrainingConfig& config, const std::string& field, std::string* value) {
  Writer writer;
  VisitFields(config, writer);
  const Json* node = Find(writer.root, CurrentName(field));
  if (!node || node->is_object())
    return Status::Error("unknown configuration field '" + field + "'");
  *value = node->is_string() ? node->get<std::string>() : Dump(*node, -1);
  return Status::Ok();
}

const std::vector<std::string>& LiveKnobFields() {
  static const std::vector<std::string> knobs = {
      "step.kind",         "step.initial", "step.exponent", "accuracy.kind", "accuracy.initial",
      "accuracy.exponent", "delta.rule",   "delta.value",   "batch_size"};
  return knobs;
}

Status SetKnob(LiveKnobs* knobs, const std::string& field, const std::string& value) {
  if (!knobs) return Status::Error("SetKnob: no knobs given");
  const auto& live = LiveKnobFields();
  if (std::find(live.begin(), live.end(), field) == live.end()) {
    const auto paths = ConfigFieldPaths();
    const bool known = std::find(paths.begin(), paths.end(), field) != paths.end();
    return Status::Error((known ? "'" + field + "' cannot change while a run goes"
                                : "unknown knob '" + field + "'") +
                         "; the live knobs are " + Join(live));
  }
  TrainingConfig changed;
  changed.knobs = *knobs;
  if (Status s = SetConfigField(&changed, field, value); !s.ok()) return s;
  if (Status s = changed.knobs.validate(); !s.ok()) return s;
  *knobs = changed.knobs;
  return Status::Ok();
}

std::vector<std::pair<std::string, std::string>> KnobChanges(const LiveKnobs& before,
                                                             const LiveKnobs& after) {
  TrainingConfig a, b;
  a.knobs = before;
  b.knobs = after;
  std::vector<std::pair<std::string, std::string>> changes;
  for (const std::string& field : LiveKnobFields()) {
    std::string old_value, new_value;
    if (GetConfigField(a, field, &old_value).ok() && GetConfigField(b, field, &new_value).ok() &&
        old_value != new_value)
      changes.emplace_back(field, new_value);
  }
  return changes;
}

Status SetConfigField(TrainingConfig* config, const std::string& given, const std::string& value) {
  if (!config) return Status::Error("SetConfigField: no configuration given");
  const std::string field = CurrentName(given);
  if (field == "regularizer.type") {
    TrainingConfig changed = *config;
    if (Status s = SwitchRegularizerType(changed.regularizer, value, &changed.regularizer); !s.ok())
      return s;
    *config = std::move(changed);
    return Status::Ok();
  }
  const auto paths = FieldPaths(*config);
  if (std::find(paths.begin(), paths.end(), field) == paths.end())
    return Status::Error("unknown field '" + field + "'");
  // The text is JSON when it parses as a number, a quoted string or a list, else a bare word.
  Json node;
  bool parsed = false;
  try {
    node = Json::parse(value, nullptr, false);
    parsed = !node.is_discarded() && !node.is_object();
  } catch (const std::exception&) {
  }
  if (!parsed) node = Json(value);
  Json root = Json::object();
  Slot(root, field) = node;
  TrainingConfig changed = *config;
  Reader reader{root, Status::Ok()};
  VisitFields(changed, reader);
  if (!reader.status.ok()) return reader.status;
  *config = std::move(changed);
  return Status::Ok();
}

}  // namespace bilevel
