// Studies: the grid read from --grid, its runs in order with their seeds and folders, each run's
// configuration, study.json written and read back, and a run's final and best test PSNR from its
// log and events.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

#include "bilevel/presets.h"
#include "bilevel/run_folder.h"
#include "bilevel/study.h"

using namespace bilevel;

namespace {

StudySpec TwoByTwo() {
  StudySpec spec;
  spec.name = "grid";
  if (Status s = LoadPreset("quick", &spec.base); !s.ok()) qFatal("%s", s.message().c_str());
  spec.base.trainer.seed = 5;
  StudyAxis step, accuracy;
  if (!ParseStudyAxis("step.initial=1e-4, 1e-3", spec.base, &step).ok()) qFatal("step");
  if (!ParseStudyAxis("accuracy.kind=constant,polynomial", spec.base, &accuracy).ok())
    qFatal("accuracy");
  spec.grid = {step, accuracy};
  spec.seeds = 2;
  return spec;
}

RunEvent Event(const char* kind) {
  RunEvent e;
  e.kind = kind;
  return e;
}

IterationRecord Row(long k, double test_psnr) {
  IterationRecord r;
  r.iteration = k;
  r.computations = 100 * k;
  r.test_psnr = test_psnr;
  return r;
}

}  // namespace

class StudyTest : public QObject {
  Q_OBJECT

 private slots:
  void gridFieldsAreCheckedAsTheyAreRead() {
    TrainingConfig base;
    QVERIFY(LoadPreset("quick", &base).ok());
    StudyAxis axis;
    QVERIFY(ParseStudyAxis("batch_size=2,4,8", base, &axis).ok());
    QCOMPARE(axis.field, std::string("batch_size"));
    QCOMPARE(int(axis.values.size()), 3);
    QCOMPARE(axis.values[2], std::string("8"));
    for (const char* bad :
         {"batch_size", "=1,2", "no.such.field=1", "batch_size=2,,4", "batch_size=two"}) {
      const Status s = ParseStudyAxis(bad, base, &axis);
      QVERIFY2(!s.ok(), bad);
      QVERIFY2(s.message().find("--grid") != std::string::npos, s.message().c_str());
    }
    StudySpec spec = TwoByTwo();
    spec.grid.push_back(spec.grid[0]);
    QVERIFY(ValidateStudy(spec).message().find("twice") != std::string::npos);
    spec = TwoByTwo();
    spec.seeds = 0;
    QVERIFY(!ValidateStudy(spec).ok());
    spec = TwoByTwo();
    QVERIFY(ParseStudyAxis("step.initial=-1", spec.base, &axis).ok());  // one field alone
    spec.grid = {axis};
    QVERIFY2(ValidateStudy(spec).message().find("step.initial") != std::string::npos,
             ValidateStudy(spec).message().c_str());  // the whole config is not valid
  }

  void runsFollowTheGridThenTheSeeds() {
    const StudySpec spec = TwoByTwo();
    QVERIFY(ValidateStudy(spec).ok());
    const std::vector<StudyRun> runs = StudyRuns(spec);
    QCOMPARE(int(runs.size()), 8);
    QCOMPARE(runs[0].values, (std::vector<std::string>{"1e-4", "constant"}));
    QCOMPARE(runs[0].seed, 5u);
    QCOMPARE(runs[1].seed, 6u);
    QCOMPARE(runs[2].values, (std::vector<std::string>{"1e-4", "polynomial"}));
    QCOMPARE(runs[7].values, (std::vector<std::string>{"1e-3", "polynomial"}));
    QCOMPARE(runs[3].folder, std::string("runs/step.initial=1e-4_accuracy.kind=polynomial-seed6"));
    TrainingConfig config;
    QVERIFY(StudyRunConfig(spec, runs[7], &config).ok());
    QCOMPARE(config.knobs.step.initial, 1e-3);
    QCOMPARE(config.knobs.accuracy.kind, ScheduleKind::kPolynomial);
    QCOMPARE(config.trainer.seed, 6u);
    QVERIFY(config.name.find("step.initial=1e-3") != std::string::npos);
    StudySpec none = spec;
    none.grid.clear();
    QCOMPARE(int(StudyRuns(none).size()), 2);
    QCOMPARE(StudyRuns(none)[1].folder, std::string("runs/seed6"));
  }

  void studyJsonReadsBack() {
    QTemporaryDir dir;
    const StudySpec spec = TwoByTwo();
    QVERIFY(SaveStudy(dir.path().toStdString(), spec).ok());
    StudySpec read;
    const Status s = LoadStudy(dir.path().toStdString(), &read);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(StudyToJson(read), StudyToJson(spec));
    QVERIFY(SameStudy(read, spec));
    read.base.backend.threads = 1;  // where it computes is not what it is
    QVERIFY(SameStudy(read, spec));
    read.seeds = 3;
    QVERIFY(!SameStudy(read, spec));
    QCOMPARE(read.base.trainer.seed, 5u);
    QVERIFY(!LoadStudy(dir.filePath("missing").toStdString(), &read).ok());
  }

  void theBuiltInStudyIsValid() {
    StudySpec spec;
    const Status s = MakeBuiltInStudy("schedules", &spec);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(int(StudyRuns(spec).size()), 12);  // 2 step sizes x 2 accuracies x 3 seeds
    QCOMPARE(spec.grid[0].field, std::string("step.kind"));
    const Status unknown = MakeBuiltInStudy("nothing", &spec);
    QVERIFY(unknown.message().find("schedules") != std::string::npos);
  }

