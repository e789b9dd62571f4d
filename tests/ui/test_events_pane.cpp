// The events pane: the selected run's events in order with readable descriptions (knob changes
// with the value before and after), following the run list's selection and new events as they
// arrive, a kind filter, and clicking (or pressing Enter on) an event centring the plots on its
// iteration, at the x value of the knob markers, on several x-axes and on a logarithmic one.
#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QMenu>
#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>
#include <QWheelEvent>
#include <array>
#include <cmath>

#include "curve_plot.h"
#include "events_panel.h"
#include "plots_panel.h"
#include "run_list_panel.h"
#include "ui_test_support.h"

using namespace studio;
using namespace studio::test;

namespace {

bilevel::IterationRecord Record(long k) {
  bilevel::IterationRecord r;
  r.iteration = k;
  r.epoch = 0.25 * double(k);
  r.lower_iterations = 40 * k + k * k;  // not proportional to k: the axes differ
  r.cg_iterations = 10 * k;
  r.computations = r.lower_iterations + r.cg_iterations;
  r.wall_seconds = 0.05 * double(k) + 0.001 * double(k * k);
  r.loss = 1.0 / double(k);
  r.psnr = 20.0 + std::log(double(k));
  if (k % 4 == 0) r.test_psnr = 21.0 + std::log(double(k));
  r.alpha = 0.05;
  r.epsilon = 1e-3;
  return r;
}

bilevel::RunEvent Event(long k, const char* kind, const std::string& message,
                        const char* field = "", const char* value = "") {
  bilevel::RunEvent e;
  e.iteration = k;
  e.wall_seconds = 0.05 * double(k) + 0.001 * double(k * k) + 0.004;  // between two records
  e.kind = kind;
  e.field = field;
  e.value = value;
  e.message = message;
  return e;
}

const std::string kLongWarning =
    "image 3: the lower-level solver stopped at max_iterations (800) before reaching its "
    "tolerance 1e-6 & the residual was still 3.2e-4 < 1e-3 after the last restart; the "
    "hypergradient of this step may be inaccurate, consider raising lower_max_iterations or "
    "loosening the accuracy schedule so that every inner solve converges";

RunSeries MakeRun(const QString& name) {
  RunSeries run;
  run.name = name;
  run.config.knobs.step.initial = 0.05;
  run.config.knobs.accuracy.kind = bilevel::ScheduleKind::kConstant;
  for (long k = 1; k <= 40; ++k)
    run.records.push_back(Record(k));
  run.events = {Event(0, "start", "training started"),
                Event(0, "initial", "initial test PSNR 19.000 dB", "test_psnr", "19"),
                Event(10, "knob", "step.initial = 0.02 from iteration 11", "step.initial", "0.02"),
                Event(15, "pause", "paused"),
                Event(15, "continue", "resumed"),
                Event(20, "knob", "step.initial = 0.01 from iteration 21", "step.initial", "0.01"),
                Event(25, "warning", kLongWarning),
                Event(30, "knob", "accuracy.kind = polynomial from iteration 31", "accuracy.kind",
                      "polynomial"),
                Event(40, "stop", "stopped by the user")};
  return run;
}

QStringList Row(QTreeWidget* tree, int row) {
  const QTreeWidgetItem* item = tree->topLevelItem(row);
  if (!item) return {};
  return {item->text(EventsPanel::kIteration), item->text(EventsPanel::kKind),
          item->text(EventsPanel::kDescription)};
}

// How many vertical lines in data coordinates (knob markers, the cursor) the plot has at x.
int LinesAt(CurvePlot* plot, double x) {
  int n = 0;
  for (int i = 0; i < plot->itemCount(); ++i) {
    auto* line = qobject_cast<QCPItemStraightLine*>(plot->item(i));
    if (!line || line->point1->typeX() != QCPItemPosition::ptPlotCoords) continue;
    if (std::abs(line->point1->coords().x() - x) <= 1e-9 * std::max(1.0, std::abs(x))) ++n;
  }
  return n;
}

// Three notches of the mouse wheel over the left part of the plot's axes: zooms in around there.
void WheelZoom(CurvePlot* plot) {
  const QRect area = plot->axisRect()->rect();
  const QPointF pos(area.left() + area.width() / 5.0, area.center().y());
  QWheelEvent wheel(pos, plot->mapToGlobal(pos), QPoint(), QPoint(0, 360), Qt::NoButton,
                    Qt::NoModifier, Qt::NoScrollPhase, false);
  QApplication::sendEvent(plot, &wheel);
}

bool Near(double a, double b, double scale) {
  return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(scale));
}

}  // namespace

class EventsPaneTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { IsolateSettings(); }
  void init() { QSettings().clear(); }

  void listsTheSelectedRunsEventsInOrder() {
    MainWindow window;
    window.setInteractive(false);
    EventsPanel* pane = window.eventsPanel();
    QVERIFY(pane);
    const int id = window.store().add(MakeRun("first"));
    QCOMPARE(pane->run(), id);
    QTreeWidget* tree = pane->tree();
    QCOMPARE(tree->topLevelItemCount(), 9);
    QCOMPARE(Row(tree, 0), QStringList({"0", "start", "Training started"}));
    QCOMPARE(Row(tree, 1), QStringList({"0", "initial", "Initial test PSNR 19.000 dB"}));
    QCOMPARE(Row(tree, 2), QStringList({"10", "knob", "α₀ = 0.05 → 0.02"}));
    QCOMPARE(Row(tree, 3), QStringList({"15", "paused", "Paused"}));
    QCOMPARE(Row(tree, 4), QStringList({"15", "resumed", "Resumed"}));
    QCOMPARE(Row(tree, 5), QStringList({"20", "knob", "α₀ = 0.02 → 0.01"}));
    QCOMPARE(Row(tree, 6)[1], QString("warning"));
    QCOMPARE(Row(tree, 7), QStringList({"30", "knob", "ε = constant → polynomial"}));
    QCOMPARE(Row(tree, 8), QStringList({"40", "stopped", "Stopped by the user"}));
    // A long warning is whole in its cell (elided only when drawn) and in its tooltip.
    const QTreeWidgetItem* warning = tree->topLevelItem(6);
    QCOMPARE(warning->text(EventsPanel::kDescription).size(), int(kLongWarning.size()));
    QVERIFY(warning->toolTip(EventsPanel::kDescription)
                .contains(QString::fromStdString(kLongWarning).toHtmlEscaped()));
    QVERIFY(warning->toolTip(EventsPanel::kIteration).contains("after iteration 25"));
    QCOMPARE(tree->textElideMode(), Qt::ElideRight);

    // The filter keeps the kind asked for.
    pane->setFilter(EventsPanel::kKnobs);
    QStringList shown;
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
      if (!tree->topLevelItem(i)->isHidden()) shown << tree->topLevelItem(i)->text(0);
    QCOMPARE(shown, QStringList({"10", "20", "30"}));
    pane->setFilter(EventsPanel::kProblems);
    QVERIFY(!tree->topLevelItem(6)->isHidden());
    QVERIFY(tree->topLevelItem(2)->isHidden());
    pane->setFilter(EventsPanel::kAll);
    QVERIFY(!tree->topLevelItem(2)->isHidden());
  }

  void followsTheSelectionAndNewEvents() {
    MainWindow window;
    window.setInteractive(false);
    EventsPanel* pane = window.eventsPanel();
    const int first = window.store().add(MakeRun("first"));
    RunSeries other = MakeRun("second");
    other.events = {Event(0, "start", "training started"), Event(0, "backend", "CPU, 8 threads")};
    const int second = window.store().add(other);
    QCOMPARE(pane->run(), second);  // the run list selects the newest run
    QCOMPARE(pane->tree()->topLevelItemCount(), 2);
    QCOMPARE(Row(pane->tree(), 1)[2], QString("Backend: CPU, 8 threads"));

    window.runList()->setCurrentRun(first);
    QCOMPARE(pane->run(), first);
    QCOMPARE(pane->tree()->topLevelItemCount(), 9);

    // Events of the run shown are added as they arrive; another run's are not.
    window.store().appendEvents(first, {Event(41, "knob", "step.initial = 0.005 from iteration 42",
                                              "step.initial", "0.005"),
                                        Event(41, "name", "named better", "", "better")});
    QCOMPARE(pane->tree()->topLevelItemCount(), 11);
    QCOMPARE(Row(pane->tree(), 9), QStringList({"41", "knob", "α₀ = 0.01 → 0.005"}));
    QCOMPARE(Row(pane->tree(), 10), QStringList({"41", "renamed", "Named “better”"}));
    window.store().appendEvents(second, {Event(3, "warning", "something")});
    QCOMPARE(pane->tree()->topLevelItemCount(), 11);

    window.runList()->setCurrentRun(second);
    QCOMPARE(pane->tree()->topLevelItemCount(), 3);
    QCOMPARE(Row(pane->tree(), 2), QStringList({"3", "warning", "Something"}));

    window.store().remove(second);
    QCOMPARE(pane->run(), first);
    QCOMPARE(pane->tree()->topLevelItemCount(), 11);
    window.store().remove(first);
    QCOMPARE(pane->run(), 0);
    QCOMPARE(pane->tree()->topLevelItemCount(), 0);
  }

  void isADockInTheViewMenu() {
    MainWindow window;
    window.setInteractive(false);
    window.show();
    auto* dock = window.findChild<QDockWidget*>("eventsDock");
    QVERIFY(dock);
    QCOMPARE(dock->widget(), static_cast<QWidget*>(window.eventsPanel()));
    bool in_menu = false;
    for (QObject* o : dock->toggleViewAction()->associatedObjects())
      in_menu = in_menu || qobject_cast<QMenu*>(o) != nullptr;
    QVERIFY(in_menu);
    dock->hide();
    window.action("actionResetLayout")->trigger();
    QVERIFY(!dock->isHidden());
  }

  // Clicking an event (or Enter on it) centres the plots on its iteration, keeping their zoom.
  void activatingAnEventCentresThePlots() {
    MainWindow window;
    window.setInteractive(false);
    window.resize(1400, 900);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const int id = window.store().add(MakeRun("first"));
    auto* dock = window.findChild<QDockWidget*>("eventsDock");
    dock->show();
    dock->raise();
    EventsPanel* pane = window.eventsPanel();
    QTreeWidget* tree = pane->tree();
    QTRY_VERIFY(tree->isVisible());
    PlotsPanel* plots = window.plots();
    const RunSeries* run = window.store().find(id);

    struct Case {
      XAxis axis;
      bool log;
      int row;  // a knob change, so that its marker is there to compare with
      bool keyboard;
    };
    for (const Case c :
         {Case{XAxis::kComputations, false, 2, false}, Case{XAxis::kWallTime, false, 5, true},
          Case{XAxis::kEpochs, false, 7, false}, Case{XAxis::kIterations, true, 5, false},
          Case{XAxis::kComputations, true, 7, true}}) {
      const QString what =
          QString("%1%2, row %3").arg(XAxisKey(c.axis), c.log ? " (log)" : "").arg(c.row);
      plots->setXAxis(c.axis);
      plots->setLogX(c.log);
      plots->resetViews();
      QTest::qWait(150);  // the queued fits
      // Zoom in near the start of the run with the mouse wheel, as a user would, so that
      // centring has to move the view (and the plots stop following the data).
      std::array<QCPRange, PlotsPanel::kPlotCount> before;
      for (int p = 0; p < PlotsPanel::kPlotCount; ++p) {
        CurvePlot* plot = plots->plot(PlotsPanel::Plot(p));
        const QCPRange fitted = plot->xAxis->range();
        WheelZoom(plot);
        before[std::size_t(p)] = plot->xAxis->range();
        QVERIFY2(plot->userView() && before[std::size_t(p)].size() < 0.8 * fitted.size(),
                 qPrintable(what + ", " + plot->objectName()));
      }

      const bilevel::RunEvent& e = run->events[std::size_t(c.row)];
      const double x = EventXValue(run->records, e.iteration, e.wall_seconds, c.axis);
      if (c.axis == XAxis::kWallTime)  // the event's own training time, not its record's
        QVERIFY2(!Near(x, Record(e.iteration).wall_seconds, x), qPrintable(what));
      QTreeWidgetItem* item = tree->topLevelItem(c.row);
      QVERIFY(item);
      if (c.keyboard) {
        tree->setFocus();
        tree->setCurrentItem(item);
        QTest::keyClick(tree, Qt::Key_Return);
      } else {
        tree->scrollToItem(item);
        QTest::mouseClick(tree->viewport(), Qt::LeftButton, {},
                          tree->visualItemRect(item).center());
      }

      for (int p = 0; p < PlotsPanel::kPlotCount; ++p) {
        CurvePlot* plot = plots->plot(PlotsPanel::Plot(p));
        const bool schedules = p == PlotsPanel::kSchedules;
        const double want = schedules ? double(e.iteration) : x;
        const QCPRange range = plot->xAxis->range();
        const QCPRange old = before[std::size_t(p)];
        const QString where = what + ", " + plot->objectName();
        if (c.log) {
          QVERIFY2(Near(std::sqrt(range.lower * range.upper), want, want), qPrintable(where));
          QVERIFY2(Near(range.upper / range.lower, old.upper / old.lower, old.upper / old.lower),
                   qPrintable(where));
        } else {
          QVERIFY2(Near(range.center(), want, range.size()), qPrintable(where));
          QVERIFY2(Near(range.size(), old.size(), old.size()), qPrintable(where));
        }
        QVERIFY2(!Near(range.center(), old.center(), old.size()), qPrintable(where));  // moved
        QVERIFY2(plot->cursorShown(), qPrintable(where));
        QCOMPARE(plot->cursorX(), want);
        // The knob's marker and the cursor line are in the same place.
        QVERIFY2(LinesAt(plot, want) >= 2, qPrintable(where));
        QVERIFY2(plot->userView(), qPrintable(where));
      }
      // New data does not move the view away again.
      const QCPRange jumped = plots->plot(PlotsPanel::kLoss)->xAxis->range();
      window.store().appendRecords(id, {Record(long(run->records.size()) + 1)});
      QTest::qWait(150);
      QCOMPARE(plots->plot(PlotsPanel::kLoss)->xAxis->range().lower, jumped.lower);
      QCOMPARE(plots->plot(PlotsPanel::kLoss)->xAxis->range().upper, jumped.upper);
    }
    plots->setLogX(false);
    plots->setXAxis(XAxis::kComputations);
  }

  // Without a window: the signal carries the run, the iteration and the training time, and an
  // unknown run moves nothing.
  void activationSignal() {
    RunStore store;
    EventsPanel pane(store);
    PlotsPanel plots(store);
    const int id = store.add(MakeRun("first"));
    pane.setRun(id);
    QSignalSpy spy(&pane, &EventsPanel::eventActivated);
    QVERIFY(pane.activate(5));
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toInt(), id);
    QCOMPARE(spy.at(0).at(1).value<long>(), 20L);
    QCOMPARE(spy.at(0).at(2).toDouble(), store.find(id)->events[5].wall_seconds);
    QVERIFY(!pane.activate(99));
    QCOMPARE(spy.count(), 1);
    QVERIFY(!plots.jumpToIteration(id + 1, 3));
    QVERIFY(!plots.plot(PlotsPanel::kLoss)->cursorShown());
    // Without the training time, the wall-time axis takes the record's.
    plots.setXAxis(XAxis::kWallTime);
    QVERIFY(plots.jumpToIteration(id, 12));
    QCOMPARE(plots.plot(PlotsPanel::kLoss)->cursorX(), Record(12).wall_seconds);
  }
};

QTEST_MAIN(EventsPaneTest)
#include "test_events_pane.moc"
