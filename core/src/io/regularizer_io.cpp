#include "bilevel/regularizer_io.h"

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/file_util.h"
#include "bilevel/npy.h"
#include "io/setting_json.h"

namespace bilevel {

namespace {

using Json = nlohmann::ordered_json;

std::string Dump(const Json& node, int indent) {
  return node.dump(indent, ' ', false, Json::error_handler_t::replace);
}

// The type's regularizer.* fields as a JSON object.
Json ConfigFields(const RegularizerSettings& settings) {
  Json node = Json::object();
  for (const Setting& f : settings.fields)
    node[f.name] = SettingJson(f);
  return node;
}

// The header of the .npz config: format, version, type and the fields.
Json Header(const RegularizerSettings& settings) {
  Json node = Json::object();
  node["format"] = kRegularizerFormat;
  node["format_version"] = kRegularizerFormatVersion;
  node["type"] = settings.type;
  for (const Setting& f : settings.fields)
    node[f.name] = SettingJson(f);
  return node;
}

// A flat array as nested JSON arrays of the given shape (a number for a scalar).
Json Nested(const double* values, const std::vector<int>& shape, std::size_t dim) {
  if (dim == shape.size()) return Json(*values);
  std::size_t stride = 1;
  for (std::size_t d = dim + 1; d < shape.size(); ++d)
    stride *= std::size_t(shape[d]);
  Json out = Json::array();
  for (int i = 0; i < shape[dim]; ++i)
    out.push_back(Nested(values + std::size_t(i) * stride, shape, dim + 1));
  return out;
}

// Checks the format fields and reads the settings from a header object (`config` of
// regularizer.json, or the config text of regularizer.npz).
Status ReadHeader(const Json& header, const Json& config_node, RegularizerSettings* settings) {
  if (!header.is_object()) return Status::Error("the regularizer is not a JSON object");
  const auto format = header.find("format");
  if (format == header.end() || !format->is_string() ||
      format->get<std::string>() != kRegularizerFormat)
    return Status::Error(std::string("not a regularizer file (\"format\" must be \"") +
                         kRegularizerFormat + "\")");
  const auto version = header.find("format_version");
  if (version == header.end() || !version->is_number_integer() ||
      version->get<std::int64_t>() < 1 || version->get<std::int64_t>() > kRegularizerFormatVersion)
    return Status::Error("unsupported regularizer format_version (this program reads up to " +
                         std::to_string(kRegularizerFormatVersion) + ")");
  std::string type = kDefaultRegularizerType;
  if (const auto it = header.find("type"); it != header.end()) {
    if (!it->is_string()) return Status::Error("\"type\" must be a string");
    type = it->get<std::string>();
  }
  if (!FindRegularizerType(type))
    return Status::Error("unsupported regularizer type \"" + type + "\"");
  if (!config_node.is_object()) return Status::Error("the regularizer has no config object");
  RegularizerSettings out = DefaultRegularizerSettings(type);
  for (const Setting& f : FindRegularizerType(type)->defaults.fields) {
    const auto it = config_node.find(f.name);
    if (it == config_node.end()) return Status::Error("config." + f.name + " is missing");
    SettingValue value;
    std::string list;
    if (f.integer_list && IntegerListFromJson(*it, &list))
      value = list;
    else if (it->is_boolean())
      value = it->get<bool>();
    else if (it->is_number_integer())
      value = (long long)it->get<std::int64_t>();
    else if (it->is_number())
      value = it->get<double>();
    else if (it->is_string())
      value = it->get<std::string>();
    else
      return Status::Error("config." + f.name + " has an unusable value");
    if (Status s = out.set("regularizer." + f.name, value); !s.ok())
      return Status::Error("config: " + s.message());
  }
  if (Status s = ValidateRegularizerSettings(out); !s.ok())
    return Status::Error("config: " + s.message());
  *settings = std::move(out);
  return Status::Ok();
}

Status ParseJson(std::string_view text, Json* out) {
  try {
    *out = Json::parse(text.begin(), text.end());
  } catch (const std::exception& e) {
    return Status::Error(std::string("the regularizer is not valid JSON: ") + e.what());
  }
  return Status::Ok();
}

// The JSON text, after CheckRegularizer.
Status ToJson(const RegularizerSettings& settings, const Eigen::VectorXd& theta, std::string* out) {
  std::unique_ptr<Regularizer<double>> reg;
  if (Status s = CheckRegularizer(settings, theta, &reg); !s.ok()) return s;
  Json root = Json::object();
  root["format"] = kRegularizerFormat;
  root["format_version"] = kRegularizerFormatVersion;
  root["type"] = settings.type;
  root["definition"] = reg->definition();
  root["config"] = ConfigFields(settings);
  Json blocks = Json::array();
  for (const ParameterBlock& b : reg->blocks())
    blocks.push_back(Json{{"name", b.name}, {"offset", b.offset}, {"size", b.size}});
  root["layout"] = std::move(blocks);
  root["parameter_count"] = reg->parameterCount();
  root["theta"] = std::vector<double>(theta.data(), theta.data() + theta.size());
  for (const NamedArray& a : reg->readable(theta))
    root[a.name] = a.shape.empty() || a.shape.size() > 1 ? Nested(a.values.data(), a.shape, 0)
                                                         : Json(a.values);
  *out = Dump(root, 2) + "\n";
  return Status::Ok();
}

}  // namespace

std::string RegularizerToJson(const RegularizerSettings& settings, const Eigen::VectorXd& theta) {
  std::string text;
  return ToJson(settings, theta, &text).ok() ? text : std::string();
}

Status RegularizerFromJson(std::string_view text, RegularizerSettings* settings,
                           Eigen::VectorXd* theta) {
  if (!settings || !theta) return Status::Error("RegularizerFromJson: no output given");
  Json root;
  if (Status s = ParseJson(text, &root); !s.ok()) return s;
  RegularizerSettings read;
  const Json none;
  const auto config_it = root.is_object() ? root.find("config") : root.end();
  if (Status s = ReadHeader(root, config_it == root.end() ? none : *config_it, &read); !s.ok())
    return s;
  const auto values = root.find("theta");
  if (values == root.end() || !values->is_array())
    return Status::Error("the regularizer has no \"theta\" array");
  Eigen::VectorXd out(Eigen::Index(values->size()));
  for (std::size_t i = 0; i < values->size(); ++i) {
    const Json& v = (*values)[i];
    if (!v.is_number()) return Status::Error("theta[" + std::to_string(i) + "] is not a number");
    out[Eigen::Index(i)] = v.get<double>();
  }
  if (Status s = CheckRegularizer(read, out); !s.ok()) return s;
  *settings = std::move(read);
  *theta = std::move(out);
  return Status::Ok();
}

Status WriteRegularizerJson(const std::string& path, const RegularizerSettings& settings,
                            const Eigen::VectorXd& theta) {
  std::string text;
  if (Status s = ToJson(settings, theta, &text); !s.ok())
    return Status::Error("cannot write '" + path + "': " + s.message());
  return WriteFileAtomically(path, text);
}

Status ReadRegularizerJson(const std::string& path, RegularizerSettings* settings,
                           Eigen::VectorXd* theta) {
  std::string text;
  if (Status s = ReadFile(path, &text); !s.ok()) return s;
  if (Status s = RegularizerFromJson(text, settings, theta); !s.ok())
    return Status::Error("'" + path + "': " + s.message());
  return Status::Ok();
}

Status WriteRegularizerNpz(const std::string& path, const RegularizerSettings& settings,
                           const Eigen::VectorXd& theta) {
  std::unique_ptr<Regularizer<double>> reg;
  if (Status s = CheckRegularizer(settings, theta, &reg); !s.ok())
    return Status::Error("cannot write '" + path + "': " + s.message());
  NpyArrays arrays;
  arrays.emplace_back("theta", NpyArray::FromDoubles({theta.data(), std::size_t(theta.size())}));
  for (const NamedArray& a : reg->readable(theta)) {
    if (a.shape.empty()) {
      arrays.emplace_back(a.name, NpyArray::ScalarDouble(a.values.at(0)));
      continue;
    }
    std::vector<std::size_t> shape(a.shape.begin(), a.shape.end());
    arrays.emplace_back(a.name, NpyArray::FromDoubles(a.values, shape));
  }
  arrays.emplace_back("config", NpyArray::FromBytes(Dump(Header(settings), -1)));
  return WriteNpz(path, arrays);
}

Status ReadRegularizerNpz(const std::string& path, RegularizerSettings* settings,
                          Eigen::VectorXd* theta) {
  if (!settings || !theta) return Status::Error("ReadRegularizerNpz: no output given");
  NpyArrays arrays;
  if (Status s = ReadNpz(path, &arrays); !s.ok()) return s;
  auto fail = [&](const std::string& message) {
    return Status::Error("'" + path + "': " + message);
  };
  const NpyArray* config_array = FindArray(arrays, "config");
  const NpyArray* theta_array = FindArray(arrays, "theta");
  if (!config_array || !theta_array) return fail("the arrays 'config' and 'theta' are required");
  std::string text;
  if (Status s = config_array->toBytes(&text); !s.ok()) return fail("config: " + s.message());
  Json header;
  if (Status s = ParseJson(text, &header); !s.ok()) return fail(s.message());
  RegularizerSettings read;
  if (Status s = ReadHeader(header, header, &read); !s.ok()) return fail(s.message());
  if (theta_array->shape.size() != 1)
    return fail("theta must be 1-d, its shape is " + theta_array->shapeText());
  std::vector<double> values;
  if (Status s = theta_array->toDoubles(&values); !s.ok()) return fail("theta: " + s.message());
  Eigen::VectorXd out =
      Eigen::Map<const Eigen::VectorXd>(values.data(), Eigen::Index(values.size()));
  if (Status s = CheckRegularizer(read, out); !s.ok()) return fail(s.message());
  *settings = std::move(read);
  *theta = std::move(out);
  return Status::Ok();
}

Status ReadRegularizerFile(const std::string& path, RegularizerSettings* settings,
                           Eigen::VectorXd* theta) {
  const bool npz = path.size() >= 4 && path.compare(path.size() - 4, 4, ".npz") == 0;
  return npz ? ReadRegularizerNpz(path, settings, theta)
             : ReadRegularizerJson(path, settings, theta);
}

}  // namespace bilevel
