// The pieces under the window: the snapshot buffer, the run store, the x-axis mapping of knob
// events, kernel images, run folders re-read as series, the scientific spin box, the versions.
#include <QFile>
#include <QListWidget>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

#include "activation_view.h"
#include "bilevel/config_json.h"
#include "bilevel/regularizer_registry.h"
#include "bilevel/run_folder.h"
#include "dataset_panel.h"
#include "image_conversion.h"
#include "regularizers/foe.h"
#include "run_folder_loader.h"
#include "run_status_bar.h"
#include "run_store.h"
#include "scientific_spin_box.h"
#include "snapshot_buffer.h"
#include "string_conversion.h"
#include "version_info.h"
#include "x_axis_labels.h"

using namespace studio;

namespace {

bilevel::IterationRecord Record(long k) {
  bilevel::IterationRecord r;
  r.iteration = k;
  r.computations = 100 * k;
  r.epoch = 0.5 * double(k);
  r.wall_seconds = 0.1 * double(k);
  r.loss = 1.0 / double(k);
  r.alpha = 1e-3;
  r.epsilon = 1e-2;
  return r;
}

}  // namespace

class UiUnitsTest : public QObject {
  Q_OBJECT

 private slots:
  void snapshotBufferTakesEverythingOnce() {
    SnapshotBuffer buffer;
    buffer.begin(7);
    QVERIFY(buffer.take().empty());
    for (long k = 1; k <= 1000; ++k)
      buffer.addRecord(Record(k));
    bilevel::RunEvent knob;
    knob.iteration = 3;
    knob.kind = "knob";
    knob.field = "step.initial";
    knob.value = "0.1";
    buffer.addEvent(knob);
    buffer.setProgress({7, 1000, 100000, 500.0, 100.0, 0.5});
    buffer.setPreview(std::make_shared<PreviewSnapshot>());
    auto second = std::make_shared<PreviewSnapshot>();
    second->iteration = 42;
    buffer.setPreview(second);  // only the latest is kept
    buffer.setState(bilevel::RunState::kPaused);
    SnapshotBuffer::Batch batch = buffer.take();
    QCOMPARE(batch.run_id, 7);
    QCOMPARE(batch.records.size(), std::size_t(1000));
    QCOMPARE(batch.records.back().iteration, 1000L);
    QCOMPARE(batch.events.size(), std::size_t(1));
    QCOMPARE(batch.preview->iteration, 42L);
    QCOMPARE(batch.progress->iteration, 1000L);
    QVERIFY(batch.state == bilevel::RunState::kPaused);
    QVERIFY(buffer.take().empty());
  }

  void runStoreAssignsDistinctColoursAndTruncates() {
    RunStore store;
    int added = 0;
    connect(&store, &RunStore::runAdded, [&added] { ++added; });
    const int a = store.add(RunSeries{});
    const int b = store.add(RunSeries{});
    QCOMPARE(added, 2);
    QVERIFY(a != b);
    QVERIFY(store.find(a)->color != store.find(b)->color);
    std::vector<bilevel::IterationRecord> records;
    for (long k = 1; k <= 10; ++k)
      records.push_back(Record(k));
    store.appendRecords(a, records);
    store.truncate(a, 4);
    QCOMPARE(store.find(a)->records.size(), std::size_t(4));
    store.setName(a, "  ");  // blank names are refused
    QVERIFY(!store.find(a)->name.trimmed().isEmpty() || store.find(a)->name.isEmpty());
    store.remove(a);
    QVERIFY(!store.find(a));
    QCOMPARE(store.count(), 1);
  }

  void knobEventsLieBetweenTheirIterations() {
    std::vector<bilevel::IterationRecord> records;
    for (long k = 1; k <= 5; ++k)
      records.push_back(Record(k));
    QCOMPARE(EventXValue(records, 3, 0.3, XAxis::kComputations), 300.0);
    QCOMPARE(EventXValue(records, 3, 0.31, XAxis::kWallTime), 0.31);
    QCOMPARE(EventXValue(records, 3, 0.3, XAxis::kIterations), 3.0);
    QCOMPARE(EventXValue(records, 0, 0.0, XAxis::kEpochs), 0.0);
    for (XAxis axis : kAllXAxes)
      QCOMPARE(XAxisFromKey(XAxisKey(axis)).value(), axis);
  }

