// bilevel-cli hypergrad: the hypergradient of a given regularizer on given image pairs, written
// as a .npy for comparison with other implementations.
#include <cstdio>

#include "bilevel/dataset.h"
#include "bilevel/hypergradient.h"
#include "bilevel/npy.h"
#include "bilevel/regularizer_io.h"
#include "cli_common.h"
#include "commands.h"
#include "operator_flags.h"

namespace {

// Reads images into one batch (all the same shape).
bilevel::Status ReadBatch(const QStringList& paths, bilevel::ColorMode color,
                          bilevel::Batch<double>* batch) {
  std::vector<bilevel::Batch<float>> images;
  for (const QString& p : paths) {
    bilevel::Batch<float> image;
    if (bilevel::Status s = bilevel::ReadImage(p.toStdString(), color, &image); !s.ok()) return s;
    if (!images.empty() && image.shape() != images.front().shape())
      return bilevel::Status::Error(p.toStdString() + " is " + image.shape().toString() +
                                    ", the first image is " + images.front().shape().toString());
    images.push_back(std::move(image));
  }
  const bilevel::Shape one = images.front().shape();
  batch->resize(bilevel::Shape{int(images.size()), one.c, one.h, one.w});
  for (std::size_t i = 0; i < images.size(); ++i)
    for (std::size_t k = 0; k < batch->imageSize(); ++k)
      batch->image(int(i))[k] = images[i].data()[k];
  return bilevel::Status::Ok();
}

}  // namespace

int RunHypergradCommand(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Computes the inexact hypergradient -(1/m) sum_i (d/dtheta grad_x h_i)^T q_i of a "
      "regularizer on clean/measured image pairs (FISTA to eps, CG to delta, in double "
      "precision) and writes it as a float64 .npy in the parameter layout of docs/FORMATS.md.");
  const QCommandLineOption regularizer("regularizer", "regularizer.json or regularizer.npz.",
                                       "FILE");
  const QCommandLineOption clean("clean", "A clean image (repeat for several).", "IMG");
  const QCommandLineOption measured("measured", "Its measurement, in the same order.", "IMG");
  const QCommandLineOption eps("eps", "Lower-level accuracy.", "E", "1e-6");
  const QCommandLineOption delta("delta", "CG accuracy.", "D", "1e-6");
  const QCommandLineOption out("out", "The .npy to write.", "FILE");
  const QCommandLineOption max_iterations(
      "max-iterations", "FISTA's and CG's iteration limit per image.", "N", "10000");
  const QCommandLineOption allow = cli::AllowUnconvergedOption();
  cli::OperatorFlags problem;
  parser.addOptions({regularizer, clean, measured, eps, delta, out, max_iterations, allow});
  problem.addTo(parser);
  if (int code = cli::Parse(parser, "hypergrad", arguments); code >= 0) return code;
  for (const QCommandLineOption* o : {&regularizer, &clean, &measured, &out})
    if (!parser.isSet(*o))
      return cli::Fail("hypergrad", "--" + o->names().first().toStdString() + " is required", 2);
  if (parser.values(clean).size() != parser.values(measured).size())
    return cli::Fail("hypergrad", "give as many --measured as --clean images", 2);

  bilevel::RegularizerSettings settings;
  Eigen::VectorXd theta;
  if (bilevel::Status s =
          bilevel::ReadRegularizerFile(parser.value(regularizer).toStdString(), &settings, &theta);
      !s.ok())
    return cli::Fail("hypergrad", s.message());
  const bilevel::ColorMode color = settings.integer("regularizer.channels") == 1
                                       ? bilevel::ColorMode::kGrey
                                       : bilevel::ColorMode::kColor;
  bilevel::Batch<double> x_clean, y;
  if (bilevel::Status s = ReadBatch(parser.values(clean), color, &x_clean); !s.ok())
    return cli::Fail("hypergrad", s.message());
  if (bilevel::Status s = ReadBatch(parser.values(measured), color, &y); !s.ok())
    return cli::Fail("hypergrad", s.message());
  std::unique_ptr<bilevel::ForwardOperator<double>> op;
  bilevel::HypergradientOptions options;
  if (bilevel::Status s = problem.make<double>(parser, x_clean.shape(), &op, &options.mu0); !s.ok())
    return cli::Fail("hypergrad", s.message(), 2);
  bool ok_e = false, ok_d = false;
  options.lower.tolerance = parser.value(eps).toDouble(&ok_e);
  options.linear.tolerance = parser.value(delta).toDouble(&ok_d);
  if (!ok_e || !ok_d) return cli::Fail("hypergrad", "--eps and --delta take numbers", 2);
  bool ok_m = false;
  options.lower.max_iterations = options.linear.max_iterations =
      parser.value(max_iterations).toInt(&ok_m);
  if (!ok_m || options.lower.max_iterations < 1)
    return cli::Fail("hypergrad", "--max-iterations takes a positive integer", 2);

  std::unique_ptr<bilevel::Regularizer<double>> reg;
  if (bilevel::Status s = bilevel::CreateRegularizer(settings, &reg); !s.ok())
    return cli::Fail("hypergrad", s.message());
  const bilevel::BatchData<double> data{op.get(), &x_clean, &y};
  bilevel::Batch<double> x, q;
  const auto r = bilevel::ComputeHypergradient(options, *reg, theta, data, x, q);
  if (!r.usable()) return cli::Fail("hypergrad", r.message);
  const bool allowed = parser.isSet(allow);
  if (int code = cli::CheckConverged("hypergrad", "FISTA", "||grad h||", r.lower,
                                     options.lower.tolerance, allowed);
      code >= 0)
    return code;
  if (int code = cli::CheckConverged("hypergrad", "CG", "residual", r.linear,
                                     options.linear.tolerance, allowed);
      code >= 0)
    return code;
  const bilevel::NpyArray array = bilevel::NpyArray::FromDoubles(
      std::span<const double>(r.gradient.data(), std::size_t(r.gradient.size())));
  if (bilevel::Status s = bilevel::WriteNpy(parser.value(out).toStdString(), array); !s.ok())
    return cli::Fail("hypergrad", s.message());
  std::printf(
      "loss %.10g, |z| %.10g, %ld lower-level and %ld CG iterations; wrote %s (%ld "
      "values)\n",
      r.loss, r.gradient.norm(), r.lower.totalIterations(), r.linear.totalIterations(),
      qPrintable(parser.value(out)), long(r.gradient.size()));
  return 0;
}
