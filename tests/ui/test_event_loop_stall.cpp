// The GUI stays responsive however fast training runs: while a fast run trains (tiny patches,
// dozens of iterations per second, live plots, previews and kernels), a 1 ms timer on the GUI
// thread records the gaps between its ticks; the longest must stay at or under 50 ms. And other
// work on the GUI thread does not hold the plots back once it is over.
#include <QAction>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <QTimer>
#include <algorithm>
#include <functional>
#include <vector>

#include "plots_panel.h"
#include "ui_test_support.h"

using namespace studio;
using namespace studio::test;

namespace {

// Runs the event loop (unlike QTest::qWait, which sleeps between passes) until done() holds or
// the time is up.
bool RunEventLoopUntil(const std::function<bool()>& done, int timeout_ms) {
  QEventLoop loop;
  QTimer check;
  check.setInterval(2);
  QObject::connect(&check, &QTimer::timeout, &loop, [&] {
    if (done()) loop.quit();
  });
  QTimer::singleShot(timeout_ms, &loop, &QEventLoop::quit);
  check.start();
  loop.exec();
  return done();
}

}  // namespace

class EventLoopStallTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { IsolateSettings(); }

  void guiNeverStallsWhileTraining() {
    QTemporaryDir runs;
    MainWindow window;
    window.setInteractive(false);
    window.setRunsFolder(runs.path());
    bilevel::TrainingConfig config = FastConfig(100000);
    config.dataset.patch_size = 16;
    config.regularizer.set("regularizer.kernels", 2);
    config.knobs.batch_size = 1;
    config.trainer.test_interval = 10;
    config.checkpoint_interval = 50;
    window.setConfig(config);
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTest::qWait(500);  // let the dataset panel's preview load settle

    std::vector<qint64> gaps;
    gaps.reserve(20000);
    QElapsedTimer clock;
    qint64 last = -1;
    QTimer ticker;
    ticker.setTimerType(Qt::PreciseTimer);
    ticker.setInterval(1);
    connect(&ticker, &QTimer::timeout, [&] {
      const qint64 now = clock.nsecsElapsed();
      if (last >= 0) gaps.push_back(now - last);
      last = now;
    });
    clock.start();
    ticker.start();

    // Everything from the click on Start to the end of the stop runs in a real event loop.
    QTimer::singleShot(5, &window, [&window] { window.action("actionStart")->trigger(); });
    QVERIFY(RunEventLoopUntil(
        [&] { return window.runQueue().state() == RunQueue::State::kRunning; }, 20000));
    const int id = window.selectedRun();
    QElapsedTimer training;
    training.start();
    RunEventLoopUntil([] { return false; }, 3000);
    const std::size_t records = RecordCount(window, id);
    const double seconds = training.elapsed() / 1000.0;
    window.action("actionStop")->trigger();
    QVERIFY(RunEventLoopUntil([&] { return Idle(window); }, 10000));
    ticker.stop();

    QVERIFY(gaps.size() > 100);
    std::vector<qint64> sorted = gaps;
    std::sort(sorted.begin(), sorted.end());
    const double longest = sorted.back() / 1e6;
    const double p99 = sorted[sorted.size() * 99 / 100] / 1e6;
    const double median = sorted[sorted.size() / 2] / 1e6;
    qInfo(
        "training: %zu iterations in %.1f s (%.0f/s); event loop: %zu ticks, median gap %.2f "
        "ms, 99th percentile %.2f ms, longest %.2f ms",
        records, seconds, records / seconds, gaps.size(), median, p99, longest);
#ifdef BILEVEL_SANITIZED_BUILD
    QSKIP("measured, but not checked: a sanitizer slows every thread several times");
#endif
    QVERIFY2(records / seconds > 20, "the run is meant to be fast");
    QVERIFY2(longest <= 50.0, qPrintable(QString("longest gap %1 ms").arg(longest)));
  }

  // Other work on the GUI thread between two plots' drawing (thumbnails of a folder just opened)
  // does not hold the remaining plots back: all four are drawn soon after it ends.
  void otherWorkDoesNotHoldThePlotsBack() {
    RunStore store;
    PlotsPanel panel(store);
    panel.resize(900, 700);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QTest::qWait(300);
    int drawn[PlotsPanel::kPlotCount] = {};
    for (int p = 0; p < PlotsPanel::kPlotCount; ++p)
      connect(panel.plot(PlotsPanel::Plot(p)), &QCustomPlot::afterReplot, &panel,
              [&drawn, p] { ++drawn[p]; });
    RunSeries run;
    run.name = QStringLiteral("run");
    const int id = store.add(std::move(run));
    std::vector<bilevel::IterationRecord> records(20);
    for (int k = 0; k < 20; ++k) {
      records[std::size_t(k)].iteration = k + 1;
      records[std::size_t(k)].computations = 100 * (k + 1);
      records[std::size_t(k)].loss = 1.0 / (k + 1);
      records[std::size_t(k)].psnr = 20.0 + k;
    }
    store.appendRecords(id, records);
    // Once the first plot is drawn, the GUI thread is busy for 600 ms.
    bool blocked = false;
    connect(panel.plot(PlotsPanel::kLoss), &QCustomPlot::afterReplot, &panel, [&blocked] {
      if (blocked) return;
      blocked = true;
      QTimer::singleShot(0, [] { QThread::msleep(600); });
    });
    QElapsedTimer clock;
    clock.start();
    QVERIFY(RunEventLoopUntil(
        [&] {
          return std::all_of(std::begin(drawn), std::end(drawn), [](int n) { return n > 0; });
        },
        1500));
    qInfo("all four plots drawn %lld ms after the records arrived", clock.elapsed());
  }
};

QTEST_MAIN(EventLoopStallTest)
#include "test_event_loop_stall.moc"
