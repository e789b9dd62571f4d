#include "problem/oracle_reduction.h"

#include <cmath>

namespace bilevel {

void ImageOutcomes::pack(int k, bool gradient, std::vector<double>* out) const {
  out->push_back(loss[std::size_t(k)]);
  out->push_back(psnr[std::size_t(k)]);
  out->push_back(double(lower_iterations[std::size_t(k)]));
  out->push_back(double(cg_iterations[std::size_t(k)]));
  out->push_back(double(power_iterations[std::size_t(k)]));
  out->push_back(lower_residual[std::size_t(k)]);
  out->push_back(cg_residual[std::size_t(k)]);
  out->push_back(double(lower_converged[std::size_t(k)]));
  out->push_back(double(cg_converged[std::size_t(k)]));
  if (gradient)
    out->insert(out->end(), gradients.col(k).data(), gradients.col(k).data() + gradients.rows());
}

void ImageOutcomes::unpackAppend(const double* values, int parameters, bool gradient) {
  loss.push_back(values[0]);
  psnr.push_back(values[1]);
  lower_iterations.push_back(long(values[2]));
  cg_iterations.push_back(long(values[3]));
  power_iterations.push_back(long(values[4]));
  lower_residual.push_back(values[5]);
  cg_residual.push_back(values[6]);
  lower_converged.push_back(values[7] != 0.0 ? 1 : 0);
  cg_converged.push_back(values[8] != 0.0 ? 1 : 0);
  if (!gradient) return;
  if (gradients.rows() != parameters) gradients.resize(parameters, 0);
  gradients.conservativeResize(Eigen::NoChange, gradients.cols() + 1);
  gradients.col(gradients.cols() - 1) =
      Eigen::Map<const Eigen::VectorXd>(values + kScalars, parameters);
}

ImageOutcomes SolveOutcomes(const SolveSummary& lower, const SolveSummary* linear) {
  ImageOutcomes out;
  const std::size_t n = lower.images.size();
  out.lower_iterations.resize(n);
  out.cg_iterations.assign(n, 0);
  out.power_iterations.resize(n);
  out.lower_residual.resize(n);
  out.cg_residual.assign(n, 0.0);
  out.lower_converged.resize(n);
  out.cg_converged.assign(n, 1);
  for (std::size_t k = 0; k < n; ++k) {
    const ImageSolveReport& f = lower.images[k];
    out.lower_iterations[k] = f.iterations;
    out.power_iterations[k] = f.power_iterations;
    out.lower_residual[k] = f.residual;
    out.lower_converged[k] = f.converged ? 1 : 0;
    if (!linear || k >= linear->images.size()) continue;
    const ImageSolveReport& cg = linear->images[k];
    out.cg_iterations[k] = cg.iterations;
    out.cg_residual[k] = cg.residual;
    out.cg_converged[k] = cg.converged ? 1 : 0;
  }
  return out;
}

ImageOutcomes OutcomesOf(const HypergradientResult<float>& r, bool gradient) {
  ImageOutcomes out = SolveOutcomes(r.lower, gradient ? &r.linear : nullptr);
  out.loss = r.losses;
  out.psnr = r.psnr;
  if (gradient) out.gradients = r.image_gradients;
  return out;
}

OracleResult ReduceOutcomes(const ImageOutcomes& images, const OracleRequest& request) {
  const bool gradient = request.gradient;
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
  NoteUnconverged(images, request, &result);
  return result;
}

void NoteUnconverged(const ImageOutcomes& images, const OracleRequest& request,
                     OracleResult* result) {
  long lower = 0, cg = 0;
  std::string text =
      UnconvergedText("FISTA", "||grad h||", images.lower_residual, images.lower_converged,
                      request.images, request.epsilon, &lower);
  if (request.gradient) {
    const std::string linear =
        UnconvergedText("CG", "residual", images.cg_residual, images.cg_converged, request.images,
                        request.delta, &cg);
    if (!linear.empty()) text += (text.empty() ? "" : "; ") + linear;
  }
  result->unconverged = lower + cg;
  if (!text.empty()) result->message = text;
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
