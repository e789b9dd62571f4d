#include <QCommandLineParser>
#include <cstdio>

#include "bilevel/backend_info.h"
#include "bilevel/iteration_timing.h"
#include "bilevel/regularizer_registry.h"
#include "bilevel/thread_pool.h"
#include "commands.h"

int RunBenchCommand(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Times, on the whole batch of denoising problems, one lower-level iteration (the gradient "
      "of h), one CG iteration (a Hessian-vector product), one mixed derivative, and whole FISTA "
      "and CG iterations (with their vector updates, reductions and per-image decisions), as "
      "medians, on the CPU or with --device cuda on the first GPU (batch 32 there unless --batch "
      "is given).");
  parser.addHelpOption();
  const QCommandLineOption regularizer(
      "regularizer",
      "Regularizer types to time side by side, comma-separated, each at its defaults (with "
      "--kernels and --kernel-size where the type has those settings); ratios are to the first.",
      "TYPES", bilevel::kDefaultRegularizerType);
  const QCommandLineOption batch("batch", "Images per batch.", "N", "8");
  const QCommandLineOption size("size", "Square image size in pixels.", "PX", "96");
  const QCommandLineOption channels("channels", "Colour channels.", "C", "3");
  const QCommandLineOption kernels(
      "kernels",
      "Number of kernels (the FoE's J), for the types that have it; 0: the type's default.", "J",
      "0");
  const QCommandLineOption ksize(
      "kernel-size", "Kernel size k (odd), for the types that have it; 0: the type's default.", "K",
      "0");
  const QCommandLineOption repeats("repeats", "Timed repetitions.", "R", "20");
  const QCommandLineOption threads("threads", "CPU threads (default: all cores).", "T", "0");
  const QCommandLineOption dbl("double", "Use double precision instead of float32.");
  const QCommandLineOption device("device", "cpu (default) or cuda.", "DEVICE", "cpu");
  const QCommandLineOption controls(
      "controls",
      "Instead: time pause, resume and stop on a running training of this preset "
      "(--repeats runs, each with three pauses).",
      "PRESET");
  parser.addOptions({regularizer, batch, size, channels, kernels, ksize, repeats, threads, dbl,
                     controls, device});
  QStringList argv = arguments;
  argv.prepend("bilevel-cli bench");
  if (!parser.parse(argv)) {
    std::fprintf(stderr, "bilevel-cli bench: %s\n", qPrintable(parser.errorText()));
    return 2;
  }
  if (parser.isSet("help")) {
    std::fputs(qPrintable(parser.helpText()), stdout);
    return 0;
  }
  bool ok = true;
  auto number = [&](const QCommandLineOption& o) {
    bool good = false;
    const int v = parser.value(o).toInt(&good);
    if (!good) {
      std::fprintf(stderr, "bilevel-cli bench: --%s expects a whole number, got '%s'\n",
                   qPrintable(o.names().first()), qPrintable(parser.value(o)));
      ok = false;
    }
    return v;
  };
  bilevel::BenchmarkOptions options;
  options.batch = number(batch);
  options.size = number(size);
  options.channels = number(channels);
  options.kernels = number(kernels);
  options.kernel_size = number(ksize);
  options.repeats = number(repeats);
  options.double_precision = parser.isSet(dbl);
  const int nthreads = number(threads);
  if (!ok) return 2;
  if (const bilevel::Status s = options.validate(); !s.ok()) {
    std::fprintf(stderr, "bilevel-cli %s\n", s.message().c_str());
    return 2;
  }
  if (nthreads > 0) bilevel::SetThreadCount(nthreads);
  const QString device_name = parser.value(device);
  if (device_name != "cpu" && device_name != "cuda") {
    std::fprintf(stderr, "bilevel-cli bench: --device expects cpu or cuda, got '%s'\n",
                 qPrintable(device_name));
    return 2;
  }
  options.device = device_name.toStdString();
  if (device_name == "cuda" && !parser.isSet(batch)) options.batch = 32;
  if (parser.isSet(controls))
    return RunControlsBench(parser.value(controls).toStdString(),
                            parser.isSet(repeats) ? options.repeats : 5);
  std::printf("batch %d, %dx%dx%d images, %s\n", options.batch, options.channels, options.size,
              options.size, options.double_precision ? "float64" : "float32");
  double first_lower = 0.0, first_cg = 0.0;
  for (const QString& type : parser.value(regularizer).split(',', Qt::SkipEmptyParts)) {
    options.regularizer = type.trimmed().toStdString();
    bilevel::BenchmarkResult r;
    if (const bilevel::Status s = bilevel::RunBenchmark(options, &r); !s.ok()) {
      std::fprintf(stderr, "bilevel-cli bench: %s\n", s.message().c_str());
      return 2;
    }
    if (first_lower == 0.0) {
      std::printf("%s\n", r.backend.c_str());
      first_lower = r.lower_level_ms;
      first_cg = r.cg_ms;
    }
    std::printf("%s\n  %s\n  x%.2f and x%.2f the first type's lower-level and CG iteration\n",
                r.model.c_str(), r.report().c_str(), r.lower_level_ms / first_lower,
                r.cg_ms / first_cg);
  }
  return 0;
}
