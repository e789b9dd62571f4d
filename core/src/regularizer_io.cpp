#include "bilevel/regularizer_io.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "bilevel/file_util.h"
#include "bilevel/npy.h"

namespace bilevel {

namespace {

using Json = nlohmann::ordered_json;

std::string Dump(const Json& node, int indent) {
  return node.dump(indent, ' ', false, Json::error_handler_t::replace);
}

// The header shared by both files: format, version, type and the FoeConfig.
Json ConfigJson(const FoeConfig& config) {
  Json node = Json::object();
  node["format"] = kRegularizerFormat;
  node["format_version"] = kRegularizerFormatVersion;
  node["type"] = "field_of_experts";
  node["channels"] = config.channels;
  node["kernels"] = config.kernels;
  node["kernel_size"] = config.kernel_size;
  node["boundary"] = ToString(config.boundary);
  return node;
}

template <typename T>
bool GetInt(const Json& node, const char* key, T* out) {
  const auto it = node.find(key);
  if (it == node.end() || !it->is_number_integer()) return false;
  const auto v = it->get<std::int64_t>();
  if (v < 0 || v > 1 << 20) return false;
  *out = T(v);
  return true;
}

// Checks the format fields and reads the FoeConfig from a header object (`config` of
// regularizer.json, or the config text of regularizer.npz).
Status ReadHeader(const Json& header, const Json& config_node, FoeConfig* config) {
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
  const auto type = header.find("type");
  if (type == header.end() || !type->is_string() || type->get<std::string>() != "field_of_experts")
    return Status::Error("unsupported regularizer type (expected \"field_of_experts\")");
  if (!config_node.is_object()) return Status::Error("the regularizer has no config object");
  FoeConfig out;
  if (!GetInt(config_node, "channels", &out.channels))
    return Status::Error("config.channels must be a non-negative integer");
  if (!GetInt(config_node, "kernels", &out.kernels))
    return Status::Error("config.kernels must be a non-negative integer");
  if (!GetInt(config_node, "kernel_size", &out.kernel_size))
    return Status::Error("config.kernel_size must be a non-negative integer");
  const auto boundary = config_node.find("boundary");
  std::optional<Boundary> parsed;
  if (boundary != config_node.end() && boundary->is_string())
    parsed = BoundaryFromString(boundary->get<std::string>());
  if (!parsed) return Status::Error("config.boundary must be \"reflect101\" or \"zero\"");
  out.boundary = *parsed;
  if (Status s = out.validate(); !s.ok()) return Status::Error("config: " + s.message());
  if (double(out.kernels) * out.channels * out.kernel_size * out.kernel_size > 1e8)
    return Status::Error("config: the regularizer is implausibly large");
  *config = out;
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

// The kernels as nested J x C x k x k arrays.
Json KernelsJson(const FoeConfig& config, const Eigen::VectorXd& theta) {
  const FoeLayout layout(config);
  const int k = config.kernel_size;
  Json kernels = Json::array();
  for (int j = 0; j < config.kernels; ++j) {
    Json kernel = Json::array();
    for (int c = 0; c < config.channels; ++c) {
      Json rows = Json::array();
      for (int u = 0; u < k; ++u) {
        Json row = Json::array();
        for (int v = 0; v < k; ++v)
          row.push_back(theta[layout.kernel(j) + (c * k + u) * k + v]);
        rows.push_back(std::move(row));
      }
      kernel.push_back(std::move(rows));
    }
    kernels.push_back(std::move(kernel));
  }
  return kernels;
}

Status CheckTheta(const FoeConfig& config, const Eigen::VectorXd& theta) {
  const int d = FoeLayout(config).size();
  if (theta.size() != d)
    return Status::Error("theta has " + std::to_string(theta.size()) +
                         " values, the regularizer needs " + std::to_string(d));
  for (Eigen::Index i = 0; i < theta.size(); ++i)
    if (!std::isfinite(theta[i]))
      return Status::Error("theta[" + std::to_string(i) + "] is not finite");
  return Status::Ok();
}

}  // namespace

Status CheckRegularizer(const FoeConfig& config, const Eigen::VectorXd& theta) {
  if (Status s = config.validate(); !s.ok()) return s;
  return CheckTheta(config, theta);
}

std::string RegularizerToJson(const FoeConfig& config, const Eigen::VectorXd& theta) {
  if (!CheckRegularizer(config, theta).ok()) return {};
  const FoeLayout layout(config);
  Json root = Json::object();
  Json header = ConfigJson(config);
  root["format"] = header["format"];
  root["format_version"] = header["format_version"];
  root["type"] = header["type"];
  root["definition"] =
      "R(x) = weight * sum_j expert_weights[j] * sum_p phi((K_j x)(p)), "
      "phi(z) = sqrt(z^2 + smoothing^2) - smoothing, (K_j x)(p) = sum_c sum_{u,v} "
      "kernels[j][c][u][v] * x_c(p + (u, v) - kernel_size / 2), intensities in [0, 1]";
  Json config_node = Json::object();
  for (const char* key : {"channels", "kernels", "kernel_size", "boundary"})
    config_node[key] = header[key];
  root["config"] = std::move(config_node);
  Json blocks = Json::array();
  for (const ParameterBlock& b : layout.blocks())
    blocks.push_back(Json{{"name", b.name}, {"offset", b.offset}, {"size", b.size}});
  root["layout"] = std::move(blocks);
  root["parameter_count"] = layout.size();
  root["theta"] = std::vector<double>(theta.data(), theta.data() + theta.size());
  root["theta0"] = theta[layout.theta0()];
  root["weight"] = std::exp(theta[layout.theta0()]);
  std::vector<double> logs(config.kernels), weights(config.kernels);
  for (int j = 0; j < config.kernels; ++j) {
    logs[j] = theta[layout.expertWeight(j)];
    weights[j] = std::exp(logs[j]);
  }
  root["log_expert_weights"] = logs;
  root["expert_weights"] = weights;
  root["log_smoothing"] = theta[layout.smoothing()];
  root["smoothing"] = std::exp(theta[layout.smoothing()]);
  root["kernels"] = KernelsJson(config, theta);
  return Dump(root, 2) + "\n";
}

Status RegularizerFromJson(std::string_view text, FoeConfig* config, Eigen::VectorXd* theta) {
  if (!config || !theta) return Status::Error("RegularizerFromJson: no output given");
  Json root;
  if (Status s = ParseJson(text, &root); !s.ok()) return s;
  FoeConfig read;
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
  if (Status s = CheckTheta(read, out); !s.ok()) return s;
  *config = read;
  *theta = std::move(out);
  return Status::Ok();
}

Status WriteRegularizerJson(const std::string& path, const FoeConfig& config,
                            const Eigen::VectorXd& theta) {
  if (Status s = CheckRegularizer(config, theta); !s.ok())
    return Status::Error("cannot write '" + path + "': " + s.message());
  return WriteFileAtomically(path, RegularizerToJson(config, theta));
}

Status ReadRegularizerJson(const std::string& path, FoeConfig* config, Eigen::VectorXd* theta) {
  std::string text;
  if (Status s = ReadFile(path, &text); !s.ok()) return s;
  if (Status s = RegularizerFromJson(text, config, theta); !s.ok())
    return Status::Error("'" + path + "': " + s.message());
  return Status::Ok();
}

Status WriteRegularizerNpz(const std::string& path, const FoeConfig& config,
                           const Eigen::VectorXd& theta) {
  if (Status s = CheckRegularizer(config, theta); !s.ok())
    return Status::Error("cannot write '" + path + "': " + s.message());
  const FoeLayout layout(config);
  const std::size_t J = std::size_t(config.kernels), C = std::size_t(config.channels),
                    k = std::size_t(config.kernel_size);
  const std::span<const double> all(theta.data(), std::size_t(theta.size()));
  std::vector<double> logs(all.begin() + layout.expertWeight(0),
                           all.begin() + layout.expertWeight(0) + config.kernels);
  std::vector<double> weights(logs.size());
  for (std::size_t j = 0; j < logs.size(); ++j)
    weights[j] = std::exp(logs[j]);
  const double theta0 = theta[layout.theta0()], s = theta[layout.smoothing()];
  NpyArrays arrays;
  arrays.emplace_back("theta", NpyArray::FromDoubles(all));
  arrays.emplace_back("kernels",
                      NpyArray::FromDoubles(all.subspan(layout.kernel(0)), {J, C, k, k}));
  arrays.emplace_back("expert_weights", NpyArray::FromDoubles(weights));
  arrays.emplace_back("log_expert_weights", NpyArray::FromDoubles(logs));
  arrays.emplace_back("weight", NpyArray::ScalarDouble(std::exp(theta0)));
  arrays.emplace_back("theta0", NpyArray::ScalarDouble(theta0));
  arrays.emplace_back("smoothing", NpyArray::ScalarDouble(std::exp(s)));
  arrays.emplace_back("log_smoothing", NpyArray::ScalarDouble(s));
  arrays.emplace_back("config", NpyArray::FromBytes(Dump(ConfigJson(config), -1)));
  return WriteNpz(path, arrays);
}

Status ReadRegularizerNpz(const std::string& path, FoeConfig* config, Eigen::VectorXd* theta) {
  if (!config || !theta) return Status::Error("ReadRegularizerNpz: no output given");
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
  FoeConfig read;
  if (Status s = ReadHeader(header, header, &read); !s.ok()) return fail(s.message());
  if (theta_array->shape.size() != 1)
    return fail("theta must be 1-d, its shape is " + theta_array->shapeText());
  std::vector<double> values;
  if (Status s = theta_array->toDoubles(&values); !s.ok()) return fail("theta: " + s.message());
  Eigen::VectorXd out =
      Eigen::Map<const Eigen::VectorXd>(values.data(), Eigen::Index(values.size()));
  if (Status s = CheckTheta(read, out); !s.ok()) return fail(s.message());
  *config = read;
  *theta = std::move(out);
  return Status::Ok();
}

}  // namespace bilevel
