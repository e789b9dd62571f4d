#include "apply_job.h"

#include <chrono>
#include <exception>
#include <memory>
#include <random>

#include "bilevel/dataset.h"
#include "bilevel/metrics.h"
#include "bilevel/problem_data.h"
#include "bilevel/reconstruct.h"
#include "bilevel/regularizer_io.h"

namespace studio {
namespace {

// A colour image whose three channels are the same everywhere: a grey image read as colour.
bool EqualChannels(const bilevel::Batch<float>& image) {
  if (image.c() != 3) return false;
  const std::size_t plane = std::size_t(image.h()) * std::size_t(image.w());
  const float* v = image.image(0);
  for (std::size_t i = 0; i < plane; ++i)
    if (v[i] != v[plane + i] || v[i] != v[2 * plane + i]) return false;
  return true;
}

ApplyResult Solve(const ApplyRequest& request, const std::atomic<bool>* cancel,
                  ApplyProgress* progress) {
  ApplyResult result;
  bilevel::RegularizerSettings settings;
  Eigen::VectorXd theta;
  if (request.regularizer.empty()) {
    result.status = bilevel::Status::Error("choose a regularizer file");
    return result;
  }
  if (request.image.empty()) {
    result.status = bilevel::Status::Error("choose an image");
    return result;
  }
  if (bilevel::Status s = bilevel::ReadRegularizerFile(request.regularizer, &settings, &theta);
      !s.ok()) {
    result.status = s;
    return result;
  }
  const bilevel::ColorMode color = settings.integer("regularizer.channels") == 1
                                       ? bilevel::ColorMode::kGrey
                                       : bilevel::ColorMode::kColor;
  bilevel::Batch<float> input;
  if (bilevel::Status s = bilevel::ReadImage(request.image, color, &input); !s.ok()) {
    result.status = s;
    return result;
  }
  std::unique_ptr<bilevel::ForwardOperator<float>> op;
  if (request.problem == bilevel::OperatorKind::kIdentity) {
    op = std::make_unique<bilevel::IdentityOperator<float>>(input.shape());
  } else if (request.problem == bilevel::OperatorKind::kGaussianBlur) {
    bilevel::Status s;
    op = bilevel::GaussianBlurOperator<float>::Create(input.shape(), request.blur, &s);
    if (!s.ok()) {
      result.status = s;
      return result;
    }
  } else if (request.problem == bilevel::OperatorKind::kInpainting) {
    bilevel::Batch<float> masks;
    if (!request.mask.empty()) {
      if (bilevel::Status s = bilevel::ReadMaskImage(request.mask, input.shape(), &masks);
          !s.ok()) {
        result.status = s;
        return result;
      }
    } else if (request.simulate_sigma > 0.0 && request.keep_fraction > 0.0 &&
               request.keep_fraction <= 1.0) {
      masks = bilevel::InpaintingOperator<float>::RandomMasks(input.shape(), request.keep_fraction,
                                                              request.seed);
    } else {
      result.status = bilevel::Status::Error(
          "inpainting needs a mask image (white observed, black missing), or a simulation with "
          "a kept fraction in (0, 1]");
      return result;
    }
    op = std::make_unique<bilevel::InpaintingOperator<float>>(std::move(masks));
  } else {
    result.status = bilevel::Status::Error("unknown problem");
    return result;
  }
  if (!(request.mu0 >= 0.0)) {
    result.status = bilevel::Status::Error("mu0 must be >= 0");
    return result;
  }

  std::vector<std::string> warnings;
  if (color == bilevel::ColorMode::kColor && EqualChannels(input))
    warnings.push_back(
        "the image is grey and the regularizer is for colour images: it was restored as a colour "
        "image of three equal channels, so colour may appear; a regularizer trained on grey "
        "images suits it");
  if (request.simulate_sigma > 0.0) {
    result.clean = input;
    result.measured = bilevel::Batch<float>(input.shape());
    bilevel::ApplyToBatch(*op, input, result.measured);
    std::mt19937 rng(request.seed);
    std::normal_distribution<float> noise(0.0f, float(request.simulate_sigma / 255.0));
    for (float& v : result.measured.values())
      v += noise(rng);
  } else {
    result.measured = input;
  }

  bilevel::ReconstructOptions options;
  options.fista.tolerance = request.epsilon;
  options.fista.max_iterations = request.max_iterations;
  options.mu0 = request.mu0;
  options.device = request.device;
  if (cancel) options.fista.keep_going = [cancel] { return !cancel->load(); };
  if (progress) {
    progress->stop_at.store(bilevel::StoppingTolerance(options, result.measured.shape()),
                            std::memory_order_relaxed);
    options.progress = [progress](int n) { progress->steps.store(n, std::memory_order_relaxed); };
    options.residual = [progress](double r) {
      progress->residual.store(r, std::memory_order_relaxed);
    };
  }
  bilevel::ReconstructResult solved =
      bilevel::Reconstruct(settings, theta, *op, result.measured, options);
  result.seconds = solved.seconds;
  result.backend = solved.backend;
  result.warnings = warnings;
  result.warnings.insert(result.warnings.end(), solved.warnings.begin(), solved.warnings.end());
  if (!solved.status.ok()) {
    result.status = solved.status;
    return result;
  }
  const bilevel::SolveSummary& summary = solved.summary;
  bilevel::Batch<float> x = std::move(solved.x);
  result.restored = std::move(x);
  result.iterations = summary.images.empty() ? 0 : summary.images[0].iterations;
  result.residual = summary.images.empty() ? 0.0 : summary.images[0].residual;
  result.tolerance = solved.tolerance;
  result.note = summary.message;
  if (!result.clean.empty()) {
    result.measured_psnr = bilevel::Psnr(result.measured, result.clean, 0);
    result.restored_psnr = bilevel::Psnr(result.restored, result.clean, 0);
    result.measured_ssim = bilevel::Ssim(result.measured, result.clean, 0);
    result.restored_ssim = bilevel::Ssim(result.restored, result.clean, 0);
  }
  return result;
}

}  // namespace

ApplyResult RunApply(const ApplyRequest& request, const std::atomic<bool>* cancel,
                     ApplyProgress* progress) {
  try {
    return Solve(request, cancel, progress);
  } catch (const std::exception& e) {
    ApplyResult result;
    result.status = bilevel::Status::Error(std::string("internal error: ") + e.what());
    return result;
  }
}

}  // namespace studio
