// bilevel-cli end to end: --help on every command, a short training run and its resume, apply,
// hypergrad against the library, compare, and clear messages with non-zero exits on bad input.
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "bilevel/config_json.h"
#include "bilevel/dataset.h"
#include "bilevel/hypergradient.h"
#include "bilevel/npy.h"
#include "bilevel/regularizer_io.h"
#include "bilevel/run_folder.h"
#include "data/synthetic.h"
#include "regularizers/foe.h"
#include "support/cli_process.h"

using namespace bilevel;

namespace {

using Result = bilevel::test::CliResult;
using bilevel::test::Cli;
using bilevel::test::Describe;

// An 8-bit image file of a synthetic colour image, and its values as the loader reads them.
void WriteSynthetic(const QString& path, unsigned seed, double noise) {
  Batch<float> image = SyntheticImages<float>(Shape{1, 3, 24, 24}, seed);
  if (noise > 0) AddGaussianNoise(image, noise, seed + 100);
  QVERIFY(WriteImage(path.toStdString(), image, 0).ok());
}

}  // namespace

class CliTest : public QObject {
  Q_OBJECT

 private slots:
  void everyCommandHasHelp() {
    for (const char* command :
         {"train", "resume", "compare", "apply", "hypergrad", "bench", "presets", "baseline",
          "plot", "evaluate", "gallery", "import", "study"}) {
      const Result r = Cli({command, "--help"});
      QVERIFY2(r.code == 0, qPrintable(Describe(r)));
      QVERIFY2(r.out.contains("Usage:"), qPrintable(Describe(r)));
    }
    const Result top = Cli({"--help"});
    QCOMPARE(top.code, 0);
    QVERIFY(top.out.contains("hypergrad"));
  }

  void presetsAreListedAndValid() {
    const Result r = Cli({"presets"});
    QCOMPARE(r.code, 0);
    for (const char* name :
         {"quick", "foe-denoise-isgd-1e-5", "foe-denoise-isgd-1e-4", "foe-denoise-isgd-ds-1e-4",
          "foe-denoise-maid", "foe-deblur-isgd-ds", "foe-deblur-maid"})
      QVERIFY2(r.out.contains(name), name);
    const Result json = Cli({"presets", "quick"});
    QCOMPARE(json.code, 0);
    QVERIFY(json.out.contains("\"method\""));
  }