  void kernelsAreNormalisedPerKernel() {
    bilevel::FoeConfig config;
    config.channels = 3;
    config.kernels = 2;
    config.kernel_size = 3;
    const bilevel::FoeLayout layout(config);
    Eigen::VectorXd theta = Eigen::VectorXd::Zero(layout.size());
    theta[layout.kernel(0)] = 2.0;           // red channel, top-left: white in red
    theta[layout.kernel(0) + 9 + 4] = -2.0;  // green channel, centre: black in green
    theta[layout.kernel(1)] = 1e-6;          // tiny kernel: still full contrast
    const std::vector<bilevel::FilterImage> filters =
        ViewRegularizer(bilevel::FoeSettings(config), theta).filters;
    const std::vector<QImage> images = FilterImages(filters);
    QCOMPARE(images.size(), std::size_t(2));
    QCOMPARE(images[0].size(), QSize(3, 3));
    QCOMPARE(qRed(images[0].pixel(0, 0)), 255);
    QCOMPARE(qGreen(images[0].pixel(1, 1)), 0);
    QCOMPARE(qBlue(images[0].pixel(2, 2)), 128);
    QCOMPARE(qRed(images[1].pixel(0, 0)), 255);
    QCOMPARE(filters.size(), std::size_t(2));
    QCOMPARE(filters[0].weight, 1.0);
  }

  // A convex ridge regularizer shows its effective filters and one spline per output channel,
  // and the activations view draws them.
  void splinesAreShownAsCurves() {
    bilevel::RegularizerSettings s = bilevel::DefaultRegularizerSettings("convex_ridge");
    s.set("regularizer.channels", 1LL);
    s.set("regularizer.layers", std::string("2, 4"));
    s.set("regularizer.kernel_sizes", std::string("3, 3"));
    s.set("regularizer.knots", 5LL);
    std::unique_ptr<bilevel::Regularizer<double>> reg;
    QVERIFY(bilevel::CreateRegularizer(s, &reg).ok());
    const Eigen::VectorXd theta = reg->initialParameters();
    const RegularizerView view = ViewRegularizer(s, theta);
    QCOMPARE(view.filters.size(), std::size_t(4));
    QCOMPARE(view.filters[0].height, 5);
    QCOMPARE(view.curves.size(), std::size_t(4));
    QCOMPARE(view.curves[0].knot_x.size(), std::size_t(5));
    QCOMPARE(view.curves[0].knot_y[2], 0.0);  // sigma(0) = 0
    ActivationView plot;
    plot.resize(240, 120);
    QImage blank(plot.size(), QImage::Format_ARGB32);
    blank.fill(Qt::transparent);
    plot.render(&blank);
    plot.setCurves(view.curves, 3);
    QCOMPARE(plot.curveCount(), 4);
    QImage drawn(plot.size(), QImage::Format_ARGB32);
    drawn.fill(Qt::transparent);
    plot.render(&drawn);
    QVERIFY2(drawn != blank, "the curves change what is drawn");
  }

  void batchImagesBecomeQImages() {
    bilevel::Batch<float> grey(1, 1, 2, 3);
    grey.at(0, 0, 1, 2) = 1.5f;  // clamped
    grey.at(0, 0, 0, 0) = -1.0f;
    const QImage image = ToQImage(grey, 0);
    QCOMPARE(image.size(), QSize(3, 2));
    QCOMPARE(qRed(image.pixel(2, 1)), 255);
    QCOMPARE(qGreen(image.pixel(0, 0)), 0);
    QVERIFY(ToQImage(grey, 1).isNull());
  }

  void runFoldersReadBack() {
    QTemporaryDir dir;
    const std::string path = (dir.path() + "/isgd").toStdString();
    bilevel::TrainingConfig config;
    config.trainer.budget.iterations = 3;
    bilevel::RunFolder folder;
    QVERIFY(bilevel::CreateRunFolder(path, config, &folder).ok());
    for (long k = 1; k <= 3; ++k)
      QVERIFY(folder.appendRecord(Record(k)).ok());
    QVERIFY(folder.appendEvent(bilevel::RunFolder::InitialEvent(17.25)).ok());
    bilevel::RunEvent budget;
    budget.kind = "budget";
    budget.message = "done";
    QVERIFY(folder.appendEvent(budget).ok());
    RunSeries run;
    QStringList warnings;
    QVERIFY(LoadRunFolder(dir.path() + "/isgd", &run, &warnings).ok());
    QCOMPARE(run.records.size(), std::size_t(3));
    QCOMPARE(run.status, QString("budget reached"));
    QCOMPARE(run.initial_test_psnr, 17.25);  // the test PSNR curve starts at 0
    QCOMPARE(run.name, QFileInfo(dir.path()).fileName() + "/isgd");
    QVERIFY(!LoadRunFolder(dir.path(), &run, &warnings).ok());
  }

