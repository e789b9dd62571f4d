// Runs on disk end to end: a run stopped at its budget and resumed from its folder reproduces
// the uninterrupted run's log exactly (every column but the wall time), for ISGD with Adam and
// for MAID, and a resume cuts rows logged after the checkpoint.
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>

#include "bilevel/prepared_run.h"
#include "bilevel/regularizer_io.h"
#include "bilevel/run_controller.h"
#include "regularizers/foe.h"

using namespace bilevel;

namespace {

TrainingConfig SmallConfig(Method method) {
  TrainingConfig c;
  c.name = "resume-test";
  c.dataset.color = ColorMode::kGrey;
  c.dataset.patch_size = 20;
  c.dataset.patches_per_image = 1;
  c.dataset.max_train_patches = 6;
  c.dataset.max_test_patches = 2;
  c.regularizer = FoeSettings(FoeConfig{1, 3, 3, Boundary::kReflect101});
  c.trainer.method = method;
  c.knobs.batch_size = 2;
  c.knobs.step = {ScheduleKind::kPolynomial, 1e-2, 0.5};
  c.knobs.accuracy = {ScheduleKind::kPolynomial, 1e-2, 0.5};
  c.trainer.maid.step = 1e-2;
  c.trainer.test_interval = 2;
  c.checkpoint_interval = 3;
  c.trainer.budget.iterations = 6;
  return c;
}

std::vector<IterationRecord> Train(const TrainingConfig& config, const std::string& dir) {
  PreparedRun prepared;
  PrepareOptions options;
  options.out_dir = dir;
  options.overwrite = true;
  const Status s = PrepareRun(config, options, &prepared);
  if (!s.ok()) qFatal("%s", s.message().c_str());
  RunController(prepared).run();
  std::vector<IterationRecord> log;
  if (!RunFolder::ReadLog(dir + "/log.csv", &log).ok()) qFatal("cannot read the log");
  return log;
}

void CompareLogs(const std::vector<IterationRecord>& a, const std::vector<IterationRecord>& b) {
  QCOMPARE(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    const IterationRecord &x = a[k], &y = b[k];
    QCOMPARE(x.iteration, y.iteration);
    QCOMPARE(x.epoch, y.epoch);
    QCOMPARE(x.lower_iterations, y.lower_iterations);
    QCOMPARE(x.cg_iterations, y.cg_iterations);
    QCOMPARE(x.power_iterations, y.power_iterations);
    QCOMPARE(x.computations, y.computations);
    QCOMPARE(x.loss, y.loss);
    QCOMPARE(x.psnr, y.psnr);
    QCOMPARE(std::isnan(x.test_psnr), std::isnan(y.test_psnr));
    if (!std::isnan(x.test_psnr)) QCOMPARE(x.test_psnr, y.test_psnr);
    QCOMPARE(x.alpha, y.alpha);
    QCOMPARE(x.epsilon, y.epsilon);
    QCOMPARE(x.delta, y.delta);
    QCOMPARE(x.hypergradient_norm, y.hypergradient_norm);
    QCOMPARE(x.batch_size, y.batch_size);
    QCOMPARE(x.accepted, y.accepted);
    QCOMPARE(x.rejected, y.rejected);
  }
}

void CheckResume(Method method) {
  QTemporaryDir tmp;
  QVERIFY(tmp.isValid());
  const std::string whole = tmp.filePath("whole").toStdString();
  const std::string split = tmp.filePath("split").toStdString();
  const TrainingConfig config = SmallConfig(method);
  const std::vector<IterationRecord> reference = Train(config, whole);
  QCOMPARE(int(reference.size()), 6);
  QVERIFY(reference.back().computations > 0);

  TrainingConfig first = config;
  first.trainer.budget.iterations = 4;
  QCOMPARE(int(Train(first, split).size()), 4);
  {  // a row logged after the last checkpoint, as if the process had died
    std::ofstream log(split + "/log.csv", std::ios::app);
    log << "5,9,9,9,9,9,9,9,9,,9,9,9,9,9,9,9\n";
  }
  PreparedRun prepared;
  const Status s = ResumeRun(split, {}, &prepared);
  QVERIFY2(s.ok(), s.message().c_str());
  QCOMPARE(prepared.trainer->iteration(), 4L);
  prepared.trainer->setBudget(config.trainer.budget);
  RunController run(prepared);
  run.run();
  QCOMPARE(run.end(), RunEnd::kBudget);
  std::vector<IterationRecord> resumed;
  QVERIFY(RunFolder::ReadLog(split + "/log.csv", &resumed).ok());
  CompareLogs(reference, resumed);
}

}  // namespace

