#include "bilevel/regularizer_settings.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace bilevel {

namespace {

// "regularizer.kernels" -> (kModel, "kernels").
bool SplitPath(std::string_view path, SettingGroup* group, std::string_view* name) {
  for (SettingGroup g : {SettingGroup::kModel, SettingGroup::kInit}) {
    const std::string_view prefix = ToString(g);
    if (path.size() > prefix.size() + 1 && path.substr(0, prefix.size()) == prefix &&
        path[prefix.size()] == '.') {
      *group = g;
      *name = path.substr(prefix.size() + 1);
      return true;
    }
  }
  return false;
}

template <typename Settings>
auto* FindIn(Settings& settings, std::string_view path) {
  SettingGroup group;
  std::string_view name;
  decltype(&settings.fields[0]) none = nullptr;
  if (!SplitPath(path, &group, &name)) return none;
  auto& list = settings.group(group);
  for (auto& s : list)
    if (s.name == name) return &s;
  return none;
}

}  // namespace

bool ParseIntegerList(std::string_view text, std::vector<int>* out) {
  out->clear();
  std::stringstream in{std::string(text)};
  std::string item;
  while (std::getline(in, item, ',')) {
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (...) {
      return false;
    }
    while (used < item.size() && item[used] == ' ')
      ++used;
    if (used != item.size() || v < -1000000 || v > 1000000) return false;
    out->push_back(int(v));
  }
  return !out->empty();
}

std::string IntegerListText(const std::vector<long long>& values) {
  std::string text;
  for (long long v : values)
    text += (text.empty() ? "" : ", ") + std::to_string(v);
  return text;
}

void NormalizeIntegerList(Setting* setting) {
  std::vector<int> list;
  if (const std::string* t = std::get_if<std::string>(&setting->value);
      setting->integer_list && t && ParseIntegerList(*t, &list))
    setting->value = IntegerListText(std::vector<long long>(list.begin(), list.end()));
}

std::string SettingToString(const SettingValue& value) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(long long v) const { return std::to_string(v); }
    // The shortest text that reads back as the same double ("0.1", not "0.10000000000000001").
    std::string operator()(double v) const {
      for (int precision = 1; precision <= 17; ++precision) {
        std::ostringstream s;
        s.precision(precision);
        s << v;
        if (std::strtod(s.str().c_str(), nullptr) == v || precision == 17) return s.str();
      }
      return {};
    }
    std::string operator()(const std::string& v) const { return v; }
  };
  return std::visit(Visitor{}, value);
}

Status FieldError(std::string_view path, std::string_view rule, double got) {
  char buffer[64];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, got).ptr;
  return Status::Error(std::string(path) + " " + std::string(rule) + ", got " +
                       std::string(buffer, end));
}

Status CheckFieldRange(const RegularizerSettings& settings, std::string_view path, double lo,
                       double hi) {
  const double v = settings.real(path);
  if (v >= lo && v <= hi) return Status::Ok();
  return FieldError(path, "must be in [" + SettingToString(lo) + ", " + SettingToString(hi) + "]",
                    v);
}

Status CheckChannels(const RegularizerSettings& settings) {
  return CheckFieldRange(settings, "regularizer.channels", 1, 64);
}

Status CheckSeed(const RegularizerSettings& settings) {
  return CheckFieldRange(settings, "init.seed", 0, 4294967295.0);
}

const char* SettingKindName(const SettingValue& value) {
  switch (value.index()) {
    case 0:
      return "a boolean";
    case 1:
      return "an integer";
    case 2:
      return "a number";
    default:
      return "a string";
  }
}

std::string DescribeSettings(const RegularizerSettings& settings) {
  std::string fields;
  for (const Setting& f : settings.fields)
    fields += (fields.empty() ? "" : ", ") + f.name + " " + SettingToString(f.value);
  return settings.type + (fields.empty() ? "" : " (" + fields + ")");
}

const char* ToString(SettingGroup group) {
  return group == SettingGroup::kModel ? "regularizer" : "init";
}

const Setting* RegularizerSettings::find(std::string_view path) const {
  return FindIn(*this, path);
}

Setting* RegularizerSettings::find(std::string_view path) {
  return FindIn(*this, path);
}

long long RegularizerSettings::integer(std::string_view path) const {
  const Setting* s = find(path);
  if (!s) return 0;
  if (const long long* v = std::get_if<long long>(&s->value)) return *v;
  return 0;
}

double RegularizerSettings::real(std::string_view path) const {
  const Setting* s = find(path);
  if (!s) return 0.0;
  if (const double* v = std::get_if<double>(&s->value)) return *v;
  if (const long long* v = std::get_if<long long>(&s->value)) return double(*v);
  return 0.0;
}

bool RegularizerSettings::flag(std::string_view path) const {
  const Setting* s = find(path);
  if (!s) return false;
  if (const bool* v = std::get_if<bool>(&s->value)) return *v;
  return false;
}

std::string RegularizerSettings::text(std::string_view path) const {
  const Setting* s = find(path);
  if (!s) return {};
  if (const std::string* v = std::get_if<std::string>(&s->value)) return *v;
  return {};
}

void CopyChannels(const RegularizerSettings& from, RegularizerSettings* to) {
  if (const Setting* channels = from.find("regularizer.channels"))
    if (to->find("regularizer.channels")) to->set("regularizer.channels", channels->value);
}

Status RegularizerSettings::set(std::string_view path, const SettingValue& value) {
  Setting* s = find(path);
  if (!s)
    return Status::Error("the regularizer type '" + type + "' has no field '" + std::string(path) +
                         "'");
  SettingValue v = value;
  if (std::holds_alternative<long long>(s->value)) {
    if (const double* d = std::get_if<double>(&v)) {
      if (!std::isfinite(*d) || std::floor(*d) != *d || std::fabs(*d) > 9.0e15)
        return Status::Error(std::string(path) + " must be a whole number, got " +
                             SettingToString(*d));
      v = static_cast<long long>(*d);
    }
  } else if (std::holds_alternative<double>(s->value)) {
    if (const long long* i = std::get_if<long long>(&v)) v = double(*i);
  }
  if (v.index() != s->value.index())
    return Status::Error(std::string(path) + " must be " + SettingKindName(s->value) + ", got " +
                         SettingKindName(value));

  if (const std::string* t = std::get_if<std::string>(&v);
      t && !s->choices.empty() &&
      std::find(s->choices.begin(), s->choices.end(), *t) == s->choices.end()) {
    std::string list;
    for (const std::string& c : s->choices)
      list += (list.empty() ? "\"" : ", \"") + c + "\"";
    return Status::Error(std::string(path) + " must be one of " + list + ", got \"" + *t + "\"");
  }
  s->value = std::move(v);
  NormalizeIntegerList(s);
  return Status::Ok();
}

}  // namespace bilevel