  void badInputGivesAMessageAndNonZeroExit() {
    QTemporaryDir tmp;
    const QString bad_json = tmp.filePath("bad.json");
    QFile f(bad_json);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"step\": {\"initial\": -1}}");
    f.close();
    const struct {
      QStringList args;
      const char* expected;
    } cases[] = {
        {{"frobnicate"}, "unknown command"},
        {{"train", "--preset", "nope"}, "unknown preset"},
        {{"train"}, "--preset"},
        {{"train", "--config", tmp.filePath("missing.json")}, "missing.json"},
        {{"train", "--config", bad_json}, "step.initial"},
        {{"train", "--preset", "quick", "--iterations", "x"}, "--iterations"},
        {{"train", "--preset", "quick", "--data", tmp.filePath("none")}, "none"},
        {{"train", "--preset", "quick", "--device", "tpu"}, "--device"},
        {{"train", "--preset", "quick", "--set", "no.such.field=1"}, "no.such.field"},
        {{"train", "--preset", "quick", "--set", "step.initial=-1"}, "step.initial"},
        {{"train", "--preset", "quick", "--set", "novalue"}, "FIELD=VALUE"},
        {{"resume", tmp.filePath("nothing")}, "nothing"},
        {{"apply", "--regularizer", tmp.filePath("r.json")}, "--input"},
        {{"apply", "--regularizer", tmp.filePath("r.json"), "--input", "a.png", "--output",
          "b.png"},
         "r.json"},
        {{"hypergrad", "--regularizer", "r.json", "--clean", "a.png", "--out", "z.npy"},
         "--measured"},
    };
    for (const auto& c : cases) {
      const Result r = Cli(c.args);
      QVERIFY2(r.code != 0 && r.code != -2, qPrintable(Describe(r)));
      QVERIFY2(r.err.contains(c.expected), qPrintable(Describe(r)));
    }
  }

  // apply with another regularizer type and another operator: smoothed TV fills the missing
  // pixels of a masked image, and the reconstruction beats the masked input.
  void applyInpaintsWithTotalVariation() {
    QTemporaryDir tmp;
    const QString clean = tmp.filePath("clean.png"), holes = tmp.filePath("holes.png"),
                  mask = tmp.filePath("mask.png"), reg = tmp.filePath("tv.json"),
                  out = tmp.filePath("filled.png");
    WriteSynthetic(clean, 4, 0.0);
    Batch<float> image, observed(Shape{1, 1, 24, 24});
    QVERIFY(ReadImage(clean.toStdString(), ColorMode::kColor, &image).ok());
    for (int y = 0; y < 24; ++y)
      for (int x = 0; x < 24; ++x) {
        const bool seen = (x * 7 + y * 3) % 5 != 0;
        observed.at(0, 0, y, x) = seen ? 1.0f : 0.0f;
        for (int c = 0; c < 3; ++c)
          if (!seen) image.at(0, c, y, x) = 0.0f;
      }
    QVERIFY(WriteImage(holes.toStdString(), image, 0).ok());
    QVERIFY(WriteImage(mask.toStdString(), observed, 0).ok());
    RegularizerSettings tv = DefaultRegularizerSettings("total_variation");
    QVERIFY(WriteRegularizerJson(reg.toStdString(), tv, Eigen::Vector4d(-4, -4, -4, -4)).ok());

    Result r = Cli({"apply", "--regularizer", reg, "--input", holes, "--output", out, "--problem",
                    "inpaint", "--mu0", "1e-4", "--reference", clean});
    QVERIFY2(r.code != 0 && r.err.contains("--mask"), qPrintable(Describe(r)));
    const QRegularExpression psnr("measured ([0-9.]+) dB, reconstructed ([0-9.]+) dB");
    r = Cli({"apply", "--regularizer", reg, "--input", holes, "--output", out, "--problem",
             "inpaint", "--mask", mask, "--mu0", "1e-4", "--reference", clean});
    QVERIFY2(r.code == 0, qPrintable(Describe(r)));
    const QRegularExpressionMatch m = psnr.match(r.out);
    QVERIFY2(m.hasMatch(), qPrintable(Describe(r)));
    QVERIFY2(m.captured(2).toDouble() > m.captured(1).toDouble() + 5.0, qPrintable(Describe(r)));
  }

  void trainResumeApplyAndHypergrad() {
    QTemporaryDir tmp;
    const QString run = tmp.filePath("run");
    Result r = Cli({"train", "--preset", "quick", "--iterations", "4", "--out", run, "--set",
                    "accuracy.kind=polynomial", "--set", "name=cli-test"});
    QVERIFY2(r.code == 0, qPrintable(Describe(r)));
    TrainingConfig written;
    QVERIFY(LoadConfigFile((run + "/config.json").toStdString(), &written, nullptr).ok());
    QCOMPARE(written.knobs.accuracy.kind, ScheduleKind::kPolynomial);
    QCOMPARE(written.name, std::string("cli-test"));
    std::vector<IterationRecord> log;
    QVERIFY(RunFolder::ReadLog((run + "/log.csv").toStdString(), &log).ok());
    QCOMPARE(int(log.size()), 4);
    // An existing run folder is not overwritten without --overwrite.
    r = Cli({"train", "--preset", "quick", "--iterations", "1", "--out", run});
    QVERIFY2(r.code != 0, qPrintable(Describe(r)));
    r = Cli({"resume", run, "--iterations", "6"});
    QVERIFY2(r.code == 0, qPrintable(Describe(r)));
    QVERIFY(RunFolder::ReadLog((run + "/log.csv").toStdString(), &log).ok());
    QCOMPARE(int(log.size()), 6);
    QCOMPARE(log.back().iteration, 6L);

    // apply: a noisy image, its clean reference; the reconstruction is written and improves.
    const QString clean = tmp.filePath("clean.png"), noisy = tmp.filePath("noisy.png");
    WriteSynthetic(clean, 3, 0.0);
    WriteSynthetic(noisy, 3, 25.0);
    const QString out = tmp.filePath("denoised.png");
    for (const char* file : {"/regularizer.json", "/regularizer.npz"}) {
      r = Cli({"apply", "--regularizer", run + file, "--input", noisy, "--output", out,
               "--reference", clean});
      QVERIFY2(r.code == 0, qPrintable(Describe(r)));
      Batch<float> x, c;
      QVERIFY(ReadImage(out.toStdString(), ColorMode::kColor, &x).ok());
      QCOMPARE(x.shape(), (Shape{1, 3, 24, 24}));
    }

    // hypergrad against the library on the same files, in double precision.
    const QString z_path = tmp.filePath("z.npy");
    r = Cli({"hypergrad", "--regularizer", run + "/regularizer.json", "--clean", clean,
             "--measured", noisy, "--eps", "1e-8", "--delta", "1e-8", "--out", z_path});
    QVERIFY2(r.code == 0, qPrintable(Describe(r)));
    NpyArray array;
    QVERIFY(ReadNpy(z_path.toStdString(), &array).ok());
    std::vector<double> z;
    QVERIFY(array.toDoubles(&z).ok());
    RegularizerSettings foe;
    Eigen::VectorXd theta;
    QVERIFY(ReadRegularizerJson((run + "/regularizer.json").toStdString(), &foe, &theta).ok());
    QCOMPARE(int(z.size()), int(theta.size()));
    Batch<float> cf, yf;
    QVERIFY(ReadImage(clean.toStdString(), ColorMode::kColor, &cf).ok());
    QVERIFY(ReadImage(noisy.toStdString(), ColorMode::kColor, &yf).ok());
    const Batch<double> cd = BatchCast<double>(cf), yd = BatchCast<double>(yf);
    IdentityOperator<double> op(cd.shape());
    FieldOfExperts<double> reg(FoeConfigFrom(foe));
    HypergradientOptions options;
    options.lower.tolerance = options.linear.tolerance = 1e-8;
    Batch<double> x, q;
    const auto expected =
        ComputeHypergradient(options, reg, theta, BatchData<double>{&op, &cd, &yd}, x, q);
    QVERIFY(expected.usable());
    const Eigen::Map<const Eigen::VectorXd> got(z.data(), Eigen::Index(z.size()));
    const double rel = (got - expected.gradient).norm() / expected.gradient.norm();
    QVERIFY2(rel < 1e-10, qPrintable(QString::number(rel)));

    // Solves forced to their iteration limit: an error naming the limit and the residual
    // against the tolerance, unless --allow-unconverged makes it a warning.
    const QStringList capped = {"hypergrad", "--regularizer", run + "/regularizer.json",
                                "--clean",   clean,           "--measured",
                                noisy,       "--eps",         "1e-8",
                                "--delta",   "1e-8",          "--max-iterations",
                                "3",         "--out",         z_path};
    r = Cli(capped);
    QVERIFY2(r.code == 3, qPrintable(Describe(r)));
    QVERIFY2(r.err.contains("iteration limit") && r.err.contains("tolerance 1e-08"),
             qPrintable(Describe(r)));
    r = Cli(capped + QStringList{"--allow-unconverged"});
    QVERIFY2(r.code == 0 && r.err.contains("warning"), qPrintable(Describe(r)));
    const QStringList capped_apply = {"apply",
                                      "--regularizer",
                                      run + "/regularizer.json",
                                      "--input",
                                      noisy,
                                      "--output",
                                      out,
                                      "--max-iterations",
                                      "2"};
    r = Cli(capped_apply);
    QVERIFY2(r.code == 3 && r.err.contains("iteration limit"), qPrintable(Describe(r)));
    r = Cli(capped_apply + QStringList{"--allow-unconverged"});
    QVERIFY2(r.code == 0, qPrintable(Describe(r)));

    // --trace: one row per FISTA iteration, the PSNR of the iterates against the reference; the
    // tolerance is eps scaled from a 96 x 96 image to this 24 x 24 one (a quarter), or eps itself
    // with --reference-side 0.
    const QString trace = tmp.filePath("trace.csv");
    r = Cli({"apply", "--regularizer", run + "/regularizer.json", "--input", noisy, "--output", out,
             "--reference", clean, "--eps", "1e-3", "--trace", trace});
    QVERIFY2(r.code == 0 && r.out.contains("stops at 0.00025"), qPrintable(Describe(r)));
    QFile file(trace);
    QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList rows = QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
    const QRegularExpression iterations(QStringLiteral("(\\d+) FISTA iterations"));
    QCOMPARE(rows.size(), 1 + iterations.match(r.out).captured(1).toInt());
    QCOMPARE(rows[0], QStringLiteral("iteration,residual,psnr"));
    QVERIFY(rows.last().split(',')[2].toDouble() > rows[1].split(',')[2].toDouble() + 1.0);
    r = Cli({"apply", "--regularizer", run + "/regularizer.json", "--input", noisy, "--output", out,
             "--eps", "1e-3", "--reference-side", "0"});
    QVERIFY2(r.code == 0 && r.out.contains("stops at 0.001)"), qPrintable(Describe(r)));
  }

  // A training run whose solves stop at their limit goes on, and says so: per iteration in
  // log.csv, as warnings naming the images and the residuals, and in its closing lines; evaluate
  // of it refuses unless allowed.
  void cappedSolvesAreReported() {
    QTemporaryDir tmp;
    const QString run = tmp.filePath("run");
    Result r = Cli({"train", "--preset", "quick", "--iterations", "2", "--out", run, "--set",
                    "lower_max_iterations=3", "--set", "test_interval=1"});
    QVERIFY2(r.code == 0, qPrintable(Describe(r)));
    QVERIFY2(r.out.contains("stopped at their iteration limit"), qPrintable(Describe(r)));
    std::vector<IterationRecord> log;
    QVERIFY(RunFolder::ReadLog((run + "/log.csv").toStdString(), &log).ok());
    QCOMPARE(int(log.size()), 2);
    for (const IterationRecord& record : log)  // a FISTA and a CG solve per image at most
      QVERIFY(record.unconverged >= 1 && record.unconverged <= 2L * record.batch_size);
    std::vector<RunEvent> events;
    QVERIFY(RunFolder::ReadEvents((run + "/events.jsonl").toStdString(), &events).ok());
    int warnings = 0;
    for (const RunEvent& e : events)
      if (e.kind == "warning" &&
          e.message.find("FISTA stopped at its iteration limit") != std::string::npos) {
        QVERIFY2(e.message.find("||grad h|| up to") != std::string::npos, e.message.c_str());
        ++warnings;
      }
    QCOMPARE(warnings, 2);
    r = Cli({"evaluate", run});
    QVERIFY2(r.code == 3 && r.err.contains("test images stopped"), qPrintable(Describe(r)));
    r = Cli({"evaluate", run, "--allow-unconverged"});
    QVERIFY2(r.code == 0, qPrintable(Describe(r)));
  }

  // evaluate rebuilds a run's test set and agrees with the trainer's own test PSNR; gallery draws
  // one row per run with a tile for each distinct snapshot, labelled with the computations of the
  // iteration that wrote it, and the final regularizer.
  void evaluateAndGalleryReadRunFolders() {
    QTemporaryDir tmp;
    const QString run = tmp.filePath("run");
    Result r = Cli({"train", "--preset", "quick", "--iterations", "3", "--out", run, "--set",
                    "test_interval=3", "--set", "snapshots=[0, 1, 2]"});
    QVERIFY2(r.code == 0, qPrintable(Describe(r)));
    QCOMPARE(int(RunFolder::Snapshots(run.toStdString()).size()), 3);
    std::vector<IterationRecord> log;
    QVERIFY(RunFolder::ReadLog((run + "/log.csv").toStdString(), &log).ok());
    QCOMPARE(int(log.size()), 3);
    QVERIFY(std::isfinite(log.back().test_psnr));

    r = Cli({"evaluate", run});
    QVERIFY2(r.code == 0, qPrintable(Describe(r)));
    const QStringList lines = r.out.split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);  // header, rule, one run
    const QStringList cells = lines[2].split('|');
    QVERIFY2(cells.size() >= 12, qPrintable(lines[2]));
    QCOMPARE(cells[1].trimmed(), QString("quick"));
    QCOMPARE(cells[2].trimmed(), QString("field_of_experts"));
    QCOMPARE(cells[4].trimmed().toInt(), 16);  // the preset's test patches
    const double measured = cells[5].toDouble(), initial = cells[6].toDouble(),
                 learned = cells[7].toDouble();
    QVERIFY2(measured > 15 && measured < 25, qPrintable(lines[2]));
    QVERIFY2(initial > measured && learned > measured, qPrintable(lines[2]));
    QVERIFY2(std::abs(learned - log.back().test_psnr) < 0.05,
             qPrintable(lines[2] + " against " + QString::number(log.back().test_psnr)));
    QCOMPARE(cells[8].trimmed().toLong(), log.back().computations);
    QVERIFY2(cells[11].contains("CPU"), qPrintable(lines[2]));

    const QString sheet = tmp.filePath("gallery.png");
    r = Cli({"gallery", run, run, "--image", "test:1", "--zoom", "1", "--out", sheet});
    QVERIFY2(r.code == 0, qPrintable(Describe(r)));
    // Budgets 1 and 2 are both reached by the first iteration: initial, first, final per row.
    QCOMPARE(int(r.out.count("dB")), 2 * 3);
    QVERIFY2(r.out.count(QString("%1 comp.").arg(log[0].computations)) == 2, qPrintable(r.out));
    const cv::Mat image = cv::imread(sheet.toStdString());
    QVERIFY(!image.empty());
    QVERIFY2(image.cols > 5 * 48 && image.rows > 2 * 48,
             qPrintable(QString("%1 x %2").arg(image.cols).arg(image.rows)));

    for (const QStringList& bad :
         {QStringList{"gallery", run, "--image", "test:99", "--out", sheet},
          QStringList{"gallery", run, "--image", "middle:1", "--out", sheet},
          QStringList{"gallery", run, "--zoom", "40", "--out", sheet}, QStringList{"gallery", run},
          QStringList{"evaluate", tmp.filePath("nothing")},
          QStringList{"evaluate", run, "--device", "tpu"}}) {
      r = Cli(bad);
      QVERIFY2(r.code != 0 && !r.err.isEmpty(), qPrintable(bad.join(' ') + "\n" + Describe(r)));
    }
  }

  // The set form: two regularizers on a folder of grey images of two sizes (and a file that is
  // not an image), one CSV and Markdown table, 16-bit reconstructions and float measurements in a
  // folder each; apply on a saved measurement gives the table's PSNRs.
  void evaluateScoresAFolderOfWholeImages() {
    QTemporaryDir tmp;
    QDir(tmp.path()).mkdir("set");
    for (int k = 0; k < 3; ++k) {
      Batch<float> image = SyntheticImages<float>(Shape{1, 1, k == 1 ? 20 : 24, 28}, 5 + k);
      QVERIFY(WriteImage(tmp.filePath("set/img%1.png").arg(k).toStdString(), image, 0).ok());
    }
    std::ofstream(tmp.filePath("set/broken.png").toStdString()) << "not a PNG";
    RegularizerSettings tv = DefaultRegularizerSettings("total_variation");
    tv.set("regularizer.channels", 1LL);
    const Eigen::VectorXd strong = Eigen::VectorXd::Constant(2, -3.0);
    const Eigen::VectorXd weak = Eigen::VectorXd::Constant(2, -5.0);
    QVERIFY(WriteRegularizerJson(tmp.filePath("strong.json").toStdString(), tv, strong).ok());
    QVERIFY(WriteRegularizerJson(tmp.filePath("weak.json").toStdString(), tv, weak).ok());
    const QString csv = tmp.filePath("table.csv");
    Result r = Cli({"evaluate", "--regularizer", tmp.filePath("strong.json")});
    QVERIFY2(r.code == 2 && r.err.contains("--data"), qPrintable(Describe(r)));
    r = Cli({"evaluate", "--regularizer", tmp.filePath("strong.json"), "--regularizer",
             tmp.filePath("weak.json"), "--data", tmp.filePath("set"), "--sigma", "15", "--out",
             csv, "--save", tmp.filePath("saved"), "--save-measured", tmp.filePath("measured"),
             "--device", "cpu"});
    QVERIFY2(r.code == 0, qPrintable(Describe(r)));
    QVERIFY2(r.err.contains("skipped 'broken.png'"), qPrintable(Describe(r)));
    QVERIFY2(r.out.contains("| image | strong PSNR | SSIM | weak PSNR | SSIM |"),
             qPrintable(Describe(r)));
    QFile file(csv);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).trimmed().split('\n');
    QCOMPARE(lines.size(), 1 + 2 * 4);
    QVERIFY(lines[0].startsWith("regularizer,image,psnr,ssim,iterations,seconds"));
    QVERIFY2(lines[4].startsWith("strong,mean,") && lines[8].startsWith("weak,mean,"),
             qPrintable(lines.join('\n')));
    for (int row : {1, 2, 3, 5, 6, 7}) {
      const QStringList cells = lines[row].split(',');
      QCOMPARE(cells[1], QString("img%1.png").arg((row - 1) % 4));
      QVERIFY2(cells[2].toDouble() > cells[6].toDouble(), qPrintable(lines[row]));  // denoised
      QVERIFY(cells[3].toDouble() > 0.0 && cells[3].toDouble() < 1.0);
      QCOMPARE(cells[9], QString("1"));  // converged
    }
    QVERIFY(QFile::exists(tmp.filePath("table.md")));
    const cv::Mat saved =
        cv::imread(tmp.filePath("saved/weak/img1.png").toStdString(), cv::IMREAD_UNCHANGED);
    QCOMPARE(saved.depth(), CV_16U);
    QCOMPARE(saved.rows, 20);

    NpyArray measured;
    QVERIFY(ReadNpy(tmp.filePath("measured/weak/img1.npy").toStdString(), &measured).ok());
    QCOMPARE(measured.dtype, std::string("<f4"));
    QCOMPARE(measured.shapeText(), std::string("(1, 20, 28)"));
    r = Cli({"apply", "--regularizer", tmp.filePath("weak.json"), "--input",
             tmp.filePath("measured/weak/img1.npy"), "--reference", tmp.filePath("set/img1.png"),
             "--output", tmp.filePath("applied.png"), "--device", "cpu"});
    QVERIFY2(r.code == 0, qPrintable(Describe(r)));
    const QRegularExpressionMatch psnrs =
        QRegularExpression("PSNR: measured ([0-9.]+) dB, reconstructed ([0-9.]+) dB").match(r.out);
    QVERIFY2(psnrs.hasMatch(), qPrintable(Describe(r)));
    const QStringList row = lines[6].split(',');  // weak, img1.png
    QVERIFY2(std::abs(psnrs.captured(1).toDouble() - row[6].toDouble()) < 2e-3,
             qPrintable(r.out + lines[6]));
    QVERIFY2(std::abs(psnrs.captured(2).toDouble() - row[2].toDouble()) < 2e-2,
             qPrintable(r.out + lines[6]));
  }

  void importReadsAPublishedCrrnn() {
    QTemporaryDir tmp;
    const QString data = BILEVEL_CRRNN_DIR, out = tmp.filePath("crrnn.json");
    Result r = Cli({"import", "crrnn", "--checkpoint", data + "/tiny.pth", "--config",
                    data + "/config.json", "--validation", data + "/validation.csv", "--prune",
                    "--out", out});
    QVERIFY2(r.code == 0 && r.out.contains("2 of 3 channels kept"), qPrintable(Describe(r)));
    RegularizerSettings settings;
    Eigen::VectorXd theta;
    QVERIFY(ReadRegularizerFile(out.toStdString(), &settings, &theta).ok());
    QCOMPARE(theta[0], std::log(3.0));
    r = Cli({"import", "dncnn", "--checkpoint", data + "/tiny.pth"});
    QVERIFY2(r.code == 2 && r.err.contains("crrnn"), qPrintable(Describe(r)));
  }

  void compareWritesBothRunsAndAPlot() {
    QTemporaryDir tmp;
    const QString out = tmp.filePath("cmp");
    const Result r = Cli({"compare", "--preset", "quick", "--iterations", "3", "--out", out});
    QVERIFY2(r.code == 0, qPrintable(Describe(r)));
    for (const char* file : {"/isgd/log.csv", "/maid/log.csv", "/compare.png"})
      QVERIFY2(QFile::exists(out + file), file);
    const Result plotted = Cli({"plot", out + "/isgd", out + "/maid", "--x", "epochs", "--out",
                                out + "/epochs.png", "--width", "900", "--height", "300"});
    QVERIFY2(plotted.code == 0, qPrintable(Describe(plotted)));
    const cv::Mat epochs = cv::imread((out + "/epochs.png").toStdString());
    QCOMPARE(epochs.cols, 900);
    QCOMPARE(epochs.rows, 300);
    // A run named in the application keeps that name in the legend.
    std::ofstream(tmp.filePath("cmp/isgd/events.jsonl").toStdString(), std::ios::app)
        << R"({"iteration":3,"wall_seconds":1,"kind":"name","value":"a renamed run"})" << '\n';
    QVERIFY(Cli({"plot", out + "/isgd", out + "/maid", "--x", "epochs", "--out", out + "/named.png",
                 "--width", "900", "--height", "300"})
                .code == 0);
    const cv::Mat named = cv::imread((out + "/named.png").toStdString());
    QCOMPARE(named.size(), epochs.size());
    QVERIFY(cv::norm(named, epochs, cv::NORM_INF) > 0);
    QVERIFY(Cli({"plot", out + "/nothing", "--out", out + "/x.png"}).code != 0);
    const cv::Mat plot = cv::imread((out + "/compare.png").toStdString());
    QVERIFY(!plot.empty());
    std::vector<IterationRecord> isgd, maid;
    QVERIFY(RunFolder::ReadLog((out + "/isgd/log.csv").toStdString(), &isgd).ok());
    QVERIFY(RunFolder::ReadLog((out + "/maid/log.csv").toStdString(), &maid).ok());
    QCOMPARE(int(isgd.size()), 3);
    QVERIFY(!maid.empty());
    QCOMPARE(maid.front().batch_size, 60);  // the full training set
    // MAID's budget is the cost of the first run (bilevel/comparison.h), as in the application.
    std::ifstream in((out + "/maid/config.json").toStdString());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    TrainingConfig maid_config;
    QVERIFY(ConfigFromJson(text, &maid_config, nullptr).ok());
    QCOMPARE(maid_config.trainer.budget.computations, isgd.back().computations);
    QCOMPARE(maid_config.trainer.budget.iterations, 0L);
  }

  // An STL-10 file through the config fields (and --data, dataset.path): it trains, and the
  // run's config.json records the format; a truncated file is refused naming it.
  void trainsOnStl10ThroughTheConfig() {
    QTemporaryDir tmp;
    const QString bin = tmp.filePath("train_X.bin");
    std::vector<char> bytes(4 * 3 * 96 * 96);
    for (std::size_t k = 0; k < bytes.size(); ++k)
      bytes[k] = char((k * 7919u) % 251u);
    std::ofstream(bin.toStdString(), std::ios::binary)
        .write(bytes.data(), std::streamsize(bytes.size()));
    const QString run = tmp.filePath("run");
    Result r = Cli({"train", "--preset", "quick", "--iterations", "2", "--out", run, "--set",
                    "dataset.format=stl10", "--set", "dataset.path=" + bin});
    QVERIFY2(r.code == 0, qPrintable(Describe(r)));
    TrainingConfig written;
    QVERIFY(LoadConfigFile((run + "/config.json").toStdString(), &written, nullptr).ok());
    QCOMPARE(written.dataset.format, DatasetFormat::kStl10);
    QCOMPARE(written.dataset.folder, bin.toStdString());
    std::ofstream(bin.toStdString(), std::ios::binary | std::ios::app) << "tail";
    r = Cli({"train", "--preset", "quick", "--iterations", "1", "--out", tmp.filePath("cut"),
             "--set", "dataset.format=stl10", "--data", bin});
    QVERIFY2(r.code != 0 && r.err.contains("train_X.bin") && r.err.contains("truncated"),
             qPrintable(Describe(r)));
  }
};

QTEST_GUILESS_MAIN(CliTest)
#include "test_cli.moc"