class ResumeTest : public QObject {
  Q_OBJECT

 private slots:
  void adamResumeReproducesTheLog() { CheckResume(Method::kAdam); }
  void maidResumeReproducesTheLog() { CheckResume(Method::kMaid); }

  // A snapshot at budget C holds the parameters of the first iteration that reached C: those of a
  // run stopped by that budget. Keeping snapshots changes nothing else in the run.
  // The checkpoint written from views of the oracle's warm starts is the file written from
  // copies, and the CPU engine lends its arrays rather than copying them.
  void checkpointViewsWriteTheSameFile() {
    PreparedRun prepared;
    TrainingConfig config = SmallConfig(Method::kAdam);
    config.trainer.budget.iterations = 2;
    QVERIFY(PrepareRun(config, {}, &prepared).ok());
    RunController(prepared.config, *prepared.trainer, nullptr).run();
    QCOMPARE(prepared.trainer->iteration(), 2L);
    NpyArrays arrays;
    QVERIFY(prepared.trainer->checkpoint(&arrays).ok());
    Trainer::CheckpointViews views;
    QVERIFY(prepared.trainer->checkpoint(&views).ok());
    QVERIFY(views.warm_copy.empty());
    QCOMPARE(int(views.warm.size()), 3);  // lower-level, CG and test warm starts
    QTemporaryDir tmp;
    const std::string a = tmp.filePath("a.npz").toStdString();
    const std::string b = tmp.filePath("b.npz").toStdString();
    QVERIFY(WriteNpz(a, arrays).ok());
    QVERIFY(WriteNpzViews(b, views.views()).ok());
    std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
    const std::string ba((std::istreambuf_iterator<char>(fa)), std::istreambuf_iterator<char>());
    const std::string bb((std::istreambuf_iterator<char>(fb)), std::istreambuf_iterator<char>());
    QVERIFY(ba.size() > 1000);
    QVERIFY(ba == bb);
  }

  void snapshotsHoldTheParametersAtTheirBudgets() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const TrainingConfig config = SmallConfig(Method::kIsgd);
    const std::vector<IterationRecord> reference =
        Train(config, tmp.filePath("reference").toStdString());
    QCOMPARE(int(reference.size()), 6);
    TrainingConfig kept = config;
    kept.snapshots = {0, reference[1].computations, reference[2].computations + 1};
    const std::string dir = tmp.filePath("kept").toStdString();
    CompareLogs(reference, Train(kept, dir));
    const auto snapshots = RunFolder::Snapshots(dir);
    QCOMPARE(int(snapshots.size()), 3);
    for (int i = 0; i < 3; ++i)
      QCOMPARE(snapshots[std::size_t(i)].first, kept.snapshots[std::size_t(i)]);

