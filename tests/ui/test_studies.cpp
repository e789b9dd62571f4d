// Studies in the window: a study of 2 x 2 settings x 2 seeds runs on the run queue, its window
// shows a curve with its band per setting, the table and a 2 x 2 heat map, its figures save, it
// re-opens in another window with the same table, starting it again trains nothing, and another
// study is refused in its folder. The New Study dialog checks its grid and knows the built-ins.
#include <qcustomplot.h>
#include <QAction>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "budget_table_dialog.h"
#include "new_study_dialog.h"
#include "study_view.h"
#include "ui_test_support.h"

using namespace studio;
using namespace studio::test;

namespace {

bilevel::StudySpec SmallStudy() {
  bilevel::StudySpec spec;
  spec.name = "small";
  spec.base = FastConfig(3);
  spec.base.trainer.test_interval = 1;
  bilevel::StudyAxis step, accuracy;
  if (!bilevel::ParseStudyAxis("step.initial=1e-4,1e-3", spec.base, &step).ok()) qFatal("step");
  if (!bilevel::ParseStudyAxis("accuracy.initial=0.1,0.01", spec.base, &accuracy).ok())
    qFatal("accuracy");
  spec.grid = {step, accuracy};
  spec.seeds = 2;
  return spec;
}

QStringList TableText(QTableWidget* table) {
  QStringList cells;
  for (int r = 0; r < table->rowCount(); ++r)
    for (int c = 0; c < table->columnCount(); ++c)
      cells << (table->item(r, c) ? table->item(r, c)->text() : QString());
  return cells;
}

}  // namespace

class StudiesTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { IsolateSettings(); }
  void init() { QSettings().clear(); }

  void aStudyRunsShowsReopensAndIsNotMixed() {
    QTemporaryDir tmp;
    const QString dir = tmp.filePath("study");
    QStringList table;
    {
      MainWindow window;
      window.setInteractive(false);
      QVERIFY(window.setRunsFolder(tmp.filePath("runs")).ok());
      // A run folder left without a checkpoint (stopped at once) is started again.
      const std::string first = bilevel::StudyRuns(SmallStudy()).front().folder;
      QVERIFY(QDir().mkpath(dir + "/" + QString::fromStdString(first)));
      QFile stray(dir + "/" + QString::fromStdString(first) + "/log.csv");
      QVERIFY(stray.open(QIODevice::WriteOnly));
      stray.close();
      const bilevel::Status s = window.startStudy(SmallStudy(), dir);
      QVERIFY2(s.ok(), s.message().c_str());
      QCOMPARE(window.store().count(), 8);
      QTRY_VERIFY_WITH_TIMEOUT(Idle(window), 120000);
      StudyView* view = window.studyView();
      QVERIFY(view);
      QCOMPARE(int(view->rows().size()), 4);
      for (const bilevel::StudyRow& row : view->rows())
        QCOMPARE(row.measured, 2);
      QCOMPARE(view->table()->rowCount(), 4);
      QCOMPARE(view->heatMap()->rowCount(), 2);
      QCOMPARE(view->heatMap()->columnCount(), 2);
      for (const QString& cell : TableText(view->heatMap()))
        QVERIFY2(cell.contains("±"), qPrintable(cell));
      QCOMPARE(view->curves()->graphCount(), 12);  // a mean and its band's two edges per setting
      QCOMPARE(view->curves()->legend->itemCount(), 4);
      view->setHeatShowsBest(true);
      QVERIFY(TableText(view->heatMap()).join(' ').contains("±"));
      view->setHeatShowsBest(false);
      table = TableText(view->table());

      QStringList written;
      QVERIFY(view->saveFigures(tmp.filePath("figures"), "svg", &written).ok());
      QCOMPARE(written.size(), 3);
      for (const QString& file : written)
        QVERIFY2(QFileInfo(file).size() > 100, qPrintable(file));

      // Started again: every run is done, nothing is queued.
      QVERIFY(window.startStudy(SmallStudy(), dir).ok());
      QVERIFY(Idle(window));
      QCOMPARE(window.store().count(), 8);
      bilevel::StudySpec other = SmallStudy();
      other.seeds = 3;
      const bilevel::Status refused = window.startStudy(other, dir);
      QVERIFY(!refused.ok());
      QVERIFY2(refused.message().find("another study") != std::string::npos,
               refused.message().c_str());
      QVERIFY(window.close());
    }
    QSettings().clear();
    MainWindow again;
    again.setInteractive(false);
    QVERIFY(again.openStudy(dir).ok());
    QCOMPARE(TableText(again.studyView()->table()), table);
    QVERIFY(!again.openStudy(tmp.filePath("runs")).ok());  // no study.json there
  }

  void aTableAtABudget() {
    RunStore store;
    auto add = [&store](const QString& name, double slope, long last) {
      RunSeries run;
      run.name = name;
      run.initial_test_psnr = 20.0;
      std::vector<bilevel::IterationRecord> log;
      for (long k = 1; k <= last; ++k) {
        bilevel::IterationRecord r;
        r.iteration = k;
        r.computations = 100 * k;
        r.epoch = 0.5 * double(k);
        if (k % 2 == 0) r.test_psnr = 20.0 + slope * double(k);
        log.push_back(r);
      }
      const int id = store.add(std::move(run));
      store.appendRecords(id, log);
      return id;
    };
    const int a = add("a", 0.1, 10), b = add("b", 0.3, 6);
    BudgetTableDialog dialog(store);
    dialog.chooseRuns({b, a});  // b is the reference
    dialog.setAxis(bilevel::XAxis::kComputations);
    QCOMPARE(dialog.table()->rowCount(), 2);
    QCOMPARE(dialog.table()->item(0, 0)->text(), QString("b"));
    // The budget starts at the largest both reached: 600 computations.
    QCOMPARE(dialog.table()->item(0, 1)->text(), QString("21.80"));  // b at iteration 6
    QCOMPARE(dialog.table()->item(1, 1)->text(), QString("20.60"));  // a at iteration 6
    QCOMPARE(dialog.table()->item(1, 2)->text(), QString("-1.20"));
    dialog.setBudget(550);  // between two measurements: the last one before
    QCOMPARE(dialog.table()->item(1, 1)->text(), QString("20.40"));
    QCOMPARE(dialog.table()->item(1, 3)->text(), QString("400"));
    dialog.setBudget(900);  // b stopped at 600
    QCOMPARE(dialog.table()->item(0, 4)->text(), QString("no"));
    QCOMPARE(dialog.table()->item(1, 1)->text(), QString("20.80"));
    dialog.setAxis(bilevel::XAxis::kEpochs);  // back to the largest budget both reached: 3
    QCOMPARE(dialog.table()->item(1, 1)->text(), QString("20.60"));
    QVERIFY(dialog.text(',').startsWith("run,test PSNR (dB),Δ to b (dB)"));
    QTemporaryDir tmp;
    QVERIFY(dialog.exportTo(tmp.filePath("t.md")).ok());
    QFile md(tmp.filePath("t.md"));
    QVERIFY(md.open(QIODevice::ReadOnly));
    QVERIFY(QString::fromUtf8(md.readAll()).contains("| b | 21.80 | 0.00 |"));
    QVERIFY(!dialog.exportTo(tmp.filePath("missing/t.csv")).ok());
  }

  void theNewStudyDialogChecksItsGrid() {
    NewStudyDialog dialog(FastConfig(3), QStringLiteral("/tmp/study"));
    auto* ok = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
    auto* message = dialog.findChild<QLabel*>(QStringLiteral("studyMessage"));
    dialog.setGrid({"batch_size=1,2", "step.initial=1e-4,1e-3,1e-2"});
    dialog.setSeeds(2);
    bilevel::StudySpec spec;
    QVERIFY(dialog.study(&spec).ok());
    QCOMPARE(int(bilevel::StudyRuns(spec).size()), 12);
    QVERIFY(ok->isEnabled());
    QVERIFY2(message->text().contains("12 runs"), qPrintable(message->text()));
    dialog.setGrid({"no.such.field=1,2"});
    QVERIFY(!dialog.study(&spec).ok());
    QVERIFY(!ok->isEnabled());
    QVERIFY(message->text().contains("no.such.field"));
    dialog.chooseBuiltIn(QStringLiteral("schedules"));
    QVERIFY(dialog.study(&spec).ok());
    QCOMPARE(spec.base.regularizer.type, std::string("convex_ridge"));
    QCOMPARE(int(bilevel::StudyRuns(spec).size()), 12);
  }
};

QTEST_MAIN(StudiesTest)
#include "test_studies.moc"
