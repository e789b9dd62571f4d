// The training worker driven from the window's actions: start, pause, resume and stop; a live
// knob change reaching the engine; closing the window while a run trains.
#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <memory>

#include "bilevel/prepared_run.h"
#include "bilevel/regularizer_io.h"
#include "bilevel/regularizer_registry.h"
#include "bilevel/run_folder.h"
#include "curve_plot.h"
#include "method_panel.h"
#include "plots_panel.h"
#include "scientific_spin_box.h"
#include "ui_test_support.h"

using namespace studio;
using namespace studio::test;
using State = RunQueue::State;

namespace {

bool HasEvent(const std::vector<bilevel::RunEvent>& events, const std::string& kind) {
  for (const auto& e : events)
    if (e.kind == kind) return true;
  return false;
}

std::vector<bilevel::RunEvent> ReadEvents(const QString& folder) {
  std::vector<bilevel::RunEvent> events;
  bilevel::RunFolder::ReadEvents((folder + "/events.jsonl").toStdString(), &events);
  return events;
}

}  // namespace

class TrainingControlsTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { IsolateSettings(); }
  void init() { QSettings().clear(); }  // each test starts without the last one's run list

  void startPauseResumeStop() {
    QTemporaryDir runs;
    MainWindow window;
    window.setInteractive(false);
    window.setRunsFolder(runs.path());
    window.setConfig(FastConfig(100000));
    window.show();

    QAction* start = window.action("actionStart");
    QAction* pause = window.action("actionPause");
    QAction* resume = window.action("actionResume");
    QAction* stop = window.action("actionStop");
    QVERIFY(start->isEnabled());
    QVERIFY(!pause->isEnabled());
    QVERIFY(!stop->isEnabled());

    start->trigger();
    QVERIFY(!start->isEnabled());
    const int id = window.selectedRun();
    QVERIFY(id != 0);
    QTRY_VERIFY_WITH_TIMEOUT(RecordCount(window, id) >= 3, 20000);
    QCOMPARE(window.runQueue().state(), State::kRunning);
    QVERIFY(pause->isEnabled());

    pause->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(window.runQueue().state(), State::kPaused, 10000);
    QVERIFY(resume->isEnabled());
    QVERIFY(!pause->isEnabled());
    const std::size_t paused_at = RecordCount(window, id);
    QTest::qWait(400);
    window.runQueue().drain();
    QCOMPARE(RecordCount(window, id), paused_at);  // no iteration while paused

    resume->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(window.runQueue().state(), State::kRunning, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(RecordCount(window, id) >= paused_at + 2, 20000);

    stop->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(Idle(window), 10000);
    QVERIFY(start->isEnabled());
    QVERIFY(!stop->isEnabled());
    const RunSeries* run = Run(window, id);
    QCOMPARE(run->status, QString("stopped"));
    QVERIFY(run->theta.size() > 0);
    const auto events = ReadEvents(run->folder);
    for (const char* kind : {"start", "pause", "continue", "stop"})
      QVERIFY2(HasEvent(events, kind), kind);
    std::vector<bilevel::IterationRecord> log;
    QVERIFY(bilevel::RunFolder::ReadLog((run->folder + "/log.csv").toStdString(), &log).ok());
    QCOMPARE(log.size(), run->records.size());
  }

  void knobChangeReachesTheEngine() {
    QTemporaryDir runs;
    MainWindow window;
    window.setInteractive(false);
    window.setRunsFolder(runs.path());
    window.setConfig(FastConfig(100000));
    window.action("actionStart")->trigger();
    const int id = window.selectedRun();
    QTRY_VERIFY_WITH_TIMEOUT(RecordCount(window, id) >= 2, 20000);

    auto* step = qobject_cast<ScientificSpinBox*>(window.methodPanel()->field("step.initial"));
    QVERIFY(step);
    QVERIFY(step->isEnabled());  // live knobs stay editable while training
    QVERIFY(!window.methodPanel()->field("regularizer.kernels")->isEnabled());
    const double before = Run(window, id)->records.back().alpha;
    const double after = 0.0123;
    QVERIFY(before != after);
    step->setValue(after);  // what typing a value and pressing Enter does

    // The new value is used from the next upper iteration on, and logged.
    QTRY_VERIFY_WITH_TIMEOUT(Run(window, id)->records.back().alpha == after, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(HasEvent(Run(window, id)->events, "knob"), 5000);
    QVERIFY(window.plots()->plot(PlotsPanel::kLoss)->markerCount() >= 1);
    window.action("actionStop")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(Idle(window), 10000);

    // One event, for the one field edited; the iteration after it is the first with the new step.
    int knob_events = 0;
    long knob_iteration = -1;
    for (const auto& e : ReadEvents(Run(window, id)->folder))
      if (e.kind == "knob") {
        ++knob_events;
        QCOMPARE(e.field, std::string("step.initial"));
        QCOMPARE(e.value, std::string("0.0123"));
        knob_iteration = e.iteration;
      }
    QCOMPARE(knob_events, 1);
    const auto& records = Run(window, id)->records;
    const auto first_after = std::find_if(records.begin(), records.end(),
                                          [&](const auto& r) { return r.alpha == after; });
    QVERIFY(first_after != records.end());
    QCOMPARE(first_after->iteration, knob_iteration + 1);
    // Every record after the change uses the new step size.
    bool changed = false;
    for (const auto& r : records) {
      if (r.alpha == after) changed = true;
      if (changed) QCOMPARE(r.alpha, after);
    }

    // A refused change is reported, not applied.
    window.setConfig(FastConfig(100000));
    window.action("actionStart")->trigger();
    const int second = window.selectedRun();
    QTRY_VERIFY_WITH_TIMEOUT(RecordCount(window, second) >= 1, 20000);
    bilevel::LiveKnobs refused = window.methodPanel()->knobs();
    refused.step.initial = -1;
    QVERIFY(!window.runQueue().changeKnobs(refused).ok());
    refused.step.initial = 1e-3;
    refused.batch_size = 0;
    QVERIFY(!window.runQueue().changeKnobs(refused).ok());
    window.action("actionStop")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(Idle(window), 10000);
  }

  void closingTheWindowDuringTrainingStopsCleanly() {
    QTemporaryDir runs;
    auto window = std::make_unique<MainWindow>();
    window->setInteractive(false);
    window->setRunsFolder(runs.path());
    window->setConfig(FastConfig(100000));
    window->show();
    window->action("actionStart")->trigger();
    const int id = window->selectedRun();
    QTRY_VERIFY_WITH_TIMEOUT(RecordCount(*window, id) >= 4, 20000);
    const QString folder = Run(*window, id)->folder;

    QElapsedTimer timer;
    timer.start();
    QVERIFY(window->close());
    const qint64 ms = timer.elapsed();
    qInfo("closing during training took %lld ms", static_cast<long long>(ms));
    QVERIFY(ms < 5000);
    QVERIFY(Idle(*window));
    window.reset();

    // The run folder stays resumable: its run ends with a stop (followed by the run list's name
    // for it) and it holds a checkpoint.
    auto events = ReadEvents(folder);
    QVERIFY(!events.empty());
    QCOMPARE(QString::fromStdString(events.back().kind), QString("name"));
    events.pop_back();
    QVERIFY(!events.empty());
    QCOMPARE(QString::fromStdString(events.back().kind), QString("stop"));
    bilevel::PreparedRun prepared;
    const bilevel::Status s = bilevel::ResumeRun(folder.toStdString(), {}, &prepared);
    QVERIFY2(s.ok(), s.message().c_str());
    QVERIFY(prepared.trainer->iteration() >= 2);
  }

  void settingsAndLayoutAreRestored() {
    QTemporaryDir runs;
    {
      MainWindow window;
      window.setInteractive(false);
      bilevel::TrainingConfig config = FastConfig(33);
      config.knobs.step.initial = 0.0042;
      window.setConfig(config);
      window.plots()->setXAxis(XAxis::kEpochs);
      window.plots()->setLogX(true);
      window.findChild<QDockWidget*>("kernelDock")->hide();
      window.show();
      QVERIFY(window.close());  // saves settings and layout
    }
    MainWindow again;
    QCOMPARE(again.plots()->xAxis(), XAxis::kEpochs);
    QVERIFY(again.plots()->logX());
    QCOMPARE(again.currentConfig().trainer.budget.iterations, 33L);
    QCOMPARE(again.currentConfig().knobs.step.initial, 0.0042);
    again.show();
    QVERIFY(again.findChild<QDockWidget*>("kernelDock")->isHidden());
    again.action("actionResetLayout")->trigger();
    QVERIFY(!again.findChild<QDockWidget*>("kernelDock")->isHidden());
    again.plots()->setXAxis(XAxis::kComputations);
    again.plots()->setLogX(false);
    QVERIFY(again.close());
  }

  // The method panel's picker trains another regularizer type, and the run folder records it.
  void regularizerPickerTrainsTotalVariation() {
    QTemporaryDir runs;
    MainWindow window;
    window.setInteractive(false);
    window.setRunsFolder(runs.path());
    window.setConfig(FastConfig(4));
    auto* type = qobject_cast<QComboBox*>(window.methodPanel()->field("regularizer.type"));
    QVERIFY(type);
    type->setCurrentIndex(type->findData(QStringLiteral("total_variation")));
    QVERIFY(!window.methodPanel()->field("regularizer.kernels"));  // TV has no kernels
    QCOMPARE(window.currentConfig().regularizer.type, std::string("total_variation"));
    window.action("actionStart")->trigger();
    const int id = window.selectedRun();
    QTRY_VERIFY_WITH_TIMEOUT(Idle(window), 30000);
    const RunSeries* run = Run(window, id);
    QVERIFY(run);
    QCOMPARE(int(run->records.size()), 4);
    // Three channel weights and the smoothing, read from the run folder when the run ends.
    QTRY_COMPARE_WITH_TIMEOUT(Run(window, id)->theta.size(), Eigen::Index(4), 10000);
    QCOMPARE(run->regularizer.type, std::string("total_variation"));
    bilevel::RegularizerSettings read;
    Eigen::VectorXd theta;
    QVERIFY(bilevel::ReadRegularizerJson((run->folder + "/regularizer.json").toStdString(), &read,
                                         &theta)
                .ok());
    QCOMPARE(read.type, std::string("total_variation"));
  }

  // A convex ridge regularizer's layer lists are typed in: a list that cannot work is refused
  // naming its field, a small one trains and exports.
  void convexRidgeLayersAreTypedIn() {
    QTemporaryDir runs;
    MainWindow window;
    window.setInteractive(false);
    window.setRunsFolder(runs.path());
    window.setConfig(FastConfig(2));
    auto* type = qobject_cast<QComboBox*>(window.methodPanel()->field("regularizer.type"));
    QVERIFY(type);
    type->setCurrentIndex(type->findData(QStringLiteral("convex_ridge")));
    auto* layers = qobject_cast<QLineEdit*>(window.methodPanel()->field("regularizer.layers"));
    auto* sizes = qobject_cast<QLineEdit*>(window.methodPanel()->field("regularizer.kernel_sizes"));
    QVERIFY(layers && sizes);
    QCOMPARE(layers->text(), QStringLiteral("8, 32"));
    layers->setText(QStringLiteral("8, 0"));
    emit layers->editingFinished();
    const bilevel::Status bad = window.currentConfig().validate();
    QVERIFY(!bad.ok());
    QVERIFY2(bad.message().find("regularizer.layers") != std::string::npos, bad.message().c_str());
    layers->setText(QStringLiteral("2, 3"));
    emit layers->editingFinished();
    sizes->setText(QStringLiteral("3, 3"));
    emit sizes->editingFinished();
    QVERIFY(window.currentConfig().validate().ok());
    window.action("actionStart")->trigger();
    const int id = window.selectedRun();
    QTRY_VERIFY_WITH_TIMEOUT(Idle(window), 30000);
    QCOMPARE(int(Run(window, id)->records.size()), 2);
    bilevel::RegularizerSettings read;
    Eigen::VectorXd theta;
    QVERIFY(bilevel::ReadRegularizerJson(
                (Run(window, id)->folder + "/regularizer.json").toStdString(), &read, &theta)
                .ok());
    QCOMPARE(read.text("regularizer.layers"), std::string("2, 3"));
    std::unique_ptr<bilevel::Regularizer<double>> reg;
    QVERIFY(bilevel::CreateRegularizer(read, &reg).ok());
    QCOMPARE(int(theta.size()), reg->parameterCount());
  }

  // The run list survives a restart: the same run with its new name, hidden, in its colour; the
  // name is read back from the run folder.
  void runListSurvivesARestart() {
    QTemporaryDir runs;
    QString folder;
    QColor color;
    {
      MainWindow window;
      window.setInteractive(false);
      window.setRunsFolder(runs.path());
      window.setConfig(FastConfig(2));
      window.action("actionStart")->trigger();
      const int id = window.selectedRun();
      QTRY_VERIFY_WITH_TIMEOUT(Idle(window), 30000);
      window.store().setName(id, QStringLiteral("renamed run"));
      window.store().setVisible(id, false);
      folder = Run(window, id)->folder;
      color = Run(window, id)->color;
      QVERIFY(window.close());
    }
    {
      MainWindow again;
      QCOMPARE(int(again.store().runs().size()), 1);
      const RunSeries* run = again.store().runs().front();
      QCOMPARE(run->name, QStringLiteral("renamed run"));
      QCOMPARE(run->folder, folder);
      QVERIFY(!run->visible);
      QCOMPARE(run->color, color);
      QCOMPARE(int(run->records.size()), 2);
    }
    QSettings().clear();  // the next tests start with an empty run list
  }

  // A start or a comparison whose data folder does not exist: it is listed while it loads, then
  // the error is shown and nothing is left behind, in the list or on disk.
  void aFailedStartLeavesNothingBehind_data() {
    QTest::addColumn<bool>("comparison");
    QTest::newRow("start") << false;
    QTest::newRow("comparison") << true;
  }

  void aFailedStartLeavesNothingBehind() {
    QFETCH(bool, comparison);
    QTemporaryDir runs;
    MainWindow window;
    window.setInteractive(false);
    window.setRunsFolder(runs.path());
    bilevel::TrainingConfig config = FastConfig(10);
    config.dataset.folder = (runs.path() + "/no-such-folder").toStdString();
    window.setConfig(config);
    if (comparison)
      QVERIFY(window.startComparison().second != 0);
    else
      window.action("actionStart")->trigger();
    QCOMPARE(window.store().count(), comparison ? 2 : 1);
    QTRY_VERIFY_WITH_TIMEOUT(Idle(window), 10000);
    QVERIFY(window.lastError().contains("could not start"));
    QCOMPARE(window.store().count(), 0);
    QCOMPARE(window.selectedRun(), 0);
    QVERIFY(QDir(runs.path()).entryList(QDir::Dirs | QDir::NoDotAndDotDot).isEmpty());
  }
};

QTEST_MAIN(TrainingControlsTest)
#include "test_training_controls.moc"
