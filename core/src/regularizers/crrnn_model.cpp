#include "regularizers/crrnn_model.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "bilevel/regularizer_registry.h"

namespace bilevel {
namespace {

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

// Each of the `outputs` kernels minus its mean over input channels and positions.
void ZeroMean(int outputs, std::vector<double>* w) {
  const std::size_t per = w->size() / std::size_t(outputs);
  for (std::size_t o = 0; o < std::size_t(outputs); ++o) {
    double mean = 0.0;
    for (std::size_t k = 0; k < per; ++k)
      mean += (*w)[o * per + k];
    mean /= double(per);
    for (std::size_t k = 0; k < per; ++k)
      (*w)[o * per + k] -= mean;
  }
}

// The energy of each output channel's impulse response through every layer (zero padding), on
// the smallest image that holds it, as the reference measures it for pruning.
std::vector<double> ImpulseEnergy(const std::vector<std::vector<double>>& layers,
                                  const std::vector<int>& channel_counts, int kernel) {
  const int side = 2 * int(layers.size()) * (kernel / 2) + 1, r = kernel / 2;
  const std::size_t plane = std::size_t(side) * std::size_t(side);
  std::vector<double> in(plane, 0.0);
  in[plane / 2] = 1.0;
  int channels = channel_counts.front();
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const std::vector<double>& w = layers[l];
    const int outputs = channel_counts[l + 1];
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
                sum += w[((std::size_t(o) * channels + i) * kernel + u) * kernel + v] *
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

Status ConvexRidgeFromCrrnn(const CrrnnModel& model, bool prune, double prune_tolerance,
                            CrrnnImport* out) {
  *out = CrrnnImport{};
  out->lambda = model.lambda;
  out->mu = model.mu;
  out->validation_psnr = model.validation_psnr;
  const int layer_count = int(model.layers.size()), k = model.kernel_size, knots = model.knots;
  std::vector<std::vector<double>> layers = model.layers;
  for (int l = 0; l < layer_count; ++l)
    ZeroMean(model.channels[std::size_t(l + 1)], &layers[std::size_t(l)]);
  const int channels = model.channels.back();
  std::vector<std::vector<double>> splines;
  for (int o = 0; o < channels; ++o)
    splines.push_back(Monotone(model.coefficients.data() + std::size_t(o) * knots, knots));

  std::vector<int> keep;
  const std::vector<double> energy =
      prune ? ImpulseEnergy(layers, model.channels, k) : std::vector<double>();
  const double grid = 2.0 * model.range / double(knots - 1);
  for (int o = 0; o < channels; ++o) {
    if (!prune) {
      keep.push_back(o);
      continue;
    }
    const std::vector<double>& c = splines[std::size_t(o)];
    double tv2 = 0.0;  // the interior slopes' absolute sum
    for (int m = 1; m + 2 < knots; ++m)
      tv2 += std::abs(c[std::size_t(m + 1)] - c[std::size_t(m)]) / grid;
    if (tv2 * energy[std::size_t(o)] > prune_tolerance) keep.push_back(o);
  }
  if (keep.empty()) return Status::Error("pruning leaves no channel");
  out->channels = channels;
  out->kept = int(keep.size());

  std::vector<int> layer_sizes(model.channels.begin() + 1, model.channels.end());
  layer_sizes.back() = out->kept;
  RegularizerSettings settings = DefaultRegularizerSettings("convex_ridge");
  settings.set("regularizer.channels", (long long)model.channels.front());
  settings.set("regularizer.layers", List(layer_sizes));
  settings.set("regularizer.kernel_sizes", List(std::vector<int>(std::size_t(layer_count), k)));
  settings.set("regularizer.knots", (long long)knots);
  settings.set("regularizer.range", model.range);
  settings.set("regularizer.boundary", std::string("zero"));

  std::vector<double> theta{std::log(out->lambda), std::log(out->mu)};
  for (int l = 0; l < layer_count; ++l) {
    const std::vector<double>& w = layers[std::size_t(l)];
    const int outputs = model.channels[std::size_t(l + 1)];
    const std::size_t per = w.size() / std::size_t(outputs);
    for (int o = 0; o < outputs; ++o) {
      if (l == layer_count - 1 && !std::binary_search(keep.begin(), keep.end(), o)) continue;
      theta.insert(theta.end(), w.begin() + std::ptrdiff_t(std::size_t(o) * per),
                   w.begin() + std::ptrdiff_t(std::size_t(o + 1) * per));
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
