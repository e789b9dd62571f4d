// Data-parallel runs (DESIGN.md section 8) against one process: `mpiexec -np N bilevel-cli train`
// writes the same log.csv (every column but the wall time), regularizer.json and checkpoint
// (every array but the wall time) as bilevel-cli alone, for ISGD, Adam and MAID and N = 1, 2, 3;
// a run stopped under N processes continues under M with the same result; and a process that
// fails makes every process stop, in bounded time, with the reason in events.jsonl and a
// checkpoint that still resumes exactly. Built and run (label "mpi") only where MPI was found.
#include <QDir>
#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <map>
#include <sstream>

#include "bilevel/npy.h"
#include "bilevel/run_folder.h"
#include "bilevel/study.h"

using namespace bilevel;

namespace {

struct Result {
  int code = -1;  // -2: crashed, -3: did not finish in time
  QString output;
};

// bilevel-cli alone (processes = 0) or under mpiexec with that many processes.
Result Run(int processes, const QStringList& arguments, const QString& fault = {},
           int timeout_ms = 90000) {
  QStringList command = arguments;
  QString program = BILEVEL_CLI_PATH;
  if (processes > 0) {
    command = QString(BILEVEL_MPIEXEC_FLAGS).split(' ', Qt::SkipEmptyParts) +
              QStringList{BILEVEL_MPIEXEC_NUMPROC_FLAG, QString::number(processes), program} +
              arguments;
    program = BILEVEL_MPIEXEC;
  }
  QProcess p;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.insert("BILEVEL_THREADS", "1");
  if (!fault.isEmpty()) env.insert("BILEVEL_INJECT_FAULT", fault);
  p.setProcessEnvironment(env);
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(program, command);
  Result r;
  if (!p.waitForStarted(10000)) return r;
  if (!p.waitForFinished(timeout_ms)) {
    p.kill();
    p.waitForFinished(5000);
    r.code = -3;
  } else {
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
  }
  r.output = QString::fromUtf8(p.readAll());
  return r;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// log.csv without its wall_seconds column.
std::string LogWithoutWallTime(const std::string& dir) {
  std::stringstream in(ReadText(dir + "/log.csv"));
  std::string line, out;
  int wall = -1;
  for (bool header = true; std::getline(in, line); header = false) {
    std::vector<std::string> fields;
    std::stringstream s(line);
    for (std::string f; std::getline(s, f, ',');)
      fields.push_back(f);
    for (std::size_t k = 0; header && k < fields.size(); ++k)
      if (fields[k] == "wall_seconds") wall = int(k);
    for (std::size_t k = 0; k < fields.size(); ++k)
      if (int(k) != wall) out += fields[k] + ",";
    out += "\n";
  }
  return out;
}

// Every checkpoint array but "state" (it holds the wall time).
NpyArrays CheckpointWithoutWallTime(const std::string& dir) {
  NpyArrays arrays, out;
  if (!ReadNpz(dir + "/checkpoint.npz", &arrays).ok()) return {};
  for (auto& [name, array] : arrays)
    if (name != "state") out.emplace_back(name, array);
  return out;
}

// The run folder's outcome, for comparing runs.
struct Outcome {
  std::string log, regularizer;
  NpyArrays checkpoint;
};

Outcome Read(const std::string& dir) {
  return {LogWithoutWallTime(dir), ReadText(dir + "/regularizer.json"),
          CheckpointWithoutWallTime(dir)};
}

void CompareOutcomes(const Outcome& got, const Outcome& want) {
  QVERIFY(want.log.size() > 100);
  QCOMPARE(got.log, want.log);
  QVERIFY(got.regularizer == want.regularizer);
  QVERIFY(!want.checkpoint.empty());
  QCOMPARE(got.checkpoint.size(), want.checkpoint.size());
  for (std::size_t k = 0; k < want.checkpoint.size(); ++k) {
    QCOMPARE(got.checkpoint[k].first, want.checkpoint[k].first);
    QVERIFY2(got.checkpoint[k].second == want.checkpoint[k].second,
             ("checkpoint array " + want.checkpoint[k].first).c_str());
  }
}

// A preset on 5 training and 3 test patches of 32 x 32 (uneven shards for 2 and 3 processes),
// batches of 3, checkpointed every iteration.
QStringList Train(const QString& preset, int iterations, const QString& out) {
  return {"train",
          "--preset",
          preset,
          "--device",
          "cpu",
          "--iterations",
          QString::number(iterations),
          "--set",
          "dataset.patch_size=32",
          "--set",
          "dataset.patches_per_image=2",
          "--set",
          "dataset.max_train_patches=5",
          "--set",
          "dataset.max_test_patches=3",
          "--set",
          "batch_size=3",
          "--set",
          "test_interval=1",
          "--set",
          "checkpoint_interval=1",
          "--out",
          out};
}

std::vector<RunEvent> Events(const std::string& dir) {
  std::vector<RunEvent> events;
  RunFolder::ReadEvents(dir + "/events.jsonl", &events);
  return events;
}

}  // namespace

class MpiRunsTest : public QObject {
  Q_OBJECT