  void scientificSpinBoxReadsDecades() {
    ScientificSpinBox box;
    box.setValue(1e-4);
    QCOMPARE(box.text(), QString("0.0001"));
    QCOMPARE(box.valueFromText("2.5e-7"), 2.5e-7);
    box.setValue(2.5e-7);
    QCOMPARE(box.value(), 2.5e-7);
    box.stepBy(4);
    QVERIFY(std::abs(box.value() - 2.5e-6) < 1e-18);
    QCOMPARE(NumberText(0.0123), QString("0.0123"));
    QCOMPARE(NumberText(1e-5), QString("1e-05"));
  }

  void datasetPanelLoadsOffTheGuiThreadAndNamesSkippedFiles() {
    QTemporaryDir dir;
    for (int i = 0; i < 4; ++i) {
      QImage image(64, 48, QImage::Format_RGB32);
      for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
          image.setPixel(x, y, qRgb((x * 4 + i * 30) % 256, (y * 5) % 256, (x * y) % 256));
      QVERIFY(image.save(dir.filePath(QString("photo-%1.png").arg(i))));
    }
    QFile broken(dir.filePath("broken.png"));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write("this is not a PNG");
    broken.close();

    DatasetPanel panel;
    bilevel::TrainingConfig config;
    config.dataset.patch_size = 16;
    config.dataset.patches_per_image = 3;
    config.dataset.test_fraction = 0.25;
    panel.setConfig(config);
    QSignalSpy loaded(&panel, &DatasetPanel::loadFinished);
    panel.setFolder(dir.path());
    QVERIFY(panel.loading());
    QTRY_VERIFY_WITH_TIMEOUT(!panel.loading() && loaded.count() >= 1, 20000);
    const DatasetPreview& preview = panel.preview();
    QVERIFY2(preview.ok, qPrintable(preview.error));
    QCOMPARE(preview.source_count, 4);
    QCOMPARE(preview.train_count + preview.test_count, 12);
    QCOMPARE(int(preview.train_thumbnails.size()), preview.train_count);
    QCOMPARE(preview.warnings.size(), 1);
    QVERIFY(preview.warnings.first().contains("broken.png"));
    auto* warnings = panel.findChild<QListWidget*>("datasetWarnings");
    QVERIFY(warnings && warnings->count() == 1);
    QCOMPARE(panel.findChild<QListWidget*>("trainStrip")->count(), preview.train_count);

    bilevel::TrainingConfig applied;
    panel.applyTo(&applied);
    QCOMPARE(QString::fromStdString(applied.dataset.folder), dir.path());
    QCOMPARE(applied.dataset.patch_size, 16);

    // A folder without usable images is an error message, not a crash.
    QTemporaryDir empty;
    panel.setFolder(empty.path());
    QTRY_VERIFY_WITH_TIMEOUT(!panel.loading() && !panel.preview().ok, 20000);
    QVERIFY(!panel.preview().error.isEmpty());
  }

  // A run kept off the GPU says so on the status bar's backend label, and why in its tooltip.
  void statusBarSaysWhyTheGpuWasNotUsed() {
    QStatusBar bar;
    RunStatusBar status(&bar);
    status.setBackend("CPU: 2 threads (AVX2+FMA)", {"the patch size is odd"});
    QCOMPARE(status.backendText(), QString("CPU: 2 threads (AVX2+FMA)"));
    const QString why =
        "the GPU Test GPU failed its start-up self-check (the engine: field_of_experts gradient "
        "differs from the CPU by 0.5); running on the CPU";
    status.setBackend("CPU: 2 threads (AVX2+FMA)", {"the patch size is odd", why});
    QVERIFY2(status.backendText().contains("GPU not used"), qPrintable(status.backendText()));
    QVERIFY2(status.backendToolTip().contains("differs from the CPU by 0.5"),
             qPrintable(status.backendToolTip()));
    QVERIFY(!status.backendToolTip().contains("patch size"));
    status.setBackend("GPU: Test GPU");
    QCOMPARE(status.backendText(), QString("GPU: Test GPU"));
  }

  void versionsNameTheLibraries() {
    const QString text = VersionReportText();
    for (const char* name : {"Qt", "OpenCV", "Eigen", "CUDA", "QCustomPlot"})
      QVERIFY2(text.contains(name), name);
  }
};

QTEST_MAIN(UiUnitsTest)
#include "test_ui_units.moc"
