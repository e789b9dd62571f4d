// The JSON form of one regularizer setting, shared by config.json (run/config_json.cpp) and the
// exported regularizer (io/regularizer_io.cpp): its value, and an integer list as an array.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "bilevel/regularizer_settings.h"

namespace bilevel {

// The value as JSON: [8, 32] for an integer_list setting whose text is such a list.
nlohmann::ordered_json SettingJson(const Setting& setting);

// A JSON array of integers as the text of an integer_list setting ("8, 32"); false when the node
// is not a non-empty array of whole numbers.
bool IntegerListFromJson(const nlohmann::ordered_json& node, std::string* text);

}  // namespace bilevel
