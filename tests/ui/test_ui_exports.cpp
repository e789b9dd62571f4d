// Every export writes a file that reads back: the regularizer (JSON, NPZ), each plot (PNG, SVG,
// PDF), the curves (CSV), the reconstruction and kernels (PNG), a copy of the run folder; run
// folders written by the engine outside the window (as bilevel-cli writes them) re-open; and the
// Apply dialog restores an image with the learned regularizer.
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QImage>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <QUrl>

#include "apply_dialog.h"
#include "bilevel/prepared_run.h"
#include "bilevel/regularizer_io.h"
#include "bilevel/run_controller.h"
#include "bilevel/run_folder.h"
#include "curve_plot.h"
#include "dataset_panel.h"
#include "image_view.h"
#include "kernel_view.h"
#include "plots_panel.h"
#include "run_list_panel.h"
#include "run_summary.h"
#include "ui_test_support.h"

using namespace studio;
using namespace studio::test;

class UiExportsTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  std::unique_ptr<MainWindow> window_;
  int run_ = 0;

  QString path(const QString& name) const { return dir_.filePath(name); }

 private slots:
  void initTestCase() {
    IsolateSettings();
    QVERIFY(dir_.isValid());
    window_ = std::make_unique<MainWindow>();
    window_->setInteractive(false);
    window_->setRunsFolder(path("runs"));
    window_->setConfig(FastConfig(8));
    window_->resize(1200, 800);
    window_->show();
    window_->action("actionStart")->trigger();
    run_ = window_->selectedRun();
    QTRY_VERIFY_WITH_TIMEOUT(Idle(*window_), 30000);
    QCOMPARE(RecordCount(*window_, run_), std::size_t(8));
    QVERIFY(window_->lastError().isEmpty());
  }

  void cleanupTestCase() { window_.reset(); }

  void regularizerJsonAndNpz() {
    const RunSeries* run = Run(*window_, run_);
    QVERIFY(run->theta.size() > 0);
    // The run folder's final regularizer is what the window exports.
    bilevel::RegularizerSettings folder_config;
    Eigen::VectorXd folder_theta;
    QVERIFY(bilevel::ReadRegularizerJson((run->folder + "/regularizer.json").toStdString(),
                                         &folder_config, &folder_theta)
                .ok());
    for (const char* name : {"r.json", "r.npz"}) {
      const bilevel::Status s = window_->exportRegularizer(run_, path(name));
      QVERIFY2(s.ok(), s.message().c_str());
      bilevel::RegularizerSettings config;
      Eigen::VectorXd theta;
      const std::string file = path(name).toStdString();
      const bilevel::Status r = QString(name).endsWith("npz")
                                    ? bilevel::ReadRegularizerNpz(file, &config, &theta)
                                    : bilevel::ReadRegularizerJson(file, &config, &theta);
      QVERIFY2(r.ok(), r.message().c_str());
      QCOMPARE(config.integer("regularizer.kernels"), 4LL);
      QCOMPARE(config.integer("regularizer.kernel_size"), 3LL);
      QVERIFY(config == folder_config);
      QVERIFY(theta == folder_theta);
    }
  }

  void plotsAsPngSvgPdf() {
    for (int p = 0; p < PlotsPanel::kPlotCount; ++p) {
      const QString key = PlotsPanel::PlotKey(PlotsPanel::Plot(p));
      for (const char* suffix : {"png", "svg", "pdf"}) {
        const QString file = path(key + '.' + suffix);
        const bilevel::Status s = window_->exportPlot(PlotsPanel::Plot(p), file);
        QVERIFY2(s.ok(), s.message().c_str());
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        QVERIFY(bytes.size() > 500);
        if (QString(suffix) == "png") {
          QImage image;
          QVERIFY(image.load(file));
          QVERIFY(image.width() >= 320);
        } else if (QString(suffix) == "svg") {
          QSvgRenderer svg(file);
          QVERIFY(svg.isValid());
          QVERIFY(bytes.contains("<svg"));
        } else {
          QVERIFY(bytes.startsWith("%PDF"));
        }
      }
    }
    // The crosshair follows the mouse and reads out the nearest point.
    CurvePlot* loss = window_->plots()->plot(PlotsPanel::kLoss);
    loss->showReadoutAt(QPointF(loss->axisRect()->rect().center()));
    QVERIFY(loss->readout().contains("computations"));

    // The batch export of the File menu writes the four plots at once.
    QString error;
    QCOMPARE(window_->plots()->exportAll(path(""), "png", &error).size(), 4);
    QVERIFY(error.isEmpty());
  }

  // The run list tells experiments apart: the run's name and its columns say the problem, the
  // data and the regularizer.
  void runListNamesTheExperiment() {
    auto* tree = window_->findChild<QTreeWidget*>(QStringLiteral("runTree"));
    QVERIFY(tree);
    QTreeWidgetItem* item = nullptr;
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
      if (tree->topLevelItem(i)->data(0, Qt::UserRole).toInt() == run_)
        item = tree->topLevelItem(i);
    QVERIFY(item);
    QStringList headers;
    for (int c = 0; c < tree->columnCount(); ++c)
      headers << tree->headerItem()->text(c);
    const auto column = [&](const char* name) { return item->text(int(headers.indexOf(name))); };
    QVERIFY2(column("Problem").startsWith(QStringLiteral("denoise σ")),
             qPrintable(column("Problem")));
    QVERIFY2(column("Data").startsWith(QStringLiteral("built-in")), qPrintable(column("Data")));
    QCOMPARE(column("Regularizer"), QStringLiteral("Field of Experts"));
    QVERIFY2(Run(*window_, run_)->name.contains(column("Problem")),
             qPrintable(Run(*window_, run_)->name));
  }

  // The run summary: one line per visible run, as Markdown and as CSV, with the final test PSNR
  // of the run's final regularizer.
  void runSummaryAsMarkdownAndCsv() {
    QVERIFY(window_->exportRunSummary(path("runs.md")).ok());
    QVERIFY(window_->exportRunSummary(path("runs.csv")).ok());
    QFile md(path("runs.md")), csv(path("runs.csv"));
    QVERIFY(md.open(QIODevice::ReadOnly | QIODevice::Text));
    QVERIFY(csv.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList md_lines = QString::fromUtf8(md.readAll()).split('\n', Qt::SkipEmptyParts);
    const QStringList csv_lines = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
    int visible = 0;
    for (const RunSeries* r : window_->store().runs())
      visible += r->visible ? 1 : 0;
    QCOMPARE(md_lines.size(), 2 + visible);
    QCOMPARE(csv_lines.size(), 1 + visible);
    QVERIFY(md_lines[0].contains(QStringLiteral("final test PSNR")));
    const RunSeries* run = Run(*window_, run_);
    const RunSummary s = Summarize(*run);
    QVERIFY(!std::isnan(s.final_test_psnr));
    QVERIFY(s.best_test_psnr >= s.final_test_psnr);
    QVERIFY2(md_lines.filter(QString::number(s.final_test_psnr, 'f', 3)).size() >= 1,
             qPrintable(md_lines.join('\n')));
    QCOMPARE(s.computations, run->records.back().computations);
  }

  void curvesAsCsv() {
    const bilevel::Status s = window_->exportCurves(path("curves.csv"));
    QVERIFY2(s.ok(), s.message().c_str());
    QFile f(path("curves.csv"));
    QVERIFY(f.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1 + 8);
    QVERIFY(lines[0].startsWith("run,iteration,epoch,"));
    const QStringList header = lines[0].split(',');
    const int alpha = int(header.indexOf("alpha"));
    QVERIFY(alpha > 0);
    const RunSeries* run = Run(*window_, run_);
    for (int i = 1; i < lines.size(); ++i) {
      const QStringList row = lines[i].split(',');
      QCOMPARE(row.size(), header.size());
      QCOMPARE(row[0], run->name);
      QCOMPARE(row[1].toLong(), run->records[std::size_t(i - 1)].iteration);
      QCOMPARE(row[alpha].toDouble(), run->records[std::size_t(i - 1)].alpha);
    }
  }

  void reconstructionAndKernelsAsPng() {
    const bilevel::Status s = window_->exportReconstruction(path("recon.png"));
    QVERIFY2(s.ok(), s.message().c_str());
    for (const char* name : {"recon.png", "recon-truth.png", "recon-measured.png"}) {
      QImage image;
      QVERIFY2(image.load(path(name)), name);
      QCOMPARE(image.size(), QSize(24, 24));
    }
    QCOMPARE(window_->kernelView()->kernelCount(), 4);
    QVERIFY(window_->exportKernels(path("kernels.png")).ok());
    QImage kernels;
    QVERIFY(kernels.load(path("kernels.png")));
    QVERIFY(kernels.width() > kernels.height());
  }

  void runFolderCopyReopens() {
    const QString copy = path("copy-of-run");
    const bilevel::Status s = window_->copyRunFolder(run_, copy);
    QVERIFY2(s.ok(), s.message().c_str());
    std::vector<bilevel::IterationRecord> log;
    QVERIFY(bilevel::RunFolder::ReadLog((copy + "/log.csv").toStdString(), &log).ok());
    QCOMPARE(log.size(), std::size_t(8));
    QVERIFY(QFile::exists(copy + "/checkpoint.npz"));
    QVERIFY(!window_->copyRunFolder(run_, copy).ok());  // not over a non-empty folder

    const int before = window_->store().count();
    QVERIFY(window_->openRun(copy).ok());
    QCOMPARE(window_->store().count(), before + 1);
    const RunSeries* reopened = Run(*window_, window_->selectedRun());
    QCOMPARE(reopened->records.size(), std::size_t(8));
    QCOMPARE(reopened->records.back().loss, Run(*window_, run_)->records.back().loss);
    QVERIFY(reopened->theta == Run(*window_, run_)->theta);

    // A comparison folder (its runs in isgd/ and maid/) opens as its two runs.
    QVERIFY(window_->copyRunFolder(run_, path("cmp/isgd")).ok());
    QVERIFY(window_->copyRunFolder(run_, path("cmp/maid")).ok());
    const int with_copy = window_->store().count();
    const bilevel::Status opened = window_->openRun(path("cmp"));
    QVERIFY2(opened.ok(), opened.message().c_str());
    QCOMPARE(window_->store().count(), with_copy + 2);
    QVERIFY(!window_->openRun(path("cmp/isgd/snapshots-none")).ok());
  }

  void reopensAFolderWrittenOutsideTheWindow() {
    // What bilevel-cli train does: PrepareRun and RunController::run().
    const QString folder = path("cli-run");
    bilevel::PreparedRun prepared;
    bilevel::PrepareOptions options;
    options.out_dir = folder.toStdString();
    QVERIFY(bilevel::PrepareRun(FastConfig(5), options, &prepared).ok());
    {
      bilevel::RunController controller(prepared);
      controller.run();
    }
    // As if it had been trained by three processes (mpirun -np 3): the run list says so.
    QVERIFY(
        bilevel::RunFolder::AppendEvent(folder.toStdString(), bilevel::RunFolder::ProcessesEvent(3))
            .ok());
    QVERIFY(window_->openRun(folder).ok());
    const RunSeries* run = Run(*window_, window_->selectedRun());
    QCOMPARE(run->records.size(), std::size_t(5));
    auto* tree = window_->runList()->findChild<QTreeWidget*>("runTree");
    int ranks = -1;
    for (int c = 0; c < tree->columnCount(); ++c)
      if (tree->headerItem()->text(c) == "Ranks") ranks = c;
    QVERIFY(ranks >= 0);
    QCOMPARE(tree->currentItem()->text(ranks), QString("3"));
    QCOMPARE(tree->topLevelItem(0)->text(ranks), QString("1"));  // trained in the window
    QCOMPARE(run->status, QString("budget reached"));
    QVERIFY(run->theta.size() > 0);
    QVERIFY(!window_->openRun(path("not-a-run")).ok());

    // Hiding, renaming and removing it.
    const int id = run->id;
    window_->store().setVisible(id, false);
    window_->store().setName(id, "renamed");
    QCOMPARE(Run(*window_, id)->name, QString("renamed"));
    window_->removeRun(id, false);
    QVERIFY(!Run(*window_, id));
    QVERIFY(QFile::exists(folder + "/config.json"));  // the files stay unless asked
  }

  void droppingFoldersOnTheWindow() {
    const auto drop = [this](const QString& dir) {
      window_->openDropped({QUrl::fromLocalFile(dir)});
    };
    // A run folder is re-opened (once: a second drop selects it).
    const int before = window_->store().count();
    drop(path("copy-of-run"));
    QCOMPARE(window_->store().count(), before);
    drop(path("cli-run"));
    QVERIFY2(window_->store().count() == before + 1, qPrintable(window_->lastError()));
    // Any other folder becomes the dataset.
    QVERIFY(QDir().mkpath(path("images")));
    drop(path("images"));
    QCOMPARE(window_->datasetPanel()->folder(), path("images"));
    window_->showDataFolder(QString());
    QCOMPARE(window_->datasetPanel()->folder(), QString());
  }

  void applyDialogRestoresAnImage() {
    ApplyDialog* dialog = window_->showApplyDialog();
    dialog->setRegularizerPath(path("r.json"));
    dialog->setImagePath(path("recon-truth.png"));
    dialog->setSimulatedNoise(25);
    QSignalSpy done(dialog, &ApplyDialog::finished);
    dialog->run();
    QVERIFY(dialog->running() || done.count() == 1);
    QVERIFY(done.count() == 1 || done.wait(30000));
    QCOMPARE(done.first().first().toBool(), true);
    const ApplyResult& result = dialog->result();
    QVERIFY(result.iterations > 0);
    // What the dialog showed while it solved: the step, and ||grad h|| (here the last) against eps.
    const QString progress = dialog->ProgressText();
    QVERIFY2(progress.contains(QString("‖∇h‖ = %1").arg(result.residual, 0, 'e', 2)) &&
                 progress.contains("ε ="),
             qPrintable(progress));
    QVERIFY(result.restored_ssim > result.measured_ssim && result.restored_ssim < 1.0);
    QVERIFY2(result.restored_psnr > result.measured_psnr + 1.0,
             qPrintable(QString("%1 -> %2").arg(result.measured_psnr).arg(result.restored_psnr)));

    QVERIFY(result.warnings.empty());
    // A grey image under this colour regularizer is said to be one, with the grey input shown
    // in the Before pane while it solves.
    QVERIFY(QImage(path("recon-truth.png"))
                .convertToFormat(QImage::Format_Grayscale8)
                .save(path("grey.png")));
    dialog->setImagePath(path("grey.png"));
    dialog->setSimulatedNoise(0);
    QSignalSpy grey(dialog, &ApplyDialog::finished);
    dialog->run();
    QVERIFY(!dialog->findChild<ImageView*>("applyBefore")->image().isNull());
    QVERIFY(grey.count() == 1 || grey.wait(30000));
    QVERIFY(!dialog->result().warnings.empty() &&
            QString::fromStdString(dialog->result().warnings[0]).contains("grey"));
    dialog->setImagePath(path("recon-truth.png"));
    dialog->setSimulatedNoise(25);

    // Inpainting: a simulated random mask, then the same without a mask or simulation.
    auto* problem = dialog->findChild<QComboBox*>("applyProblem");
    QVERIFY(problem);
    problem->setCurrentIndex(problem->findData(QStringLiteral("inpaint")));
    QVERIFY(dialog->findChild<QLineEdit*>("applyMask")->isEnabled());
    dialog->findChild<QDoubleSpinBox*>("applyMu0")->setValue(1e-3);
    dialog->setSimulatedNoise(5);
    QSignalSpy inpainted(dialog, &ApplyDialog::finished);
    dialog->run();
    QVERIFY(inpainted.count() == 1 || inpainted.wait(30000));
    QCOMPARE(inpainted.first().first().toBool(), true);
    const ApplyResult& filled = dialog->result();
    QVERIFY2(filled.restored_psnr > filled.measured_psnr + 3.0,
             qPrintable(QString("%1 -> %2").arg(filled.measured_psnr).arg(filled.restored_psnr)));
    QVERIFY2(QString::fromStdString(filled.backend).startsWith("CPU"), filled.backend.c_str());
    // Saving writes the reconstruction with the measurement and the clean image beside it.
    QVERIFY(dialog->saveResultTo(path("applied.png")).ok());
    for (const char* name : {"applied.png", "applied-measured.png", "applied-clean.png"}) {
      QImage image;
      QVERIFY2(image.load(path(name)), name);
      QCOMPARE(image.size(), QSize(24, 24));
    }
    dialog->setSimulatedNoise(0);
    QSignalSpy no_mask(dialog, &ApplyDialog::finished);
    dialog->run();
    QVERIFY(no_mask.count() == 1 || no_mask.wait(10000));
    QCOMPARE(no_mask.first().first().toBool(), false);
    // After an error no earlier picture stays on screen.
    QVERIFY(dialog->findChild<ImageView*>("applyAfter")->image().isNull());
    problem->setCurrentIndex(0);

    // Errors are messages in the dialog, not crashes.
    dialog->setRegularizerPath(path("missing.json"));
    QSignalSpy failed(dialog, &ApplyDialog::finished);
    dialog->run();
    QVERIFY(failed.wait(10000));
    QCOMPARE(failed.first().first().toBool(), false);
    dialog->close();
  }
};

QTEST_MAIN(UiExportsTest)
#include "test_ui_exports.moc"
