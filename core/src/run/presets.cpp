#include "bilevel/presets.h"

#include <string_view>
#include <utility>

#include "bilevel/config_json.h"

namespace bilevel {
namespace detail {
const std::vector<std::pair<std::string_view, std::string_view>>& PresetTable();
}  // namespace detail

std::vector<PresetInfo> Presets() {
  std::vector<PresetInfo> out;
  for (const auto& [name, text] : detail::PresetTable()) {
    TrainingConfig config;
    if (ConfigFromJson(text, &config, nullptr).ok())
      out.push_back({std::string(name), config.description});
  }
  return out;
}

std::string PresetJson(const std::string& name) {
  for (const auto& [n, text] : detail::PresetTable())
    if (n == name) return std::string(text);
  return {};
}

Status LoadPreset(const std::string& name, TrainingConfig* config) {
  const std::string text = PresetJson(name);
  if (text.empty()) {
    std::string known;
    for (const auto& [n, t] : detail::PresetTable())
      known += (known.empty() ? "" : ", ") + std::string(n);
    return Status::Error("unknown preset '" + name + "' (known: " + known + ")");
  }
  std::vector<std::string> warnings;
  if (Status s = ConfigFromJson(text, config, &warnings); !s.ok())
    return Status::Error("preset '" + name + "': " + s.message());
  if (!warnings.empty()) return Status::Error("preset '" + name + "': " + warnings.front());
  return Status::Ok();
}

}  // namespace bilevel
