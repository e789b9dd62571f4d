// The settings of a regularizer: its type and that type's own fields, in two groups that
// config.json keeps as two objects: `regularizer.*` (the model's shape, also written into the
// exported regularizer) and `init.*` (how its initial parameters are drawn). Each type declares
// its fields with their defaults and help (RegularizerType in regularizer_registry.h), so the
// config file, the command line's --set and the application's forms handle every type alike.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bilevel/status.h"

namespace bilevel {

// Integers are whole numbers (counts, sizes, seeds); texts are picked from choices when given.
using SettingValue = std::variant<bool, long long, double, std::string>;
std::string SettingToString(const SettingValue& value);
const char* SettingKindName(const SettingValue& value);  // "a boolean", "an integer", ...
// "regularizer.kernels must be at least 1, got 0": the form of every settings error.
Status FieldError(std::string_view path, std::string_view rule, double got);
struct RegularizerSettings;
// The range check of the types' validate(): a number field (integers read as reals) within
// [lo, hi], else "<path> must be in [lo, hi], got <value>".
Status CheckFieldRange(const RegularizerSettings& settings, std::string_view path, double lo,
                       double hi);
// The channel count every type declares (in [1, 64]) and the init.seed of the random ones.
Status CheckChannels(const RegularizerSettings& settings);
Status CheckSeed(const RegularizerSettings& settings);

struct Setting {
  std::string name;  // "kernels"
  SettingValue value;
  std::string help;                  // one line, for tooltips and --help
  std::vector<std::string> choices;  // texts: the accepted values
  std::vector<std::string> labels;   // for people, one per choice (empty: the choices themselves)
  // A text that holds a list of integers ("8, 32"): files write it as a JSON array ([8, 32]) and
  // read an array or, as older files have it, the text.
  bool integer_list = false;
  bool operator==(const Setting& other) const { return name == other.name && value == other.value; }
};

// "8, 32" -> {8, 32} (entries within +-1e6); false on anything else.
bool ParseIntegerList(std::string_view text, std::vector<int>* out);
// {8, 32} -> "8, 32", the text form of an integer_list setting.
std::string IntegerListText(const std::vector<long long>& values);
// An integer_list setting's text in that one form ("8,32" and "8, 32" are the same list); a text
// that is no list is kept as given, for the type's validate() to name.
void NormalizeIntegerList(Setting* setting);

// "field_of_experts (channels 3, kernels 8, kernel_size 5, boundary reflect101)".
std::string DescribeSettings(const RegularizerSettings& settings);

enum class SettingGroup { kModel, kInit };
const char* ToString(SettingGroup group);  // "regularizer", "init"

struct RegularizerSettings {
  std::string type;             // "field_of_experts"
  std::vector<Setting> fields;  // regularizer.<name>
  std::vector<Setting> init;    // init.<name>

  const std::vector<Setting>& group(SettingGroup g) const {
    return g == SettingGroup::kModel ? fields : init;
  }
  std::vector<Setting>& group(SettingGroup g) { return g == SettingGroup::kModel ? fields : init; }
  // A field of either group by its dotted path ("regularizer.kernels", "init.seed"); null when
  // the type has no such field.
  const Setting* find(std::string_view path) const;
  Setting* find(std::string_view path);

  // Typed reads of a field the type declares (the path as above). Reading a field the type does
  // not have, or of another kind, is a programming error: it returns 0, false or "".
  long long integer(std::string_view path) const;
  double real(std::string_view path) const;  // integers are converted
  bool flag(std::string_view path) const;
  std::string text(std::string_view path) const;

  // Sets a declared field, converting a whole double to an integer and an integer to a double;
  // an unknown path, another kind or a text outside the choices is an error naming the path.
  Status set(std::string_view path, const SettingValue& value);

  bool operator==(const RegularizerSettings& other) const = default;
};

// Copies regularizer.channels when both settings declare it (the channels follow the data,
// whatever the type).
void CopyChannels(const RegularizerSettings& from, RegularizerSettings* to);

}  // namespace bilevel
