// The run controller from other threads: start, pause, resume, stop and knob changes take
// effect inside a running evaluation, not only between upper iterations, and without races (run
// this suite under ThreadSanitizer: -DBILEVEL_TSAN=ON). How fast they act is measured by
// `bilevel-cli bench --controls` (docs/BENCHMARKS.md), not here.
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "bilevel/config_json.h"
#include "bilevel/prepared_run.h"
#include "bilevel/run_controller.h"
#include "bilevel/run_folder.h"
#include "toy_oracle.h"

using namespace bilevel;
using namespace bilevel::test;
using Clock = std::chrono::steady_clock;

namespace {

// Records and events collected from the worker thread.
struct Collector {
  std::mutex mutex;
  std::vector<IterationRecord> records;
  std::vector<RunEvent> events;
  RunCallbacks callbacks() {
    RunCallbacks c;
    c.record = [this](const IterationRecord& r) {
      std::lock_guard lock(mutex);
      records.push_back(r);
    };
    c.event = [this](const RunEvent& e) {
      std::lock_guard lock(mutex);
      events.push_back(e);
    };
    return c;
  }
  std::size_t recordCount() {
    std::lock_guard lock(mutex);
    return records.size();
  }
};

TrainingConfig Config() {
  TrainingConfig c;
  c.trainer.method = Method::kIsgd;
  c.knobs.batch_size = 2;
  c.knobs.step = {ScheduleKind::kConstant, 0.05, 0.5};
  c.knobs.accuracy = {ScheduleKind::kConstant, 1e-3, 0.5};
  c.trainer.budget.iterations = 100000;
  return c;
}

// Polls until pred() holds or the timeout passes; returns the time it took in ms (or -1).
template <typename Pred>
double WaitFor(Pred pred, double timeout_ms = 5000) {
  const auto start = Clock::now();
  for (;;) {
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (pred()) return ms;
    if (ms > timeout_ms) return -1.0;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

Eigen::VectorXd Zero() {
  return Eigen::VectorXd::Zero(1);
}

}  // namespace

class RunControllerTest : public QObject {
  Q_OBJECT

 private slots:
  void pauseResumeAndStopTakeEffectPromptly() {
    QuadraticWeightOracle oracle(8, 8, 1);
    oracle.work_checks = 250;  // one evaluation: about 250 inner iterations of 2 ms
    oracle.work_sleep_us = 2000;
    Trainer trainer(Config().trainer, Config().knobs, oracle);
    QVERIFY(trainer.initialize(Zero()).ok());
    Collector collected;
    RunController run(Config(), trainer, nullptr, collected.callbacks());
    QVERIFY(run.start().ok());
    QVERIFY(!run.start().ok());  // only once
    QVERIFY(WaitFor([&] { return collected.recordCount() >= 1 && oracle.inside; }) >= 0);

    run.pause();
    QVERIFY(WaitFor([&] { return run.state() == RunState::kPaused; }) >= 0);
    QVERIFY(oracle.inside);  // paused in the middle of an evaluation
    const std::size_t at_pause = collected.recordCount();
    const long calls = oracle.calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    QCOMPARE(collected.recordCount(), at_pause);
    QCOMPARE(oracle.calls.load(), calls);

    run.resume();
    QVERIFY(WaitFor([&] { return collected.recordCount() >= at_pause + 1 && oracle.inside; }) >= 0);
    QCOMPARE(run.state(), RunState::kRunning);

    const long calls_at_stop = oracle.calls;
    run.stop();
    run.wait();
    QCOMPARE(oracle.calls.load(), calls_at_stop);  // the evaluation under way was cut short
    QVERIFY(!oracle.inside);
    QCOMPARE(run.state(), RunState::kFinished);
    QCOMPARE(run.end(), RunEnd::kStopped);

    std::lock_guard lock(collected.mutex);
    std::vector<std::string> kinds;
    for (const RunEvent& e : collected.events)
      kinds.push_back(e.kind);
    QCOMPARE(kinds.front(), std::string("start"));
    QVERIFY(std::find(kinds.begin(), kinds.end(), "pause") != kinds.end());
    QVERIFY(std::find(kinds.begin(), kinds.end(), "continue") != kinds.end());
    QCOMPARE(kinds.back(), std::string("stop"));
    // Records are consecutive: nothing lost or repeated across the pause.
    for (std::size_t k = 0; k < collected.records.size(); ++k)
      QCOMPARE(collected.records[k].iteration, long(k + 1));
  }

  void pausedTimeIsNotTrainingTime() {
    QuadraticWeightOracle oracle(8, 8, 1);
    oracle.work_checks = 5;
    oracle.work_sleep_us = 1000;
    Trainer trainer(Config().trainer, Config().knobs, oracle);
    QVERIFY(trainer.initialize(Zero()).ok());
    Collector collected;
    RunController run(Config(), trainer, nullptr, collected.callbacks());
    run.pause();  // paused before the first inner iteration
    QVERIFY(run.start().ok());
    QVERIFY(WaitFor([&] { return run.state() == RunState::kPaused; }) >= 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    run.resume();
    QVERIFY(WaitFor([&] { return collected.recordCount() >= 1; }) >= 0);
    run.stop();
    run.wait();
    std::lock_guard lock(collected.mutex);
    QVERIFY2(collected.records.front().wall_seconds < 0.3,
             qPrintable(QString::number(collected.records.front().wall_seconds)));
  }

  void knobChangesFromAnotherThreadApplyAtTheNextIteration() {
    QuadraticWeightOracle oracle(8, 8, 1);
    oracle.work_checks = 10;
    oracle.work_sleep_us = 500;
    Trainer trainer(Config().trainer, Config().knobs, oracle);
    QVERIFY(trainer.initialize(Zero()).ok());
    Collector collected;
    RunController run(Config(), trainer, nullptr, collected.callbacks());
    QVERIFY(run.start().ok());
    QVERIFY(WaitFor([&] { return collected.recordCount() >= 2; }) >= 0);

    LiveKnobs bad = run.knobs();
    bad.accuracy.initial = 0.0;
    const Status refused = run.changeKnobs(bad);
    QVERIFY(!refused.ok());
    QVERIFY2(refused.message().find("accuracy.initial") != std::string::npos,
             refused.message().c_str());
    std::thread other([&] {
      LiveKnobs knobs = run.knobs();
      knobs.step.initial = 0.0125;
      QVERIFY(run.changeKnobs(knobs).ok());
    });
    other.join();
    QVERIFY(WaitFor([&] {
              std::lock_guard lock(collected.mutex);
              return !collected.records.empty() && collected.records.back().alpha == 0.0125;
            }) >= 0);
    run.stop();
    run.wait();

    std::lock_guard lock(collected.mutex);
    long knob_iteration = -1;
    int knob_events = 0;
    for (const RunEvent& e : collected.events)
      if (e.kind == "knob") {
        QCOMPARE(e.field, std::string("step.initial"));
        QCOMPARE(e.value, std::string("0.0125"));
        knob_iteration = e.iteration;
        ++knob_events;
      }
    QCOMPARE(knob_events, 1);  // the one field that changed, once
    QVERIFY(knob_iteration >= 2);
    for (const IterationRecord& r : collected.records)
      QCOMPARE(r.alpha, r.iteration <= knob_iteration ? 0.05 : 0.0125);
  }

  // Knobs given while others wait replace them; a refused change leaves the waiting ones alone.
  // They apply at the next iteration with one event per field that differs from the trainer's.
  void waitingKnobsAreReplacedByTheNextChange() {
    QuadraticWeightOracle oracle(8, 8, 1);
    oracle.work_checks = 10;
    oracle.work_sleep_us = 500;
    Trainer trainer(Config().trainer, Config().knobs, oracle);
    QVERIFY(trainer.initialize(Zero()).ok());
    Collector collected;
    RunController run(Config(), trainer, nullptr, collected.callbacks());
    QVERIFY(run.start().ok());
    QVERIFY(WaitFor([&] { return collected.recordCount() >= 1; }) >= 0);
    run.pause();
    LiveKnobs knobs = run.knobs();
    knobs.step.initial = 0.5;
    QVERIFY(run.changeKnobs(knobs).ok());
    QCOMPARE(run.knobs().step.initial, 0.5);
    knobs.step.initial = 0.25;
    knobs.batch_size = 3;
    QVERIFY(run.changeKnobs(knobs).ok());
    knobs.batch_size = 0;
    QVERIFY(!run.changeKnobs(knobs).ok());
    QCOMPARE(run.knobs().batch_size, 3);
    run.resume();
    QVERIFY(WaitFor([&] {
              std::lock_guard lock(collected.mutex);
              return !collected.records.empty() && collected.records.back().alpha == 0.25;
            }) >= 0);
    run.stop();
    run.wait();
    std::lock_guard lock(collected.mutex);
    std::vector<std::string> changes;
    long at = -1;
    for (const RunEvent& e : collected.events)
      if (e.kind == "knob") {
        changes.push_back(e.field + "=" + e.value);
        QVERIFY(at == -1 || e.iteration == at);
        at = e.iteration;
      }
    QCOMPARE(changes, (std::vector<std::string>{"step.initial=0.25", "batch_size=3"}));
    QCOMPARE(collected.records.back().batch_size, 3);
    QCOMPARE(trainer.knobs().step.initial, 0.25);
  }

  // A run that reaches its budget between test evaluations measures its final regularizer: a
  // "final" event (also in events.jsonl) whose test PSNR is not the initial one.
  void aFinishedRunMeasuresItsFinalRegularizer() {
    TrainingConfig c;
    c.dataset.color = ColorMode::kGrey;
    c.dataset.patch_size = 16;
    c.dataset.patches_per_image = 1;
    c.dataset.max_train_patches = 4;
    c.dataset.max_test_patches = 2;
    c.trainer.method = Method::kAdam;
    c.knobs.batch_size = 2;
    c.knobs.step = {ScheduleKind::kConstant, 0.2, 0.5};
    c.trainer.test_interval = 100;
    c.trainer.budget.iterations = 3;
    c.backend.device = DevicePreference::kCpu;
    QVERIFY(SetConfigField(&c, "regularizer.type", "total_variation").ok());
    QVERIFY(SetConfigField(&c, "regularizer.channels", "1").ok());
    QTemporaryDir tmp;
    PreparedRun prepared;
    PrepareOptions options;
    options.out_dir = tmp.path().toStdString();
    options.overwrite = true;
    const Status s = PrepareRun(c, options, &prepared);
    QVERIFY2(s.ok(), s.message().c_str());
    Collector collected;
    RunController run(prepared, collected.callbacks());
    run.run();
    QCOMPARE(run.end(), RunEnd::kBudget);
    const double initial = prepared.trainer->initialTestPsnr();
    const double final_psnr = RunFolder::FinalTestPsnr(collected.events);
    QVERIFY(std::isfinite(initial) && std::isfinite(final_psnr));
    QVERIFY2(final_psnr != initial, qPrintable(QString("%1 dB both").arg(initial)));
    QCOMPARE(prepared.trainer->lastTestPsnr(), final_psnr);
    QCOMPARE(collected.events.back().kind, std::string("budget"));
    std::vector<RunEvent> written;
    QVERIFY(RunFolder::ReadEvents(options.out_dir + "/" + RunFolder::kEventsFile, &written).ok());
    QCOMPARE(RunFolder::FinalTestPsnr(written), final_psnr);
  }

  void budgetAndDivergenceEndTheRun() {
    QuadraticWeightOracle oracle(8, 8, 1);
    TrainingConfig c = Config();
    c.trainer.budget.iterations = 5;
    Trainer trainer(c.trainer, c.knobs, oracle);
    QVERIFY(trainer.initialize(Zero()).ok());
    Collector collected;
    RunController run(c, trainer, nullptr, collected.callbacks());
    run.run();  // on this thread
    QCOMPARE(run.end(), RunEnd::kBudget);
    QCOMPARE(int(collected.recordCount()), 5);

    ScriptedOracle scripted(Eigen::VectorXd::Zero(1));
    TrainingConfig d = Config();
    d.knobs.step.initial = 1e200;
    Trainer diverging(d.trainer, d.knobs, scripted);
    QVERIFY(diverging.initialize(Eigen::VectorXd::Ones(1)).ok());
    Collector events;
    RunController run2(d, diverging, nullptr, events.callbacks());
    QVERIFY(run2.start().ok());
    run2.wait();
    QCOMPARE(run2.end(), RunEnd::kDiverged);
    QVERIFY(diverging.parameters().allFinite());
    std::lock_guard lock(events.mutex);
    QCOMPARE(events.events.back().kind, std::string("diverged"));
  }

  // A checkpoint whose warm starts cannot be read is not written (an empty one would only fail
  // at resume): the run stops at that iteration with the reason.
  void unreadableWarmStartsStopTheRun() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QuadraticWeightOracle oracle(8, 8, 1);
    oracle.warm_starts_readable = false;
    TrainingConfig c = Config();
    c.trainer.budget.iterations = 6;
    c.checkpoint_interval = 2;
    RunFolder folder;
    QVERIFY(CreateRunFolder(tmp.filePath("run").toStdString(), c, &folder).ok());
    Trainer trainer(c.trainer, c.knobs, oracle);
    QVERIFY(trainer.initialize(Zero()).ok());
    RunController run(c, trainer, &folder);
    run.run();  // on this thread
    QCOMPARE(run.end(), RunEnd::kError);
    QVERIFY2(run.endMessage().find("no checkpoint written: the device cannot be read") !=
                 std::string::npos,
             run.endMessage().c_str());
    QCOMPARE(trainer.iteration(), 2L);
    QVERIFY(!folder.hasCheckpoint());
  }

  // A test evaluation that fails stops nothing but is reported: the initial one as an error of
  // initialize(), later ones as warning events beside their iterations' records.
  void failedTestEvaluationsAreReported() {
    QuadraticWeightOracle oracle(8, 8, 1);
    oracle.test_failure = "out of device memory";
    TrainingConfig c = Config();
    c.trainer.budget.iterations = 4;
    c.trainer.test_interval = 2;
    Trainer trainer(c.trainer, c.knobs, oracle);
    const Status s = trainer.initialize(Zero());
    QVERIFY(!s.ok());
    QVERIFY2(s.message().find("out of device memory") != std::string::npos, s.message().c_str());
    QVERIFY(trainer.initialize(Zero(), {}, /*measure_test=*/false).ok());
    Collector collected;
    RunController run(c, trainer, nullptr, collected.callbacks());
    run.run();
    QCOMPARE(run.end(), RunEnd::kBudget);
    QCOMPARE(int(collected.recordCount()), 4);
    std::lock_guard lock(collected.mutex);
    std::vector<long> warned;
    for (const RunEvent& e : collected.events)
      if (e.kind == "warning") {
        QCOMPARE(e.message, std::string("test PSNR not measured: out of device memory"));
        warned.push_back(e.iteration);
      }
    QCOMPARE(warned, (std::vector<long>{2, 4}));
  }

  // A GPU that failed during a step and was left for the CPU: a "backend" event with the new
  // backend and a warning with the reason, at that iteration, once.
  void aMoveToTheCpuIsReportedWithItsStep() {
    QuadraticWeightOracle oracle(8, 8, 1);
    TrainingConfig c = Config();
    c.trainer.budget.iterations = 3;
    Trainer trainer(c.trainer, c.knobs, oracle);
    QVERIFY(trainer.initialize(Zero(), {}, /*measure_test=*/false).ok());
    QVERIFY(trainer.step().backend.empty());
    oracle.pending_move = {"CPU: test", "the GPU failed: out of memory; running on the CPU"};
    Collector collected;
    RunController run(c, trainer, nullptr, collected.callbacks());
    run.run();
    QCOMPARE(run.end(), RunEnd::kBudget);
    std::lock_guard lock(collected.mutex);
    std::vector<std::string> seen;
    for (const RunEvent& e : collected.events)
      if (e.kind == "backend" || e.kind == "warning")
        seen.push_back(std::to_string(e.iteration) + " " + e.kind + ": " + e.message);
    QCOMPARE(seen, (std::vector<std::string>{
                       "2 backend: CPU: test",
                       "2 warning: the GPU failed: out of memory; running on the CPU"}));
  }

  void concurrentCommandsAreRaceFree() {
    QuadraticWeightOracle oracle(8, 8, 1);
    oracle.work_checks = 4;
    oracle.work_sleep_us = 50;
    Trainer trainer(Config().trainer, Config().knobs, oracle);
    QVERIFY(trainer.initialize(Zero()).ok());
    Collector collected;
    RunController run(Config(), trainer, nullptr, collected.callbacks());
    QVERIFY(run.start().ok());
    std::atomic<bool> done{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t)
      threads.emplace_back([&, t] {
        int k = 0;
        while (!done) {
          switch ((k++ + t) % 4) {
            case 0:
              run.pause();
              break;
            case 1:
              run.resume();
              break;
            case 2: {
              LiveKnobs knobs = run.knobs();
              knobs.batch_size = 1 + k % 4;
              (void)run.changeKnobs(knobs);
            } break;
            default:
              (void)run.state();
          }
          std::this_thread::sleep_for(std::chrono::microseconds(300));
        }
      });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    done = true;
    for (std::thread& t : threads)
      t.join();
    run.resume();
    run.stop();
    run.wait();
    QCOMPARE(run.end(), RunEnd::kStopped);
    QVERIFY(trainer.parameters().allFinite());
  }

  void destroyingARunningControllerStopsIt() {
    QuadraticWeightOracle oracle(8, 8, 1);
    oracle.work_checks = 20;
    oracle.work_sleep_us = 1000;
    Trainer trainer(Config().trainer, Config().knobs, oracle);
    QVERIFY(trainer.initialize(Zero()).ok());
    const auto start = Clock::now();
    {
      RunController run(Config(), trainer, nullptr);
      QVERIFY(run.start().ok());
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      run.pause();
    }
    QVERIFY(std::chrono::duration<double>(Clock::now() - start).count() < 1.0);
  }
};

QTEST_APPLESS_MAIN(RunControllerTest)
#include "test_run_controller.moc"
