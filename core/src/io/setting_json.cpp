#include "io/setting_json.h"

#include <variant>
#include <vector>

namespace bilevel {

nlohmann::ordered_json SettingJson(const Setting& setting) {
  std::vector<int> list;
  if (setting.integer_list) {
    const auto* text = std::get_if<std::string>(&setting.value);
    if (text && ParseIntegerList(*text, &list)) return nlohmann::ordered_json(list);
  }
  return std::visit([](const auto& v) { return nlohmann::ordered_json(v); }, setting.value);
}

bool IntegerListFromJson(const nlohmann::ordered_json& node, std::string* text) {
  if (!node.is_array() || node.empty()) return false;
  std::vector<long long> values;
  for (const auto& item : node) {
    if (!item.is_number_integer()) return false;
    values.push_back(item.get<long long>());
  }
  *text = IntegerListText(values);
  return true;
}

}  // namespace bilevel
