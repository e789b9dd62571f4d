// What a new user met and should not. Plots: an export after a hover carries no readout; the
// figures of one export share a size, resolution and text size; the final test PSNR is plotted;
// the readout follows new data; nine runs leave the legend out; the ETA follows the recent pace;
// switching the x-axis after an event fits the data. The window: a command line's runs folder is
// not remembered and an unwritable one is refused; Start is disabled while the images cannot be
// used; mu0 = 0 for deblurring is warned; an edited preset is no longer named; Evaluate on a
// Folder starts from the selected run; continuing at a reached budget asks for a larger one.
#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

#include "app_settings.h"
#include "bilevel/run_folder.h"
#include "budget_limits.h"
#include "curve_plot.h"
#include "dataset_panel.h"
#include "exporters.h"
#include "plots_panel.h"
#include "run_status_bar.h"
#include "set_evaluation_dialog.h"
#include "ui_test_support.h"

using namespace studio;
using namespace studio::test;

namespace {

std::vector<bilevel::IterationRecord> Records(long count) {
  std::vector<bilevel::IterationRecord> records;
  for (long k = 1; k <= count; ++k) {
    bilevel::IterationRecord r;
    r.iteration = k;
    r.epoch = 0.5 * double(k);
    r.lower_iterations = 900 * k;
    r.cg_iterations = 100 * k;
    r.computations = 1000 * k;
    r.wall_seconds = 0.1 * double(k);
    r.loss = 1.0 / double(k);
    r.psnr = 20.0 + std::log(double(k));
    r.test_psnr = 21.0 + std::log(double(k));
    records.push_back(r);
  }
  return records;
}

int AddRun(RunStore& store, long records) {
  RunSeries run;
  run.name = QStringLiteral("run");
  run.initial_test_psnr = 20.0;
  const int id = store.add(std::move(run));
  store.appendRecords(id, Records(records));
  return id;
}

}  // namespace

class WindowGuardsTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { IsolateSettings(); }
  void init() { QSettings().clear(); }

  void anExportAfterAHoverHasNoReadout() {
    RunStore store;
    PlotsPanel panel(store);
    panel.resize(900, 700);
    panel.show();
    AddRun(store, 40);
    CurvePlot* plot = panel.plot(PlotsPanel::kLoss);
    plot->fit();
    plot->replot();
    QTemporaryDir dir;
    const QString clean = dir.filePath("clean.png"), hovered = dir.filePath("hovered.png");
    QVERIFY(SavePlot(*plot, clean).ok());
    const QRect area = plot->axisRect()->rect();
    plot->showReadoutAt(area.center());
    QVERIFY2(!plot->readout().isEmpty(), "the hover shows no readout");
    QVERIFY(SavePlot(*plot, hovered).ok());
    QCOMPARE(QImage(hovered), QImage(clean));
    QCOMPARE(PlotPixmap(*plot).toImage(), QImage(clean));
    QVERIFY2(!plot->readout().isEmpty(), "the export took the readout off the screen");
  }

  void figuresShareOneStyle() {
    MainWindow window;
    window.setInteractive(false);
    AddRun(window.store(), 30);
    CurvePlot* loss = window.plots()->plot(PlotsPanel::kLoss);
    const int points = loss->xAxis->tickLabelFont().pointSize();
    QTemporaryDir dir;
    QStringList written;
    FigureStyle style{800, 500, 300, 14, LegendPlace::kTopRight};
    const bilevel::Status s = window.exportFigures(dir.path(), {"png", "pdf"}, style, &written);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(written.size(), 10);  // four plots and the inner solvers, twice
    QVERIFY(written.contains(dir.filePath("solvers.pdf")));
    const QImage png(dir.filePath("loss.png"));
    QCOMPARE(png.width(), 2500);  // 800 x 500 at 300 per inch
    QVERIFY(std::abs(png.height() - 1562) <= 1);
    QVERIFY(std::abs(png.dotsPerMeterX() - 11811) <= 1);
    QCOMPARE(QImage(dir.filePath("solvers.png")).size(), png.size());
    // Each setting shows in the file: the text size, the legend inside, or none.
    const auto differs = [&](FigureStyle other, const char* name) {
      return SaveFigure(*loss, dir.filePath(name), other).ok() && QImage(dir.filePath(name)) != png;
    };
    QVERIFY(differs({800, 500, 300, 0, LegendPlace::kTopRight}, "font.png"));
    QVERIFY(differs({800, 500, 300, 14, LegendPlace::kBelow}, "below.png"));
    QVERIFY(differs({800, 500, 300, 14, LegendPlace::kNone}, "none.png"));
    QVERIFY(!differs(style, "same.png"));
    // The window is as it was.
    QCOMPARE(loss->xAxis->tickLabelFont().pointSize(), points);
    QVERIFY(loss->legendShown() && loss->legendPlace() == LegendPlace::kBelow);
    QCOMPARE(loss->legend->layout(), loss->plotLayout());
    QVERIFY(!window.exportFigures(dir.path(), {}, style, &written).ok());
  }

  void theFinalTestPsnrIsPlottedAtTheEnd() {
    RunStore store;
    PlotsPanel panel(store);
    panel.setXAxis(XAxis::kComputations);
    const int id = AddRun(store, 10);
    store.appendEvents(id, {bilevel::RunFolder::FinalEvent(30.5)});
    const QCPGraph* test = panel.plot(PlotsPanel::kTestPsnr)->findGraph(id, 0);
    QVERIFY(test && !test->data()->isEmpty());
    const auto last = test->data()->constEnd() - 1;
    QCOMPARE(last->key, 10000.0);  // the run's last computations
    QCOMPARE(last->value, 30.5);
  }

  void theReadoutFollowsNewDataUnderARestingMouse() {
    RunStore store;
    PlotsPanel panel(store);
    panel.resize(900, 700);
    panel.show();
    const int id = AddRun(store, 10);
    CurvePlot* plot = panel.plot(PlotsPanel::kLoss);
    plot->fit();
    plot->replot();
    plot->showReadoutAt(plot->axisRect()->rect().center());
    const QString before = plot->readout();
    QVERIFY(!before.isEmpty());
    const std::vector<bilevel::IterationRecord> more = Records(400);
    store.appendRecords(id, {more.begin() + 10, more.end()});  // the axes refit
    QTRY_VERIFY_WITH_TIMEOUT(plot->readout() != before && !plot->readout().isEmpty(), 5000);
  }

  void nineRunsLeaveTheLegendOut() {
    RunStore store;
    PlotsPanel panel(store);
    panel.resize(900, 700);
    panel.show();
    std::vector<int> ids;
    for (int k = 0; k < 9; ++k) {
      ids.push_back(AddRun(store, 5));
      store.setName(ids.back(),
                    QStringLiteral("foe-denoise-isgd-ds-1e-4 ISGD · denoise σ 25 (%1)").arg(k));
    }
    CurvePlot* plot = panel.plot(PlotsPanel::kTestPsnr);
    QTRY_VERIFY_WITH_TIMEOUT(plot->legendCrowded(), 2000);
    QVERIFY(!plot->legend->visible());
    for (int k = 2; k < 9; ++k)
      store.remove(ids[std::size_t(k)]);
    QTRY_VERIFY_WITH_TIMEOUT(!plot->legendCrowded() && plot->legend->visible(), 2000);
  }

  void aLongNameFitsItsLegend() {
    RunStore store;
    PlotsPanel panel(store);
    panel.resize(640, 500);
    panel.show();
    const int id = AddRun(store, 5);
    store.setName(id, QStringLiteral("foe-denoise-isgd-ds-1e-4 ISGD · denoise σ 25 (second try)"));
    CurvePlot* plot = panel.plot(PlotsPanel::kTestPsnr);
    QTRY_VERIFY_WITH_TIMEOUT(plot->legend->itemCount() == 1, 2000);
    QCPAbstractLegendItem* item = plot->legend->item(0);
    QTRY_VERIFY_WITH_TIMEOUT(item->font().pointSizeF() < plot->legend->font().pointSizeF(), 2000);
    QVERIFY2(item->minimumOuterSizeHint().width() <= plot->width(),
             qPrintable(
                 QString("%1 > %2").arg(item->minimumOuterSizeHint().width()).arg(plot->width())));
  }

  void theEtaFollowsTheRecentPace() {
    QStatusBar bar;
    RunStatusBar status(&bar);
    // Slow for ten seconds (a tenth of the budget), then four tenths in two seconds.
    for (const auto& [wall, fraction] : std::vector<std::pair<double, double>>{
             {0.0, 0.0}, {5.0, 0.05}, {10.0, 0.1}, {11.0, 0.3}, {12.0, 0.5}})
      status.setProgress({1, long(wall), long(1000 * fraction), 0.0, wall, fraction});
    QCOMPARE(status.etaText(), QStringLiteral("ETA 3 s"));  // not the 12 s of the average pace
  }

  void switchingTheXAxisAfterAnEventFitsTheData() {
    RunStore store;
    PlotsPanel panel(store);
    panel.resize(900, 700);
    panel.setXAxis(XAxis::kComputations);
    const int id = AddRun(store, 40);
    CurvePlot* plot = panel.plot(PlotsPanel::kTrainPsnr);
    plot->fit();
    QVERIFY(panel.jumpToIteration(id, 30, std::nan("")));
    QVERIFY(plot->userView());
    QVERIFY(plot->xAxis->range().lower > 1000.0);  // centred on 30 000 computations
    panel.setXAxis(XAxis::kEpochs);
    QVERIFY(!plot->userView());
    const QCPRange range = plot->xAxis->range();
    QVERIFY2(range.lower <= 0.5 && range.upper >= 20.0 && range.upper < 30.0,
             qPrintable(QStringLiteral("%1 .. %2").arg(range.lower).arg(range.upper)));
  }

  void aCommandLineRunsFolderIsNotRemembered() {
    QTemporaryDir runs;
    {
      MainWindow window;
      window.setInteractive(false);
      QVERIFY(window.setRunsFolder(runs.path()).ok());  // as --runs-dir does
      QCOMPARE(window.runsFolder(), QDir(runs.path()).absolutePath());
      QVERIFY(window.close());
    }
    MainWindow again;
    QCOMPARE(again.runsFolder(), settings::DefaultRunsFolder());
  }

  void aChosenRunsFolderIsRememberedAndABadOneRefused() {
    QTemporaryDir runs;
    {
      MainWindow window;
      window.setInteractive(false);
      QVERIFY(window.setRunsFolder(runs.filePath("chosen"), true).ok());  // as the menu does
      QVERIFY(QFileInfo(runs.filePath("chosen")).isDir());
      // A folder under a file cannot be created, whoever runs the test.
      QFile file(runs.filePath("a-file"));
      QVERIFY(file.open(QIODevice::WriteOnly));
      file.close();
      const bilevel::Status s = window.setRunsFolder(runs.filePath("a-file/runs"), true);
      QVERIFY(!s.ok());
      QVERIFY2(QString::fromStdString(s.message()).contains("a-file"), s.message().c_str());
      QVERIFY(window.lastError().contains(runs.filePath("chosen")));  // says where runs go
      QCOMPARE(window.runsFolder(), runs.filePath("chosen"));
      QVERIFY(window.close());
    }
    MainWindow again;
    QCOMPARE(again.runsFolder(), runs.filePath("chosen"));
  }

  void startIsDisabledWhileTheImagesCannotBeUsed() {
    QTemporaryDir runs;
    MainWindow window;
    window.setInteractive(false);
    QVERIFY(window.setRunsFolder(runs.path()).ok());
    auto* panel = window.findChild<DatasetPanel*>();
    QVERIFY(panel);
    QAction* start = window.action("actionStart");
    bilevel::TrainingConfig config = FastConfig(4);
    config.dataset.patch_size = 400;  // larger than the embedded images
    window.setConfig(config);
    panel->reload();
    QTRY_VERIFY_WITH_TIMEOUT(!panel->loading(), 20000);
    QVERIFY(!panel->error().isEmpty());
    QVERIFY(!start->isEnabled());
    QVERIFY(!window.action("actionCompare")->isEnabled());
    QVERIFY2(start->toolTip().contains(panel->error()), qPrintable(start->toolTip()));
    QCOMPARE(window.startRun(), 0);  // --train, or a shortcut, is refused the same way
    QCOMPARE(window.store().count(), 0);

    window.setConfig(FastConfig(4));
    panel->reload();
    QTRY_VERIFY_WITH_TIMEOUT(!panel->loading(), 20000);
    QVERIFY(panel->error().isEmpty());
    QVERIFY(start->isEnabled());
  }

  void mu0OfZeroForDeblurringIsWarned() {
    bilevel::TrainingConfig config = FastConfig(4);
    config.problem.kind = bilevel::OperatorKind::kGaussianBlur;
    config.inner.mu0 = 0.0;
    QCOMPARE(int(config.warnings().size()), 1);
    QVERIFY(QString::fromStdString(config.warnings()[0]).contains("problem.mu0"));
    MainWindow window;
    window.setInteractive(false);
    window.setConfig(config);
    auto* warning = window.findChild<QLabel*>(QStringLiteral("problemWarning"));
    QVERIFY(warning);
    QVERIFY(!warning->isHidden());
    QVERIFY(warning->text().contains("μ₀") || warning->text().contains("mu0"));
    config.inner.mu0 = 1e-4;
    QVERIFY(config.warnings().empty());
    window.setConfig(config);
    QVERIFY(warning->isHidden());
  }

  void anEditedPresetIsNoLongerNamed() {
    MainWindow window;
    window.setInteractive(false);
    auto* combo = window.findChild<QComboBox*>(QStringLiteral("presetCombo"));
    auto* type = window.findChild<QComboBox*>(QStringLiteral("regularizer.type"));
    QVERIFY(combo && type);
    for (const bilevel::PresetInfo& p : bilevel::Presets()) {  // the panels keep every preset
      bilevel::TrainingConfig config;
      QVERIFY(bilevel::LoadPreset(p.name, &config).ok());
      window.setConfig(config);
      QCOMPARE(window.currentConfig().description, p.description);
      QCOMPARE(combo->currentData().toString(), QString::fromStdString(p.name));
    }
    bilevel::TrainingConfig quick;
    QVERIFY(bilevel::LoadPreset("quick", &quick).ok());
    window.setConfig(quick);
    type->setCurrentIndex((type->currentIndex() + 1) % type->count());
    QVERIFY(window.currentConfig().regularizer.type != quick.regularizer.type);
    QVERIFY(QString::fromStdString(window.currentConfig().description).startsWith("edited from"));
    QCOMPARE(combo->currentIndex(), 0);
    auto* note = window.findChild<QLabel*>(QStringLiteral("presetDescription"));
    QVERIFY(note && note->text().contains("Edited from quick"));
  }

  void evaluateOnAFolderStartsFromTheSelectedRun() {
    QTemporaryDir runs;
    MainWindow window;
    window.setInteractive(false);
    QVERIFY(window.setRunsFolder(runs.path()).ok());
    window.setConfig(FastConfig(2));
    const int id = window.startRun();
    QTRY_VERIFY_WITH_TIMEOUT(Idle(window), 30000);
    window.action("actionEvaluateSet")->trigger();
    auto* dialog = window.findChild<SetEvaluationDialog*>();
    QVERIFY(dialog && dialog->isVisible());
    QCOMPARE(dialog->regularizers(),
             QStringList{window.store().find(id)->folder + "/regularizer.json"});
    dialog->close();
  }

  void continuingAtAReachedBudgetAsksForALargerOne() {
    bilevel::Budget budget;
    budget.computations = 5000;
    const bilevel::IterationRecord last = Records(5).back();
    const auto reached = ReachedLimit(budget, last);
    QVERIFY(reached);
    QCOMPARE(reached->unit(), QStringLiteral("computations"));
    budget.iterations = 5;
    const bilevel::Budget larger =
        ExtendedBudget(budget, bilevel::XAxis::kComputations, 9000, last);
    QCOMPARE(larger.computations, 9000L);
    QCOMPARE(larger.iterations, 0L);  // reached too: lifted, or the run would stop at once
    QVERIFY(!ReachedLimit(larger, last));

    QTemporaryDir runs;
    MainWindow window;
    window.setInteractive(false);
    QVERIFY(window.setRunsFolder(runs.path()).ok());
    window.setConfig(FastConfig(3));
    const int id = window.startRun();
    QVERIFY(id != 0);
    QTRY_VERIFY_WITH_TIMEOUT(Idle(window), 30000);
    const bilevel::Status again = window.continueRun(id);
    QVERIFY(!again.ok());
    QVERIFY2(QString::fromStdString(again.message()).contains("3 iterations"),
             again.message().c_str());
    QVERIFY(Idle(window));
    bilevel::Budget more;
    more.iterations = 5;
    QVERIFY(window.continueRun(id, more).ok());
    QTRY_VERIFY_WITH_TIMEOUT(Idle(window), 30000);
    QCOMPARE(window.store().find(id)->records.back().iteration, 5L);
  }
};

QTEST_MAIN(WindowGuardsTest)
#include "test_window_guards.moc"