  QTemporaryDir tmp_;
  std::map<std::string, Outcome> alone_;  // by preset and iterations, run once

  std::string path(const QString& name) const { return tmp_.filePath(name).toStdString(); }

  // The run of one process without mpiexec.
  const Outcome& alone(const QString& preset, int iterations) {
    const std::string key = preset.toStdString() + "/" + std::to_string(iterations);
    if (!alone_.count(key)) {
      const QString out = tmp_.filePath("alone-" + preset + "-" + QString::number(iterations));
      const Result r = Run(0, Train(preset, iterations, out));
      if (r.code != 0) qWarning("%s", qPrintable(r.output));
      alone_[key] = Read(out.toStdString());
    }
    return alone_[key];
  }

 private slots:
  void initTestCase() { QVERIFY(tmp_.isValid()); }

  // quick: Adam; foe-denoise-isgd-1e-4: ISGD; foe-denoise-maid: MAID.
  void sameRunAsOneProcess_data() {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<int>("processes");
    for (const char* preset : {"quick", "foe-denoise-isgd-1e-4", "foe-denoise-maid"})
      for (int n : {1, 2, 3})
        QTest::addRow("%s, %d processes", preset, n) << QString(preset) << n;
  }
  void sameRunAsOneProcess() {
    QFETCH(QString, preset);
    QFETCH(int, processes);
    const Outcome& want = alone(preset, 3);
    const QString out = tmp_.filePath(preset + "-np" + QString::number(processes));
    const Result r = Run(processes, Train(preset, 3, out));
    QVERIFY2(r.code == 0, qPrintable(r.output));
    CompareOutcomes(Read(out.toStdString()), want);
    const int recorded = RunFolder::Processes(Events(out.toStdString()));
    QCOMPARE(recorded, processes);
    if (processes > 1) QVERIFY2(r.output.contains("processes (MPI)"), qPrintable(r.output));
  }

  // A study under mpiexec: each of its runs shared by the processes, the same runs and table as
  // one process; run again, every process finds them done.
  void studyAsOneProcess() {
    const auto study = [](const QString& out) {
      QStringList args = Train("quick", 2, out);
      args[0] = "study";
      return args + QStringList{"--grid", "step.initial=0.01,0.02", "--seeds", "2"};
    };
    const QString alone = tmp_.filePath("study-alone"), shared = tmp_.filePath("study-np2");
    const Result one = Run(0, study(alone));
    QVERIFY2(one.code == 0, qPrintable(one.output));
    const Result two = Run(2, study(shared));
    QVERIFY2(two.code == 0, qPrintable(two.output));
    StudySpec spec;
    QVERIFY(LoadStudy(alone.toStdString(), &spec).ok());
    for (const StudyRun& run : StudyRuns(spec)) {
      CompareOutcomes(Read(shared.toStdString() + "/" + run.folder),
                      Read(alone.toStdString() + "/" + run.folder));
      QCOMPARE(RunFolder::Processes(Events(shared.toStdString() + "/" + run.folder)), 2);
    }
    QCOMPARE(ReadText(shared.toStdString() + "/table.csv"),
             ReadText(alone.toStdString() + "/table.csv"));
    const Result again = Run(2, study(shared));
    QVERIFY2(again.code == 0 && again.output.count("done before") == 4, qPrintable(again.output));
  }

