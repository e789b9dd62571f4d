// The messages of the options' validate(): "<prefix><field> <rule>, got <value>", with the value
// in the shortest text that reads back as the same double ("0.1", "-1", "1e-08").
#pragma once

#include <charconv>
#include <string>

#include "bilevel/status.h"

namespace bilevel {

inline std::string ShortestText(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

inline Status FieldError(const std::string& prefix, const char* field, const std::string& rule,
                         double got) {
  return Status::Error(prefix + field + " " + rule + ", got " + ShortestText(got));
}

}  // namespace bilevel
