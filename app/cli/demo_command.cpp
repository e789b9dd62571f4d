// The default job until the training engine lands: inexact gradient descent on the upper level of
// a small synthetic denoising problem, printing loss, PSNR and the work spent at each step.
#include <QCommandLineParser>
#include <chrono>
#include <cstdio>

#include "bilevel/backend_info.h"
#include "bilevel/foe.h"
#include "bilevel/forward_operator.h"
#include "bilevel/hypergradient.h"
#include "bilevel/metrics.h"
#include "bilevel/synthetic.h"
#include "commands.h"

int RunDemoCommand(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Learns a Field of Experts denoiser (sigma 25) on synthetic colour images by inexact "
      "gradient descent on the bilevel loss, and prints the loss and PSNR of every step.");
  parser.addHelpOption();
  const QCommandLineOption steps("steps", "Upper-level steps.", "N", "25");
  const QCommandLineOption alpha("alpha", "Step size.", "A", "2e-3");
  const QCommandLineOption eps("eps", "Lower-level accuracy eps (CG uses the same delta).", "E",
                               "1e-2");
  const QCommandLineOption images("images", "Training images.", "N", "8");
  const QCommandLineOption size("size", "Image size in pixels.", "PX", "48");
  parser.addOptions({steps, alpha, eps, images, size});
  QStringList argv = arguments;
  argv.prepend("bilevel-cli demo");
  if (!parser.parse(argv)) {
    std::fprintf(stderr, "bilevel-cli demo: %s\n", qPrintable(parser.errorText()));
    return 2;
  }
  if (parser.isSet("help")) {
    std::fputs(qPrintable(parser.helpText()), stdout);
    return 0;
  }
  bool ok_steps, ok_alpha, ok_eps, ok_images, ok_size;
  const int nsteps = parser.value(steps).toInt(&ok_steps);
  const double step = parser.value(alpha).toDouble(&ok_alpha);
  const double accuracy = parser.value(eps).toDouble(&ok_eps);
  const int n = parser.value(images).toInt(&ok_images);
  const int px = parser.value(size).toInt(&ok_size);
  if (!ok_steps || !ok_alpha || !ok_eps || !ok_images || !ok_size || nsteps < 0 || !(step > 0)) {
    std::fprintf(stderr, "bilevel-cli demo: options must be numbers (steps >= 0, alpha > 0)\n");
    return 2;
  }

  using T = float;
  const bilevel::Shape shape{n, 3, px, px};
  bilevel::FieldOfExperts<T> reg(bilevel::FoeConfig{3, 8, 5, bilevel::Boundary::kReflect101});
  bilevel::Vector<T> theta = reg.initialParameters();
  const bilevel::Batch<T> clean = bilevel::SyntheticImages<T>(shape, 2024);
  bilevel::Batch<T> noisy = clean;
  bilevel::AddGaussianNoise(noisy, 25.0, 7);
  bilevel::IdentityOperator<T> op(shape);
  const bilevel::BatchData<T> data{&op, &clean, &noisy};
  bilevel::HypergradientOptions options;
  options.lower.tolerance = accuracy;
  options.linear.tolerance = accuracy;
  if (const bilevel::Status s = options.validate(); !s.ok()) {
    std::fprintf(stderr, "bilevel-cli demo: %s\n", s.message().c_str());
    return 2;
  }

  std::printf("Bilevel Studio demo: FoE denoising, %d synthetic images of %dx%d, sigma 25\n%s\n", n,
              px, px, bilevel::CpuBackendDescription().c_str());
  std::printf("%5s %12s %9s %12s %9s\n", "step", "loss", "PSNR dB", "computations", "time s");
  bilevel::Batch<T> x, q;
  long computations = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int k = 0; k <= nsteps; ++k) {
    const auto r = bilevel::ComputeHypergradient(options, reg, theta, data, x, q);
    if (!r.usable()) {
      std::fprintf(stderr, "bilevel-cli demo: step %d failed: %s\n", k, r.message.c_str());
      return 1;
    }
    computations += r.computations();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%5d %12.5f %9.3f %12ld %9.2f\n", k, r.loss, r.meanPsnr(), computations, seconds);
    std::fflush(stdout);
    if (k == nsteps) break;
    theta -= T(step) * r.gradient;
    reg.projectZeroMean(theta);
  }
  double measured_psnr = 0.0;
  for (int i = 0; i < n; ++i)
    measured_psnr += bilevel::Psnr(noisy, clean, i) / n;
  std::printf("noisy input PSNR %.3f dB\n", measured_psnr);
  return 0;
}