  void theMeanCurveFollowsEachRunsSteps() {
    const double nan = std::nan("");
    auto at = [](long c, double psnr) {
      IterationRecord r;
      r.computations = c;
      r.test_psnr = psnr;
      return r;
    };
    const std::vector<IterationRecord> a = {at(100, 20), at(200, nan), at(300, 22), at(400, nan)};
    const std::vector<IterationRecord> b = {at(150, 21), at(250, 23), at(350, nan)};
    const StudyCurve curve = MeanTestCurve({a, b}, 3);
    QCOMPARE(int(curve.computations.size()), 3);
    QCOMPARE(curve.computations[0], 150.0);  // both measured from here
    QCOMPARE(curve.computations[2], 350.0);  // both reached this
    QCOMPARE(curve.mean[0], 20.5);
    QCOMPARE(curve.mean[1], 21.5);  // a still at 20 (its 22 comes at 300), b at 23
    QCOMPARE(curve.mean[2], 22.5);
    QVERIFY(std::abs(curve.high[1] - curve.mean[1] - 3.0 / std::sqrt(2.0)) < 1e-12);
    QVERIFY(std::abs(curve.mean[1] - curve.low[1] - 3.0 / std::sqrt(2.0)) < 1e-12);
    const StudyCurve one = MeanTestCurve({a}, 4);
    QCOMPARE(one.low, one.mean);                                 // no spread from one run
    QVERIFY(MeanTestCurve({a, {at(10, nan)}}, 3).mean.empty());  // a run never tested
  }

  void aFolderTellsWhatARunNeedsAndWhichStudyItHolds() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    const StudySpec spec = TwoByTwo();
    QVERIFY(CheckStudyFolder(dir, spec).ok());  // nothing there yet
    QVERIFY(SaveStudy(dir, spec).ok());
    QVERIFY(CheckStudyFolder(dir, spec).ok());
    StudySpec other = spec;
    other.seeds = 3;
    const Status refused = CheckStudyFolder(dir, other);
    QVERIFY(refused.message().find("another study") != std::string::npos);

    const StudyRun run = StudyRuns(spec).front();
    const QString folder = tmp.filePath(QString::fromStdString(run.folder));
    QCOMPARE(NextStudyStep(dir, run), StudyStep::kStart);  // no folder
    QVERIFY(QDir().mkpath(folder));
    const auto touch = [&](const char* name, const QByteArray& text) {
      QFile file(folder + "/" + name);
      return file.open(QIODevice::WriteOnly) && file.write(text) == text.size();
    };
    QVERIFY(touch("config.json", "{}"));
    QCOMPARE(NextStudyStep(dir, run), StudyStep::kStart);  // no checkpoint: start again
    QVERIFY(touch("checkpoint.npz", "x"));
    QCOMPARE(NextStudyStep(dir, run), StudyStep::kResume);
    QVERIFY(touch("events.jsonl",
                  "{\"iteration\":3,\"wall_seconds\":1.0,\"kind\":\"budget\","
                  "\"message\":\"budget reached\"}\n"));
    QCOMPARE(NextStudyStep(dir, run), StudyStep::kDone);

    // Every run read once, in the order of StudyRuns; the table from them is the folder's.
    const std::vector<StudyRunRecord> records = ReadStudyRuns(dir, spec);
    QCOMPARE(records.size(), StudyRuns(spec).size());
    QVERIFY(records.front().result.finished && records.front().log.empty());
    for (std::size_t k = 1; k < records.size(); ++k)
      QVERIFY(!records[k].result.finished);
    const std::vector<StudyRow> rows = StudyTable(spec, records);
    QCOMPARE(rows.size(), StudyTable(dir, spec).size());
    QCOMPARE(rows.front().runs, spec.seeds);
    QCOMPARE(rows.front().values, StudyRuns(spec).front().values);
  }

  void aRunsFinalAndBestPsnr() {
    const double nan = std::nan("");
    std::vector<IterationRecord> log = {Row(1, 20.0), Row(2, nan), Row(3, 23.0), Row(4, 22.0)};
    std::vector<RunEvent> events;
    StudyRunResult r = SummarizeRun(log, events);
    QVERIFY(!r.finished);
    QCOMPARE(r.final_test_psnr, 22.0);  // the last measured
    QCOMPARE(r.best_test_psnr, 23.0);
    QCOMPARE(r.computations, 400L);
    events.push_back(RunFolder::FinalEvent(24.5));
    events.push_back(Event("budget"));
    r = SummarizeRun(log, events);
    QVERIFY(r.finished);
    QCOMPARE(r.final_test_psnr, 24.5);  // the final regularizer's, measured at the end
    QCOMPARE(r.best_test_psnr, 24.5);
    events.push_back(Event("resume"));
    QVERIFY(!SummarizeRun(log, events).finished);  // continued past its budget
    r = SummarizeRun({}, {});
    QVERIFY(std::isnan(r.final_test_psnr) && std::isnan(r.best_test_psnr));
  }
};

QTEST_GUILESS_MAIN(StudyTest)
#include "test_study.moc"
