#include <QCommandLineParser>
#include <cstdio>

#include "bilevel/backend_info.h"
#include "bilevel/iteration_timing.h"
#include "bilevel/thread_pool.h"
#include "commands.h"

int RunBenchCommand(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Times one lower-level iteration (gradient of h on the whole batch) and one CG iteration "
      "(Hessian-vector product on the whole batch) of the CPU backend, as medians. With --device "
      "cuda: one FISTA iteration and one CG iteration of the GPU engine on the whole batch "
      "(operators, vector updates, per-image norms and stopping tests; CUDA events), and one ISGD "
      "step (the hypergradient of a batch at fixed inner iteration counts), at 96x96 and 256x256 "
      "unless --size is given, batch 32 unless --batch is given.");
  parser.addHelpOption();
  const QCommandLineOption regularizer(
      "regularizer",
      "Regularizer types to time side by side, comma-separated, each at its defaults (the Field "
      "of Experts with --kernels and --kernel-size); ratios are to the first.",
      "TYPES", "field_of_experts");
  const QCommandLineOption batch("batch", "Images per batch.", "N", "8");
  const QCommandLineOption size("size", "Square image size in pixels.", "PX", "96");
  const QCommandLineOption channels("channels", "Colour channels.", "C", "3");
  const QCommandLineOption kernels("kernels", "Number of FoE kernels J.", "J", "10");
  const QCommandLineOption ksize("kernel-size", "Kernel size k (odd).", "K", "7");
  const QCommandLineOption repeats("repeats", "Timed repetitions.", "R", "20");
  const QCommandLineOption threads("threads", "CPU threads (default: all cores).", "T", "0");
  const QCommandLineOption dbl("double", "Use double precision instead of float32.");
  const QCommandLineOption device("device", "cpu (default) or cuda.", "DEVICE", "cpu");
  const QCommandLineOption fista_its("fista-iterations",
                                     "With --device cuda: FISTA iterations per solve.", "N", "50");
  const QCommandLineOption cg_its("cg-iterations", "With --device cuda: CG iterations per solve.",
                                  "N", "30");
  const QCommandLineOption boundary("boundary", "With --device cuda: reflect101 or zero.", "B",
                                    "reflect101");
  const QCommandLineOption controls(
      "controls",
      "Instead: time pause, resume and stop on a running training of this preset "
      "(--repeats runs, each with three pauses).",
      "PRESET");
  parser.addOptions({regularizer, batch, size, channels, kernels, ksize, repeats, threads, dbl,
                     controls, device, fista_its, cg_its, boundary});
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
  if (device_name == "cuda") {
    bilevel::CudaBenchmarkOptions o;
    o.batch = parser.isSet(batch) ? options.batch : 32;
    if (parser.isSet(size)) o.sizes = {options.size};
    o.channels = options.channels;
    o.kernels = options.kernels;
    o.kernel_size = options.kernel_size;
    o.repeats = parser.isSet(repeats) ? options.repeats : 5;
    o.fista_iterations = number(fista_its);
    o.cg_iterations = number(cg_its);
    const auto b = bilevel::BoundaryFromString(parser.value(boundary).toStdString());
    if (!ok || !b) {
      if (!b) std::fprintf(stderr, "bilevel-cli bench: --boundary expects reflect101 or zero\n");
      return 2;
    }
    o.boundary = *b;
    if (const bilevel::Status s = o.validate(); !s.ok()) {
      std::fprintf(stderr, "bilevel-cli %s\n", s.message().c_str());
      return 2;
    }
    bilevel::CudaBenchmarkResult r;
    if (const bilevel::Status s = bilevel::RunCudaBenchmark(o, &r); !s.ok()) {
      std::fprintf(stderr, "bilevel-cli bench: %s\n", s.message().c_str());
      return 1;
    }
    std::printf("%s\n", r.report(o).c_str());
    return 0;
  }
  if (parser.isSet(controls))
    return RunControlsBench(parser.value(controls).toStdString(),
                            parser.isSet(repeats) ? options.repeats : 5);
  std::printf("%s\nbatch %d, %dx%dx%d images, %s\n", bilevel::CpuBackendDescription().c_str(),
              options.batch, options.channels, options.size, options.size,
              options.double_precision ? "float64" : "float32");
  double first_lower = 0.0, first_cg = 0.0;
  for (const QString& type : parser.value(regularizer).split(',', Qt::SkipEmptyParts)) {
    options.regularizer = type.trimmed().toStdString();
    bilevel::BenchmarkResult r;
    if (const bilevel::Status s = bilevel::RunCpuBenchmark(options, &r); !s.ok()) {
      std::fprintf(stderr, "bilevel-cli bench: %s\n", s.message().c_str());
      return 2;
    }
    if (first_lower == 0.0) {
      first_lower = r.lower_level_ms;
      first_cg = r.cg_ms;
    }
    std::printf("%s\n  %s\n  x%.2f and x%.2f the first type's lower-level and CG iteration\n",
                r.model.c_str(), r.report().c_str(), r.lower_level_ms / first_lower,
                r.cg_ms / first_cg);
  }
  return 0;
}