    const long stopped_after[] = {0, 2, 4};  // the iterations that reach each budget
    for (int i = 0; i < 3; ++i) {
      const IterationRecord* row = RunFolder::SnapshotRecord(reference, kept.snapshots[i]);
      QCOMPARE(row ? row->iteration : 0L, stopped_after[i]);
    }
    QVERIFY(!RunFolder::SnapshotRecord(reference, reference.back().computations + 1));
    for (int i = 0; i < 3; ++i) {
      TrainingConfig shorter = config;
      shorter.trainer.budget.iterations = stopped_after[i];
      Eigen::VectorXd expected;
      if (stopped_after[i] == 0) {
        PreparedRun prepared;
        QVERIFY(PrepareRun(config, {}, &prepared).ok());
        expected = prepared.trainer->parameters();
      } else {
        const std::string short_dir = tmp.filePath(QString("short%1").arg(i)).toStdString();
        Train(shorter, short_dir);
        RegularizerSettings foe;
        QVERIFY(ReadRegularizerJson(short_dir + "/regularizer.json", &foe, &expected).ok());
      }
      RegularizerSettings foe;
      Eigen::VectorXd theta;
      const Status s = ReadRegularizerJson(snapshots[std::size_t(i)].second, &foe, &theta);
      QVERIFY2(s.ok(), s.message().c_str());
      QCOMPARE(theta.size(), expected.size());
      QVERIFY2(theta == expected, qPrintable(QString("snapshot %1 differs").arg(i)));
    }
    // A new run in the same folder drops the old snapshots.
    Train(config, dir);
    QVERIFY(RunFolder::Snapshots(dir).empty());
  }

  // A new run records the test PSNR of its starting regularizer once, right after "start"; a
  // resumed run adds none, and a run without test images records none.
  void initialTestPsnrIsRecordedOnce() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::string dir = tmp.filePath("run").toStdString();
    TrainingConfig config = SmallConfig(Method::kIsgd);
    config.trainer.budget.iterations = 3;
    double initial = 0.0;
    {
      PreparedRun prepared;
      PrepareOptions options;
      options.out_dir = dir;
      QVERIFY(PrepareRun(config, options, &prepared).ok());
      initial = prepared.trainer->initialTestPsnr();
      RunController(prepared).run();
    }
    QVERIFY(std::isfinite(initial) && initial > 0.0);
    const auto initial_events = [&](const std::string& folder, std::vector<RunEvent>* events) {
      if (!RunFolder::ReadEvents(folder + "/events.jsonl", events).ok()) return -1;
      return int(std::count_if(events->begin(), events->end(),
                               [](const RunEvent& e) { return e.kind == "initial"; }));
    };
    std::vector<RunEvent> events;
    QCOMPARE(initial_events(dir, &events), 1);
    const auto start = std::find_if(events.begin(), events.end(),
                                    [](const RunEvent& e) { return e.kind == "start"; });
    QVERIFY(start != events.end() && start + 1 != events.end());
    QCOMPARE((start + 1)->kind, std::string("initial"));
    QCOMPARE((start + 1)->iteration, 0L);
    QCOMPARE(RunFolder::InitialTestPsnr(events), initial);  // exact: the shortest exact text

    PreparedRun resumed;
    QVERIFY(ResumeRun(dir, {}, &resumed).ok());
    resumed.trainer->setBudget({.iterations = 5});
    RunController(resumed).run();
    QCOMPARE(initial_events(dir, &events), 1);
    QCOMPARE(RunFolder::InitialTestPsnr(events), initial);

    TrainingConfig untested = config;
    untested.dataset.test_fraction = 0.0;
    untested.dataset.max_test_patches = 0;
    Train(untested, tmp.filePath("untested").toStdString());
    QCOMPARE(initial_events(tmp.filePath("untested").toStdString(), &events), 0);
    QVERIFY(std::isnan(RunFolder::InitialTestPsnr(events)));
  }

  void snapshotBudgetsMustAscend() {
    TrainingConfig c = SmallConfig(Method::kIsgd);
    c.snapshots = {10, 10};
    Status s = c.validate();
    QVERIFY(!s.ok());
    QVERIFY2(s.message().find("snapshots[1]") != std::string::npos, s.message().c_str());
    c.snapshots = {-1};
    s = c.validate();
    QVERIFY(!s.ok());
    QVERIFY2(s.message().find("snapshots[0]") != std::string::npos, s.message().c_str());
  }

  void resumeRefusesAFolderWithoutCheckpoint() {
    QTemporaryDir tmp;
    PreparedRun prepared;
    const Status s = ResumeRun(tmp.path().toStdString() + "/nothing", {}, &prepared);
    QVERIFY(!s.ok());
    QVERIFY(!s.message().empty());
  }
};

QTEST_GUILESS_MAIN(ResumeTest)
#include "test_resume.moc"
