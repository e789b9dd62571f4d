#include "problem/oracle_reduction.h"

#include <cmath>

namespace bilevel {

void ImageOutcomes::pack(int k, bool gradient, std::vector<double>* out) const {
  out->push_back(loss[std::size_t(k)]);
  out->push_back(psnr[std::size_t(k)]);
  out->push_back(double(lower_iterations[std::size_t(k)]));
  out->push_back(double(cg_iterations[std::size_t(k)]));
  out->push_back(double(power_iterations[std::size_t(k)]));
  if (gradient)
    out->insert(out->end(), gradients.col(k).data(), gradients.col(k).data() + gradients.rows());
}

void ImageOutcomes::unpackAppend(const double* values, int parameters, bool gradient) {
  loss.push_back(values[0]);
  psnr.push_back(values[1]);
  lower_iterations.push_back(long(values[2]));
  cg_iterations.push_back(long(values[3]));
  power_iterations.push_back(long(values[4]));
  if (!gradient) return;
  if (gradients.rows() != parameters) gradients.resize(parameters, 0);
  gradients.conservativeResize(Eigen::NoChange, gradients.cols() + 1);
  gradients.col(gradients.cols() - 1) = Eigen::Map<const Eigen::VectorXd>(values + 5, parameters);
}

ImageOutcomes OutcomesOf(const HypergradientResult<float>& r, bool gradient) {
  ImageOutcomes out;
  const std::size_t n = r.losses.size();
  out.loss = r.losses;
  out.psnr = r.psnr;
  out.lower_iterations.resize(n);
  out.cg_iterations.assign(n, 0);
  out.power_iterations.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    out.lower_iterations[k] = r.lower.images[k].iterations;
    out.power_iterations[k] = r.lower.images[k].power_iterations;
    if (gradient) out.cg_iterations[k] = r.linear.images[k].iterations;
  }
  if (gradient) out.gradients = r.image_gradients;
  return out;
}

OracleResult ReduceOutcomes(const ImageOutcomes& images, bool gradient) {
  OracleResult result;
  result.status = OracleStatus::kOk;
  result.loss = MeanInOrder(images.loss);
  result.psnr = MeanInOrder(images.psnr);
  std::vector<double> norms(images.loss.size());
  for (std::size_t k = 0; k < norms.size(); ++k)
    norms[k] = 2.0 * std::sqrt(images.loss[k]);  // ||grad g_i|| = ||2 (x_i - x*_i)||
  result.loss_gradient_norm = MeanInOrder(norms);
  if (gradient) result.gradient = MeanInOrder(images.gradients);
  for (int k = 0; k < images.size(); ++k) {
    result.lower_iterations += images.lower_iterations[std::size_t(k)];
    result.cg_iterations += images.cg_iterations[std::size_t(k)];
    result.power_iterations += images.power_iterations[std::size_t(k)];
  }
  result.warm_starts_changed = true;
  return result;
}

int Severity(OracleStatus status) {
  switch (status) {
    case OracleStatus::kOk:
      return 0;
    case OracleStatus::kNonFinite:
      return 1;
    case OracleStatus::kCancelled:
      return 2;
    case OracleStatus::kError:
      return 3;
  }
  return 3;
}

}  // namespace bilevel
