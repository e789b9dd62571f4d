// bilevel-cli study end to end: 2 x 2 settings x 2 seeds of a small preset run, study.json and a
// run folder per run are written, table.csv holds each setting's mean and standard deviation of
// the runs' final and best test PSNR, running it again continues (nothing is trained twice),
// another grid in the same folder is refused, and --table rebuilds the table alone.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>

#include "bilevel/run_folder.h"
#include "bilevel/study.h"
#include "support/cli_process.h"

using namespace bilevel;
using bilevel::test::Cli;
using bilevel::test::Describe;

namespace {

// The quick preset on a few small patches, 3 iterations, tested every iteration.
QStringList SmallStudy(const QString& dir, const QString& accuracy) {
  return {"study",
          "--preset",
          "quick",
          "--iterations",
          "3",
          "--set",
          "dataset.patch_size=24",
          "--set",
          "dataset.max_train_patches=8",
          "--set",
          "dataset.max_test_patches=2",
          "--set",
          "regularizer.kernels=4",
          "--set",
          "regularizer.kernel_size=3",
          "--set",
          "batch_size=2",
          "--set",
          "test_interval=1",
          "--grid",
          "step.initial=1e-4,1e-3",
          "--grid",
          "accuracy.initial=" + accuracy,
          "--seeds",
          "2",
          "--out",
          dir};
}

QStringList CsvRows(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return {};
  return QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
}

}  // namespace

class CliStudyTest : public QObject {
  Q_OBJECT

 private slots:
  void aStudyRunsContinuesAndGivesItsTable() {
    QTemporaryDir tmp;
    const QString dir = tmp.filePath("study");
    const test::CliResult first = Cli(SmallStudy(dir, "0.1,0.01"), 240000);
    QVERIFY2(first.code == 0, qPrintable(Describe(first)));
    QVERIFY(QFile::exists(dir + "/study.json"));

    StudySpec spec;
    QVERIFY(LoadStudy(dir.toStdString(), &spec).ok());
    const std::vector<StudyRun> runs = StudyRuns(spec);
    QCOMPARE(int(runs.size()), 8);
    for (const StudyRun& run : runs)
      QVERIFY2(RunFolder::IsRunFolder(dir.toStdString() + "/" + run.folder), run.folder.c_str());

    const QStringList rows = CsvRows(dir + "/table.csv");
    QCOMPARE(rows.size(), 5);
    QCOMPARE(rows[0], QString("step.initial,accuracy.initial,runs,measured,final_test_psnr_mean,"
                              "final_test_psnr_std,best_test_psnr_mean,best_test_psnr_std,"
                              "computations_mean"));
    // Each row against its two runs' final test PSNR, read from their folders.
    for (int row = 0; row < 4; ++row) {
      const QStringList cells = rows[row + 1].split(',');
      QCOMPARE(cells.size(), 9);
      QCOMPARE(cells[0].toStdString(), runs[std::size_t(2 * row)].values[0]);
      QCOMPARE(cells[1].toStdString(), runs[std::size_t(2 * row)].values[1]);
      QCOMPARE(cells[2], QString("2"));
      QCOMPARE(cells[3], QString("2"));
      double psnr[2];
      for (int k = 0; k < 2; ++k) {
        std::vector<RunEvent> events;
        const StudyRun& run = runs[std::size_t(2 * row + k)];
        QVERIFY(
            RunFolder::ReadEvents(dir.toStdString() + "/" + run.folder + "/events.jsonl", &events)
                .ok());
        psnr[k] = RunFolder::FinalTestPsnr(events);
        QVERIFY(std::isfinite(psnr[k]));
      }
      QVERIFY2(std::abs(cells[4].toDouble() - 0.5 * (psnr[0] + psnr[1])) < 1e-3,
               qPrintable(rows[row + 1]));
      QVERIFY(std::abs(cells[5].toDouble() - std::abs(psnr[0] - psnr[1]) / std::sqrt(2.0)) < 1e-3);
      QVERIFY(cells[6].toDouble() >= cells[4].toDouble() - 1e-9);
      QVERIFY(cells[8].toDouble() > 0);
    }
    const QByteArray table = [&] {
      QFile f(dir + "/table.csv");
      return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }();

    // Again: every run is found done, nothing trains, the same table.
    const test::CliResult again = Cli(SmallStudy(dir, "0.1,0.01"), 240000);
    QVERIFY2(again.code == 0, qPrintable(Describe(again)));
    QCOMPARE(int(again.out.count("done before")), 8);
    QFile f(dir + "/table.csv");
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), table);
    f.close();

    // Another grid in the same folder is refused; --table rebuilds the table from the runs.
    const test::CliResult other = Cli(SmallStudy(dir, "0.1,0.05"));
    QCOMPARE(other.code, 2);
    QVERIFY2(other.err.contains("another study"), qPrintable(Describe(other)));
    QVERIFY(QFile::remove(dir + "/table.csv"));
    const test::CliResult rebuilt = Cli({"study", "--table", "--out", dir});
    QVERIFY2(rebuilt.code == 0, qPrintable(Describe(rebuilt)));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), table);
  }

  void builtInStudiesAreListed() {
    const test::CliResult list = Cli({"study", "--list"});
    QVERIFY2(list.code == 0 && list.out.contains("schedules") &&
                 list.out.contains("--grid step.kind=constant,polynomial"),
             qPrintable(Describe(list)));
    QTemporaryDir tmp;
    const test::CliResult mixed =
        Cli({"study", "--builtin", "schedules", "--grid", "seed=1,2", "--out", tmp.filePath("s")});
    QCOMPARE(mixed.code, 2);
    const test::CliResult unknown =
        Cli({"study", "--builtin", "nothing", "--out", tmp.filePath("s")});
    QCOMPARE(unknown.code, 2);
    QVERIFY(unknown.err.contains("schedules"));
  }

  void badGridsAreRefused() {
    QTemporaryDir tmp;
    for (const QStringList& grid :
         {QStringList{"--grid", "no.such=1,2"}, QStringList{"--grid", "batch_size=2,x"},
          QStringList{"--grid", "batch_size=2", "--grid", "batch_size=4"},
          QStringList{"--seeds", "0"}}) {
      const test::CliResult r =
          Cli(QStringList{"study", "--preset", "quick", "--out", tmp.filePath("s")} + grid);
      QCOMPARE(r.code, 2);
      QVERIFY2(!r.err.isEmpty(), qPrintable(Describe(r)));
      QVERIFY(!QFile::exists(tmp.filePath("s/study.json")));
    }
  }
};

QTEST_GUILESS_MAIN(CliStudyTest)
#include "test_cli_study.moc"
