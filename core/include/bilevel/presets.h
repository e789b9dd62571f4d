// Built-in experiments: the JSON configurations of resources/presets/, compiled into the library.
#pragma once

#include <string>
#include <vector>

#include "bilevel/status.h"
#include "bilevel/training_config.h"

namespace bilevel {

struct PresetInfo {
  std::string name;         // file name without .json
  std::string description;  // the config's "description"
};

// Sorted by name.
std::vector<PresetInfo> Presets();
// The preset's configuration; an unknown name is refused with the list of known ones.
Status LoadPreset(const std::string& name, TrainingConfig* config);
// The preset's JSON text as shipped ("" for an unknown name).
std::string PresetJson(const std::string& name);

}  // namespace bilevel
