// ISGD vs MAID shows its two runs alone with a one-line summary (best and last test PSNR of
// each within the computations both reached, computations, the differences); "Show all runs" brings
// the others back, and re-opening a comparison folder gives the same view.
#include <QFileInfo>
#include <QLocale>
#include <QTemporaryDir>
#include <QTest>

#include "comparison_bar.h"
#include "run_summary.h"
#include "ui_test_support.h"

using namespace studio;
using namespace studio::test;

namespace {

RunSeries WithTestPsnrs(bilevel::Method method, std::vector<double> psnrs, long computations) {
  RunSeries run;
  run.config.trainer.method = method;
  run.initial_test_psnr = 20.0;
  long k = 0;
  for (double p : psnrs) {
    bilevel::IterationRecord r;
    r.iteration = ++k;
    r.computations = computations * k / long(psnrs.size());
    r.test_psnr = p;
    run.records.push_back(r);
  }
  return run;
}

}  // namespace

class ComparisonViewTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;

 private slots:
  void initTestCase() {
    IsolateSettings();
    QVERIFY(dir_.isValid());
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));  // "1,200"
  }

  void theLineGivesBestFinalAndDifferences() {
    const RunSeries isgd = WithTestPsnrs(bilevel::Method::kIsgd, {25.0, 27.5, 27.25}, 1200);
    const RunSeries maid = WithTestPsnrs(bilevel::Method::kMaid, {24.0, 26.0}, 1180);
    const QString line = ComparisonLine(isgd, maid);
    // Within MAID's 1,180 computations: ISGD's third measurement (at 1,200) does not count.
    QVERIFY2(line.startsWith("Within 1,180 computations"), qPrintable(line));
    QVERIFY2(line.contains("ISGD: best 27.50, last 27.50 dB"), qPrintable(line));
    QVERIFY2(line.contains("MAID: best 26.00, last 26.00 dB"), qPrintable(line));
    QVERIFY2(line.contains("ISGD − MAID: best +1.50 dB, last +1.50 dB"), qPrintable(line));
    QVERIFY2(ComparisonLine(maid, isgd).contains("best −1.50 dB, last −1.50 dB"),
             qPrintable(ComparisonLine(maid, isgd)));
    RunSeries none;
    none.config.trainer.method = bilevel::Method::kIsgd;
    QVERIFY(ComparisonLine(none, maid).contains("ISGD: no test PSNR"));
  }

  void aComparisonShowsItsTwoRunsAlone() {
    MainWindow window;
    window.setInteractive(false);
    window.setRunsFolder(dir_.filePath("runs"));
    window.show();
    window.setConfig(FastConfig(2));
    window.action("actionStart")->trigger();
    const int earlier = window.selectedRun();
    QTRY_VERIFY_WITH_TIMEOUT(Idle(window), 30000);
    QVERIFY(!window.comparisonBar()->isVisible());

    window.setConfig(FastConfig(4));
    const auto [isgd, maid] = window.startComparison();
    QVERIFY(isgd != 0 && maid != 0);
    QTRY_VERIFY_WITH_TIMEOUT(Idle(window), 60000);
    ComparisonBar* bar = window.comparisonBar();
    QVERIFY(bar->isVisible());
    QCOMPARE(bar->first(), isgd);
    QCOMPARE(bar->second(), maid);
    QVERIFY(!Run(window, earlier)->visible);
    QVERIFY(Run(window, isgd)->visible && Run(window, maid)->visible);
    QCOMPARE(bar->text(), ComparisonLine(*Run(window, isgd), *Run(window, maid)));
    QVERIFY2(bar->text().contains("MAID: best") && bar->text().contains("last"),
             qPrintable(bar->text()));

    const QString bar_text = bar->text();
    bar->leave();
    QVERIFY(!bar->isVisible());
    QVERIFY(Run(window, earlier)->visible);

    // The comparison folder re-opened in a new window gives the same view.
    const QString root = QFileInfo(Run(window, isgd)->folder).path();
    MainWindow other;
    other.setInteractive(false);
    other.show();
    QVERIFY(other.openRun(root).ok());
    QVERIFY(other.comparisonBar()->isVisible());
    QCOMPARE(other.store().count(), 2);
    QCOMPARE(other.comparisonBar()->text(), bar_text);
  }
};

QTEST_MAIN(ComparisonViewTest)
#include "test_comparison_view.moc"
