// bilevel-cli apply: denoise, deblur or inpaint a user's image with a learned regularizer.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "bilevel/dataset.h"
#include "bilevel/metrics.h"
#include "bilevel/reconstruct.h"
#include "bilevel/regularizer_io.h"
#include "cli_common.h"
#include "commands.h"
#include "operator_flags.h"

int RunApplyCommand(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Reconstructs an image with a learned regularizer: solves the lower-level problem "
      "min_x 1/2 ||A x - y||^2 + R(x) + mu0/2 ||x||^2 for the measured image y with FISTA and "
      "writes x. The regularizer's channel count decides colour (3) or grey (1).");
  const QCommandLineOption regularizer("regularizer", "regularizer.json or regularizer.npz.",
                                       "FILE");
  const QCommandLineOption input("input",
                                 "The measured image (PNG, JPEG, BMP, TIFF), or a float TIFF or "
                                 ".npy array on the [0, 1] scale whose values outside [0, 1] are "
                                 "kept (a noisy measurement as the literature adds it).",
                                 "IMG");
  const QCommandLineOption output("output", "Where to write the reconstruction.", "IMG");
  const QCommandLineOption reference("reference", "A clean image: print PSNRs against it.", "IMG");
  const QCommandLineOption eps("eps",
                               "Accuracy: ||grad h|| <= eps * sqrt(N / (C S^2)) for an image of N "
                               "values and C channels, S the reference side (the accuracy eps "
                               "means on an S x S image, per pixel at any size).",
                               "E", "1e-2");
  const QCommandLineOption reference_side(
      "reference-side", "S, the side of the images eps is stated for; 0: eps is an absolute norm.",
      "S", QString::number(bilevel::kReferenceSide));
  const QCommandLineOption max_iterations("max-iterations", "FISTA iteration limit.", "N", "5000");
  const QCommandLineOption device("device",
                                  "Where to compute: auto, cpu or cuda (the GPU; the CPU with a "
                                  "warning where that is not possible).",
                                  "DEVICE", "auto");
  cli::OperatorFlags problem;
  const QCommandLineOption trace("trace",
                                 "Write FILE.csv: per FISTA iteration (on the CPU) ||grad h|| "
                                 "and, with --reference, the PSNR of the iterate.",
                                 "FILE");
  const QCommandLineOption allow = cli::AllowUnconvergedOption();
  parser.addOptions({regularizer, input, output, reference, eps, reference_side, max_iterations,
                     device, trace, allow});
  problem.addTo(parser);
  if (int code = cli::Parse(parser, "apply", arguments); code >= 0) return code;
  for (const QCommandLineOption* o : {&regularizer, &input, &output})
    if (!parser.isSet(*o))
      return cli::Fail("apply", "--" + o->names().first().toStdString() + " is required", 2);

  bilevel::RegularizerSettings settings;
  Eigen::VectorXd theta;
  if (bilevel::Status s =
          bilevel::ReadRegularizerFile(parser.value(regularizer).toStdString(), &settings, &theta);
      !s.ok())
    return cli::Fail("apply", s.message());
  const bilevel::ColorMode color = settings.integer("regularizer.channels") == 1
                                       ? bilevel::ColorMode::kGrey
                                       : bilevel::ColorMode::kColor;
  bilevel::Batch<float> y, clean;
  if (bilevel::Status s = bilevel::ReadMeasurement(parser.value(input).toStdString(), color, &y);
      !s.ok())
    return cli::Fail("apply", s.message());
  if (parser.isSet(reference)) {
    if (bilevel::Status s =
            bilevel::ReadImage(parser.value(reference).toStdString(), color, &clean);
        !s.ok())
      return cli::Fail("apply", s.message());
    if (clean.shape() != y.shape())
      return cli::Fail("apply", "the reference is " + clean.shape().toString() + ", the input is " +
                                    y.shape().toString());
  }
  std::unique_ptr<bilevel::ForwardOperator<float>> op;
  double mu0 = 0;
  if (bilevel::Status s = problem.make<float>(parser, y.shape(), &op, &mu0); !s.ok())
    return cli::Fail("apply", s.message(), 2);
  bool ok_eps = false, ok_max = false, ok_side = false;
  bilevel::ReconstructOptions options;
  options.fista.tolerance = parser.value(eps).toDouble(&ok_eps);
  options.fista.max_iterations = parser.value(max_iterations).toInt(&ok_max);
  options.reference_side = parser.value(reference_side).toInt(&ok_side);
  options.mu0 = mu0;
  if (!ok_eps || !ok_max || !ok_side)
    return cli::Fail("apply", "--eps, --reference-side and --max-iterations take numbers", 2);
  const auto preference = bilevel::DevicePreferenceFromString(parser.value(device).toStdString());
  if (!preference)
    return cli::Fail(
        "apply",
        "--device expects auto, cpu or cuda, got '" + parser.value(device).toStdString() + "'", 2);
  options.device = *preference;
  if (bilevel::Status s = options.validate(); !s.ok()) return cli::Fail("apply", s.message(), 2);

  std::vector<double> trace_psnr, trace_residual;
  if (parser.isSet(trace)) {
    options.trace = [&](const bilevel::Batch<float>& at) {
      trace_psnr.push_back(clean.empty() ? std::nan("") : bilevel::Psnr(at, clean, 0));
    };
    options.residual = [&](double r) { trace_residual.push_back(r); };
  }
  const bilevel::ReconstructResult result = bilevel::Reconstruct(settings, theta, *op, y, options);
  if (parser.isSet(trace)) {
    std::string csv = "iteration,residual,psnr\n";
    for (std::size_t k = 0; k < trace_residual.size(); ++k) {
      char line[96];
      std::snprintf(line, sizeof line, "%zu,%.6e,%.6f\n", k + 1, trace_residual[k],
                    k < trace_psnr.size() ? trace_psnr[k] : std::nan(""));
      csv += line;
    }
    std::ofstream file(parser.value(trace).toStdString(), std::ios::binary);
    file << csv;
    if (!file.flush())
      return cli::Fail("apply", "cannot write '" + parser.value(trace).toStdString() + "'");
  }
  for (const std::string& w : result.warnings)
    std::fprintf(stderr, "apply: warning: %s\n", w.c_str());
  if (!result.status.ok()) return cli::Fail("apply", result.status.message());
  const bilevel::SolveSummary& summary = result.summary;
  const bilevel::Batch<float>& x = result.x;
  const double seconds = result.seconds;
  std::printf("%s %s: %d FISTA iterations, ||grad h|| = %.3g (stops at %.3g), %.2f s on %s\n",
              bilevel::ToString(op->kind()), y.shape().toString().c_str(),
              summary.images[0].iterations, summary.images[0].residual, result.tolerance, seconds,
              result.backend.c_str());
  if (!summary.message.empty()) std::printf("note: %s\n", summary.message.c_str());
  if (int code = cli::CheckConverged("apply", "FISTA", "||grad h||", summary, result.tolerance,
                                     parser.isSet(allow));
      code >= 0)
    return code;
  if (!clean.empty())
    std::printf(
        "PSNR: measured %.3f dB, reconstructed %.3f dB; SSIM: measured %.4f, "
        "reconstructed %.4f\n",
        bilevel::Psnr(y, clean, 0), bilevel::Psnr(x, clean, 0), bilevel::Ssim(y, clean, 0),
        bilevel::Ssim(x, clean, 0));
  if (bilevel::Status s = bilevel::WriteImage(parser.value(output).toStdString(), x, 0); !s.ok())
    return cli::Fail("apply", s.message());
  std::printf("wrote %s\n", qPrintable(parser.value(output)));
  return 0;
}
