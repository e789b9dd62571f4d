#include "io/json_read.h"

namespace bilevel::json {

std::string Describe(const Json& node) {
  if (node.is_null()) return "null";
  std::string text = node.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return std::string(node.type_name()) + " " + text;
}

Status WrongValue(const std::string& path, const std::string& rule, const Json& node) {
  return Status::Error(path + " must be " + rule + ", got " + Describe(node));
}

Status Read(const Json& node, const std::string& path, std::string* out) {
  if (!node.is_string()) return WrongValue(path, "a string", node);
  *out = node.get<std::string>();
  return Status::Ok();
}

Status Read(const Json& node, const std::string& path, bool* out) {
  if (!node.is_boolean()) return WrongValue(path, "true or false", node);
  *out = node.get<bool>();
  return Status::Ok();
}

Status Read(const Json& node, const std::string& path, double* out) {
  if (!node.is_number()) return WrongValue(path, "a number", node);
  *out = node.get<double>();
  return Status::Ok();
}

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    parts.emplace_back(path.substr(start, dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

Json& Slot(Json& root, std::string_view path) {
  Json* node = &root;
  for (const std::string& key : Split(path))
    node = &(*node)[key];
  return *node;
}

const Json* Find(const Json& root, std::string_view path) {
  const Json* node = &root;
  for (const std::string& key : Split(path)) {
    if (!node->is_object()) return nullptr;
    const auto it = node->find(key);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

Status MoveField(Json* root, std::string_view from, std::string_view to) {
  const Json* node = Find(*root, from);
  if (!node) return Status::Ok();
  const Json value = *node;
  if (const Json* current = Find(*root, to); current && *current != value)
    return Status::Error(std::string(from) + " is the old name of " + std::string(to) +
                         "; give only one of them");
  const std::vector<std::string> keys = Split(from);
  Json* parent = root;
  for (std::size_t k = 0; k + 1 < keys.size(); ++k)
    parent = &(*parent)[keys[k]];
  parent->erase(keys.back());
  Slot(*root, to) = value;
  return Status::Ok();
}

namespace {

// "[json.exception.parse_error.101] parse error at line 1, column 2: ..." without the tag.
std::string JsonErrorText(const std::exception& e) {
  std::string text = e.what();
  if (!text.empty() && text[0] == '[') {
    const std::size_t close = text.find("] ");
    if (close != std::string::npos) text = text.substr(close + 2);
  }
  return text;
}

}  // namespace

Status Parse(std::string_view text, const char* what, Json* out) {
  try {
    *out = Json::parse(text.begin(), text.end(), nullptr, true, true);
  } catch (const std::exception& e) {
    return Status::Error(std::string(what) + " is not valid JSON: " + JsonErrorText(e));
  }
  return Status::Ok();
}

std::string Dump(const Json& node, int indent) {
  return node.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace bilevel::json
