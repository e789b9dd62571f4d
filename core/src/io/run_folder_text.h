// The text of run folders: numbers written in their shortest exact form and read back, and the
// fields and lines of log.csv and events.jsonl (run_folder.cpp, run_events.cpp).
#pragma once

#include <charconv>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

namespace bilevel::run_text {

// The shortest text that reads back to the same value ("0.1", "1e-05", "inf").
inline std::string DoubleText(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

template <typename T>
inline bool ParseNumber(std::string_view text, T* out) {
  if constexpr (std::is_floating_point_v<T>) {
    if (text.empty()) {
      *out = std::numeric_limits<T>::quiet_NaN();
      return true;
    }
  }
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  const auto result = std::from_chars(text.data(), text.data() + text.size(), *out);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

inline std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(line.substr(start, comma - start));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

// The complete lines of a file (each ended by '\n', without it and without a '\r' before it)
// and whether an incomplete line followed them.
inline std::vector<std::string_view> Lines(std::string_view text, bool* incomplete) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) break;
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  if (incomplete) *incomplete = start < text.size();
  return lines;
}

}  // namespace bilevel::run_text
