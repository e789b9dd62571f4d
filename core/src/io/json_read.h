// JSON helpers of the configuration files (config_json.cpp): reading typed values with
// messages that name the field's dotted path, and finding or creating nodes at dotted paths.
#pragma once

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "bilevel/status.h"

namespace bilevel::json {

using Json = nlohmann::ordered_json;

// "string \"abc\"", "number 3", "null": what a wrong value was, for messages.
std::string Describe(const Json& node);
// "<path> must be <rule>, got <what it was>".
Status WrongValue(const std::string& path, const std::string& rule, const Json& node);

Status Read(const Json& node, const std::string& path, std::string* out);
Status Read(const Json& node, const std::string& path, bool* out);
Status Read(const Json& node, const std::string& path, double* out);

// Integers of any width; a float is accepted when it is a whole number in range (1e6).
template <typename T>
requires std::is_integral_v<T> Status Read(const Json& node, const std::string& path, T* out) {
  using Limits = std::numeric_limits<T>;
  const std::string rule = "an integer in [" + std::to_string(Limits::min()) + ", " +
                           std::to_string(Limits::max()) + "]";
  if (node.is_number_unsigned()) {
    const auto v = node.get<std::uint64_t>();
    if (v > std::uint64_t(Limits::max())) return WrongValue(path, rule, node);
    *out = T(v);
  } else if (node.is_number_integer()) {
    const auto v = node.get<std::int64_t>();
    if (v < std::int64_t(Limits::min()) ||
        (v > 0 && std::uint64_t(v) > std::uint64_t(Limits::max())))
      return WrongValue(path, rule, node);
    *out = T(v);
  } else if (node.is_number_float()) {
    const double v = node.get<double>();
    const double top = std::ldexp(1.0, Limits::digits);  // 2^31 for int, 2^32 for unsigned
    if (!std::isfinite(v) || std::floor(v) != v || v < double(Limits::min()) || v >= top)
      return WrongValue(path, rule, node);
    *out = T(v);
  } else {
    return WrongValue(path, rule, node);
  }
  return Status::Ok();
}

// "a.b.c" as {"a", "b", "c"}.
std::vector<std::string> Split(std::string_view path);
// The node at a dotted path, created (with the objects above it) when missing.
Json& Slot(Json& root, std::string_view path);
// The node at a dotted path, or null.
const Json* Find(const Json& root, std::string_view path);
// Moves the value at `from` (an old name) to `to`; nothing when `from` is absent, an error when
// both are present with different values.
Status MoveField(Json* root, std::string_view from, std::string_view to);

// Parses text (comments allowed); the message says what did not parse, naming `what`.
Status Parse(std::string_view text, const char* what, Json* out);
std::string Dump(const Json& node, int indent);

}  // namespace bilevel::json
