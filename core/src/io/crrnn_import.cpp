#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bilevel/crrnn_import.h"
#include "io/torch_checkpoint.h"
#include "regularizers/crrnn_model.h"

namespace bilevel {
namespace {

// The sizes of config.json's net_params and activation_params.
Status ReadConfig(const std::string& path, CrrnnModel* sizes) {
  std::ifstream file(path);
  if (!file) return Status::Error("cannot open '" + path + "'");
  try {
    const nlohmann::json j = nlohmann::json::parse(file);
    sizes->channels = j.at("net_params").at("channels").get<std::vector<int>>();
    sizes->kernel_size = j.at("net_params").at("kernel_size").get<int>();
    sizes->knots = j.at("activation_params").at("n_knots").get<int>();
    sizes->range = j.at("activation_params").at("knots_range").get<double>();
  } catch (const std::exception& e) {
    return Status::Error("'" + path + "' is not a CRR-NN config.json: " + e.what());
  }
  if (sizes->channels.size() < 2 || sizes->channels.front() < 1 || sizes->kernel_size < 1 ||
      sizes->kernel_size % 2 == 0 || sizes->knots < 3 || sizes->knots % 2 == 0 ||
      !(sizes->range > 0.0))
    return Status::Error("'" + path +
                         "': channels, an odd kernel_size, an odd n_knots and a "
                         "positive knots_range are needed");
  return Status::Ok();
}

// lambda and mu of the validation row with the highest PSNR (the first of equal ones).
Status ReadValidation(const std::string& path, double* lambda, double* mu, double* psnr) {
  std::ifstream file(path);
  if (!file) return Status::Error("cannot open '" + path + "'");
  const auto split = [](const std::string& line) {
    std::vector<std::string> cells;
    std::stringstream in(line);
    for (std::string cell; std::getline(in, cell, ',');)
      cells.push_back(cell);
    return cells;
  };
  std::string line;
  std::getline(file, line);
  const std::vector<std::string> header = split(line);
  const auto column = [&](const char* name) {
    return int(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const int p1 = column("p1"), p2 = column("p2"), score = column("psnr");
  if (p1 >= int(header.size()) || p2 >= int(header.size()) || score >= int(header.size()))
    return Status::Error("'" + path + "' has no columns p1, p2 and psnr");
  bool found = false;
  while (std::getline(file, line)) {
    const std::vector<std::string> cells = split(line);
    if (int(cells.size()) <= std::max({p1, p2, score})) continue;
    const double s = std::atof(cells[std::size_t(score)].c_str());
    if (found && !(s > *psnr)) continue;
    found = true;
    *psnr = s;
    *lambda = std::atof(cells[std::size_t(p1)].c_str());
    *mu = std::atof(cells[std::size_t(p2)].c_str());
  }
  if (!found) return Status::Error("'" + path + "' has no rows");
  return Status::Ok();
}

}  // namespace

Status ImportCrrnn(const CrrnnImportOptions& options, CrrnnImport* out) {
  *out = CrrnnImport{};
  CrrnnModel model;
  if (Status s = ReadConfig(options.config, &model); !s.ok()) return s;
  if (options.validation.empty()) {
    if (!(options.lambda > 0.0) || !(options.mu > 0.0))
      return Status::Error("give the validation table, or lambda and mu (both > 0)");
    model.lambda = options.lambda;
    model.mu = options.mu;
  } else if (Status s = ReadValidation(options.validation, &model.lambda, &model.mu,
                                       &model.validation_psnr);
             !s.ok()) {
    return s;
  }
  if (!(model.lambda > 0.0) || !(model.mu > 0.0))
    return Status::Error("lambda and mu must be positive");
  std::map<std::string, io::TorchTensor> tensors;
  if (Status s = io::ReadTorchStateDict(options.checkpoint, &tensors); !s.ok()) return s;
  const int k = model.kernel_size;
  for (std::size_t l = 0; l + 1 < model.channels.size(); ++l) {
    const std::string base = "conv_layer.conv_layers." + std::to_string(l);
    auto it = tensors.find(base + ".parametrizations.weight.original");
    if (it == tensors.end()) it = tensors.find(base + ".weight");
    if (it == tensors.end()) return Status::Error("the checkpoint has no weights of " + base);
    const std::vector<long long> want{model.channels[l + 1], model.channels[l], k, k};
    if (it->second.shape != want) return Status::Error(base + " does not have the config's shape");
    model.layers.push_back(std::move(it->second.values));
  }
  const std::size_t values = std::size_t(model.channels.back()) * std::size_t(model.knots);
  const auto spline = tensors.find("activation.coefficients_vect");
  if (spline == tensors.end() || spline->second.values.size() != values)
    return Status::Error("the checkpoint has no activation.coefficients_vect of " +
                         std::to_string(model.channels.back()) + " x " +
                         std::to_string(model.knots) + " values");
  model.coefficients = std::move(spline->second.values);
  return ConvexRidgeFromCrrnn(model, options.prune, options.prune_tolerance, out);
}

}  // namespace bilevel