  // Stopped by its budget under one number of processes, continued under another: the same run
  // as one process uninterrupted (0: bilevel-cli alone).
  void resumesUnderAnotherCount_data() {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<int>("before");
    QTest::addColumn<int>("after");
    QTest::newRow("Adam, 2 then 3 processes") << QString("quick") << 2 << 3;
    QTest::newRow("MAID, 3 then 2 processes") << QString("foe-denoise-maid") << 3 << 2;
    QTest::newRow("ISGD, 3 processes then one") << QString("foe-denoise-isgd-1e-4") << 3 << 0;
  }
  void resumesUnderAnotherCount() {
    QFETCH(QString, preset);
    QFETCH(int, before);
    QFETCH(int, after);
    const QString out = tmp_.filePath(preset + "-resumed-" + QString::number(before) + "-" +
                                      QString::number(after));
    Result r = Run(before, Train(preset, 2, out));
    QVERIFY2(r.code == 0, qPrintable(r.output));
    r = Run(after, {"resume", out, "--iterations", "4"});
    QVERIFY2(r.code == 0, qPrintable(r.output));
    CompareOutcomes(Read(out.toStdString()), alone(preset, 4));
    QCOMPARE(RunFolder::Processes(Events(out.toStdString())), std::max(after, 1));
  }

  // One process fails: every process stops within the timeout, the command fails, events.jsonl
  // says why, and the last checkpoint resumes (in one process) to the uninterrupted run.
  void failingProcessStopsEveryProcess_data() {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<int>("processes");
    QTest::addColumn<QString>("fault");
    QTest::addColumn<QString>("reason");
    QTest::newRow("an error on process 1 of 2")
        << QString("quick") << 2 << QString("1:3") << QString("process 1: injected fault");
    QTest::newRow("out of memory on process 2 of 3, in a MAID line search")
        << QString("foe-denoise-maid") << 3 << QString("2:15:oom")
        << QString("process 2: out of memory");
    QTest::newRow("loading fails on process 1 of 3")
        << QString("quick") << 3 << QString("1:load") << QString("process 1: injected fault");
  }
  void failingProcessStopsEveryProcess() {
    QFETCH(QString, preset);
    QFETCH(int, processes);
    QFETCH(QString, fault);
    QFETCH(QString, reason);
    const QString out = tmp_.filePath(preset + "-fault-" + QString(fault).replace(':', '-'));
    QElapsedTimer clock;
    clock.start();
    const Result r = Run(processes, Train(preset, 4, out), fault, 60000);
    QVERIFY2(r.code != -3, "a process hung");
    QVERIFY2(r.code != 0, qPrintable(r.output));
    qDebug("failed in %.1f s", clock.elapsed() / 1000.0);
    if (fault.endsWith("load")) {  // nothing was created; the message says why
      QVERIFY2(r.output.contains(reason), qPrintable(r.output));
      QVERIFY(!QDir(out).exists());
      return;
    }
    const std::vector<RunEvent> events = Events(out.toStdString());
    QVERIFY(!events.empty());
    QCOMPARE(QString::fromStdString(events.back().kind), QString("error"));
    QVERIFY2(QString::fromStdString(events.back().message).contains(reason),
             events.back().message.c_str());
    const Result resumed = Run(0, {"resume", out});
    QVERIFY2(resumed.code == 0, qPrintable(resumed.output));
    CompareOutcomes(Read(out.toStdString()), alone(preset, 4));
  }
};

QTEST_GUILESS_MAIN(MpiRunsTest)
#include "test_mpi_runs.moc"
