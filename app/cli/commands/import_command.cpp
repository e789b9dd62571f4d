// bilevel-cli import crrnn: a published CRR-NN (the reference implementation's checkpoint) as a
// convex_ridge regularizer file (bilevel/crrnn_import.h).
#include <cmath>
#include <cstdio>

#include "bilevel/crrnn_import.h"
#include "bilevel/regularizer_io.h"
#include "cli_common.h"
#include "commands.h"

int RunImportCommand(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "import crrnn: reads a convex ridge regularizer of the CRR-NN reference implementation "
      "(trained_models/<model>/checkpoints/*.pth with its config.json) into a convex_ridge "
      "regularizer file, with the reference's zero-mean kernels and projected splines, and lambda "
      "and mu from the best row of its denoising validation table (or given). --prune drops the "
      "channels whose spline is nearly linear, as the reference's test scripts do.");
  parser.addPositionalArgument("KIND", "crrnn", "crrnn");
  const QCommandLineOption checkpoint("checkpoint", "The PyTorch checkpoint (.pth).", "FILE");
  const QCommandLineOption config("config", "The model's config.json.", "FILE");
  const QCommandLineOption validation(
      "validation", "The reference's validation table (columns p1 = lambda, p2 = mu, psnr).",
      "CSV");
  const QCommandLineOption lambda("lambda", "lambda, without --validation.", "L");
  const QCommandLineOption mu("mu", "mu, without --validation.", "M");
  const QCommandLineOption prune("prune", "Drop the nearly linear channels (tolerance 1e-4).");
  const QCommandLineOption out("out", "The regularizer file to write (.json or .npz).", "FILE");
  parser.addOptions({checkpoint, config, validation, lambda, mu, prune, out});
  if (int code = cli::Parse(parser, "import", arguments, true); code >= 0) return code;
  if (parser.positionalArguments() != QStringList{"crrnn"})
    return cli::Fail("import", "the one kind that can be imported is 'crrnn'", 2);
  for (const QCommandLineOption* o : {&checkpoint, &config, &out})
    if (!parser.isSet(*o))
      return cli::Fail("import", "--" + o->names().first().toStdString() + " is required", 2);
  bilevel::CrrnnImportOptions options;
  options.checkpoint = parser.value(checkpoint).toStdString();
  options.config = parser.value(config).toStdString();
  options.validation = parser.value(validation).toStdString();
  options.prune = parser.isSet(prune);
  if (options.validation.empty()) {
    bool ok_l = false, ok_m = false;
    options.lambda = parser.value(lambda).toDouble(&ok_l);
    options.mu = parser.value(mu).toDouble(&ok_m);
    if (!ok_l || !ok_m) return cli::Fail("import", "give --validation, or --lambda and --mu", 2);
  } else if (parser.isSet(lambda) || parser.isSet(mu)) {
    return cli::Fail("import", "give --validation or --lambda and --mu, not both", 2);
  }
  bilevel::CrrnnImport imported;
  if (bilevel::Status s = bilevel::ImportCrrnn(options, &imported); !s.ok())
    return cli::Fail("import", s.message());
  const std::string path = parser.value(out).toStdString();
  const bool npz = path.size() > 4 && path.compare(path.size() - 4, 4, ".npz") == 0;
  const bilevel::Status written =
      npz ? bilevel::WriteRegularizerNpz(path, imported.settings, imported.theta)
          : bilevel::WriteRegularizerJson(path, imported.settings, imported.theta);
  if (!written.ok()) return cli::Fail("import", written.message());
  std::printf("lambda %.6g, mu %.6g (%s); %d of %d channels kept; d = %d; wrote %s\n",
              imported.lambda, imported.mu,
              options.validation.empty() ? "given" : "the validation's best row", imported.kept,
              imported.channels, int(imported.theta.size()), path.c_str());
  return 0;
}
