#include "bilevel/crrnn_import.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bilevel/regularizer_registry.h"
#include "io/torch_checkpoint.h"

namespace bilevel {
namespace {

struct Sizes {
  std::vector<int> channels;  // input, then each layer's output
  int kernel_size = 0;
  int knots = 0;
  double range = 0.0;
};

Status ReadConfig(const std::string& path, Sizes* sizes) {
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

// The reference's monotonic_clipping: slopes clipped at zero, the first and last set to zero,
// summed from the left, shifted so that the middle knot is zero.
std::vector<double> Monotone(const double* c, int knots) {
  std::vector<double> out(std::size_t(knots), 0.0);
  for (int m = 1; m < knots; ++m) {
    const bool end = m == 1 || m == knots - 1;
    out[std::size_t(m)] = out[std::size_t(m - 1)] + (end ? 0.0 : std::max(0.0, c[m] - c[m - 1]));
  }
  const double middle = out[std::size_t(knots / 2)];
  for (double& v : out)
    v -= middle;
  return out;
}

// Each output channel's kernel minus its mean over input channels and positions.
void ZeroMean(io::TorchTensor* w) {
  const std::size_t outputs = std::size_t(w->shape[0]), per = w->values.size() / outputs;
  for (std::size_t o = 0; o < outputs; ++o) {
    double mean = 0.0;
    for (std::size_t k = 0; k < per; ++k)
      mean += w->values[o * per + k];
    mean /= double(per);
    for (std::size_t k = 0; k < per; ++k)
      w->values[o * per + k] -= mean;
  }
}

// The energy of each output channel's impulse response through every layer (zero padding), on
// the smallest image that holds it, as the reference measures it for pruning.
std::vector<double> ImpulseEnergy(const std::vector<io::TorchTensor>& layers, int kernel) {
  const int side = 2 * int(layers.size()) * (kernel / 2) + 1, r = kernel / 2;
  const std::size_t plane = std::size_t(side) * std::size_t(side);
  std::vector<double> in(plane, 0.0);
  in[plane / 2] = 1.0;
  int channels = 1;
  for (const io::TorchTensor& w : layers) {
    const int outputs = int(w.shape[0]);
    std::vector<double> out(std::size_t(outputs) * plane, 0.0);
    for (int o = 0; o < outputs; ++o)
      for (int i = 0; i < channels; ++i)
        for (int y = 0; y < side; ++y)
          for (int x = 0; x < side; ++x) {
            double sum = 0.0;
            for (int u = 0; u < kernel; ++u)
              for (int v = 0; v < kernel; ++v) {
                const int yy = y + u - r, xx = x + v - r;
                if (yy < 0 || yy >= side || xx < 0 || xx >= side) continue;
                sum += w.values[((std::size_t(o) * channels + i) * kernel + u) * kernel + v] *
                       in[std::size_t(i) * plane + std::size_t(yy) * side + xx];
              }
            out[std::size_t(o) * plane + std::size_t(y) * side + x] += sum;
          }
    in = std::move(out);
    channels = outputs;
  }
  std::vector<double> energy(std::size_t(channels), 0.0);
  for (int o = 0; o < channels; ++o)
    for (std::size_t p = 0; p < plane; ++p)
      energy[std::size_t(o)] += in[std::size_t(o) * plane + p] * in[std::size_t(o) * plane + p];
  return energy;
}

std::string List(const std::vector<int>& values) {
  std::string text;
  for (int v : values)
    text += (text.empty() ? "" : ", ") + std::to_string(v);
  return text;
}

}  // namespace

Status ImportCrrnn(const CrrnnImportOptions& options, CrrnnImport* out) {
  *out = CrrnnImport{};
  Sizes sizes;
  if (Status s = ReadConfig(options.config, &sizes); !s.ok()) return s;
  if (options.validation.empty()) {
    if (!(options.lambda > 0.0) || !(options.mu > 0.0))
      return Status::Error("give the validation table, or lambda and mu (both > 0)");
    out->lambda = options.lambda;
    out->mu = options.mu;
  } else if (Status s =
                 ReadValidation(options.validation, &out->lambda, &out->mu, &out->validation_psnr);
             !s.ok()) {
    return s;
  }
  if (!(out->lambda > 0.0) || !(out->mu > 0.0))
    return Status::Error("lambda and mu must be positive");
  std::map<std::string, io::TorchTensor> tensors;
  if (Status s = io::ReadTorchStateDict(options.checkpoint, &tensors); !s.ok()) return s;

  const int layer_count = int(sizes.channels.size()) - 1, k = sizes.kernel_size;
  std::vector<io::TorchTensor> layers;
  for (int l = 0; l < layer_count; ++l) {
    const std::string base = "conv_layer.conv_layers." + std::to_string(l);
    auto it = tensors.find(base + ".parametrizations.weight.original");
    if (it == tensors.end()) it = tensors.find(base + ".weight");
    if (it == tensors.end()) return Status::Error("the checkpoint has no weights of " + base);
    const std::vector<long long> want{sizes.channels[std::size_t(l + 1)],
                                      sizes.channels[std::size_t(l)], k, k};
    if (it->second.shape != want) return Status::Error(base + " does not have the config's shape");
    layers.push_back(it->second);
    ZeroMean(&layers.back());
  }
  const int channels = sizes.channels.back(), knots = sizes.knots;
  const auto spline = tensors.find("activation.coefficients_vect");
  if (spline == tensors.end() || spline->second.values.size() != std::size_t(channels) * knots)
    return Status::Error("the checkpoint has no activation.coefficients_vect of " +
                         std::to_string(channels) + " x " + std::to_string(knots) + " values");
  std::vector<std::vector<double>> splines;
  for (int o = 0; o < channels; ++o)
    splines.push_back(Monotone(spline->second.values.data() + std::size_t(o) * knots, knots));

  std::vector<int> keep;
  const std::vector<double> energy = ImpulseEnergy(layers, k);
  const double grid = 2.0 * sizes.range / double(knots - 1);
  for (int o = 0; o < channels; ++o) {
    const std::vector<double>& c = splines[std::size_t(o)];
    double tv2 = 0.0;  // the interior slopes' absolute sum
    for (int m = 1; m + 2 < knots; ++m)
      tv2 += std::abs(c[std::size_t(m + 1)] - c[std::size_t(m)]) / grid;
    if (!options.prune || tv2 * energy[std::size_t(o)] > options.prune_tolerance) keep.push_back(o);
  }
  if (keep.empty()) return Status::Error("pruning leaves no channel");
  out->channels = channels;
  out->kept = int(keep.size());

  std::vector<int> layer_sizes(sizes.channels.begin() + 1, sizes.channels.end());
  layer_sizes.back() = out->kept;
  RegularizerSettings settings = DefaultRegularizerSettings("convex_ridge");
  settings.set("regularizer.channels", (long long)sizes.channels.front());
  settings.set("regularizer.layers", List(layer_sizes));
  settings.set("regularizer.kernel_sizes", List(std::vector<int>(std::size_t(layer_count), k)));
  settings.set("regularizer.knots", (long long)knots);
  settings.set("regularizer.range", sizes.range);
  settings.set("regularizer.boundary", std::string("zero"));

  std::vector<double> theta{std::log(out->lambda), std::log(out->mu)};
  for (int l = 0; l < layer_count; ++l) {
    const io::TorchTensor& w = layers[std::size_t(l)];
    const std::size_t per = w.values.size() / std::size_t(w.shape[0]);
    for (long long o = 0; o < w.shape[0]; ++o) {
      if (l == layer_count - 1 && !std::binary_search(keep.begin(), keep.end(), int(o))) continue;
      theta.insert(theta.end(), w.values.begin() + std::ptrdiff_t(std::size_t(o) * per),
                   w.values.begin() + std::ptrdiff_t(std::size_t(o + 1) * per));
    }
  }
  for (int o : keep)
    theta.insert(theta.end(), splines[std::size_t(o)].begin(), splines[std::size_t(o)].end());
  out->theta = Eigen::Map<const Eigen::VectorXd>(theta.data(), Eigen::Index(theta.size()));

  std::unique_ptr<Regularizer<double>> reg;
  if (Status s = CreateRegularizer(settings, &reg); !s.ok()) return s;
  if (Status s = reg->checkParameters(out->theta); !s.ok()) return s;
  out->settings = std::move(settings);
  return Status::Ok();
}

}  // namespace bilevel
