// The training plots and the schedule mini-plot, fed from a RunStore without training: the step
// size and accuracy axis stays within the data's decades (constant schedules, MAID's falling and
// rejected steps), switching the x-axis neither adds nor drops graphs or legend items, the legends
// hold one item per run outside the axes, an SVG export clips the curves to the axes, and the
// mini-plot's tick labels are distinct.
#include <QFile>
#include <QSet>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>
#include <cmath>
#include <functional>

#include "curve_plot.h"
#include "exporters.h"
#include "plots_panel.h"
#include "run_store.h"
#include "schedule_plot.h"
#include "solver_panel.h"

using namespace studio;

namespace {

bilevel::IterationRecord Record(long k, double alpha, double epsilon) {
  bilevel::IterationRecord r;
  r.iteration = k;
  r.epoch = 0.25 * double(k);
  r.lower_iterations = 40 * k;
  r.cg_iterations = 10 * k;
  r.computations = r.lower_iterations + r.cg_iterations;
  r.wall_seconds = 0.05 * double(k);
  r.loss = 1.0 / double(k) + 0.05 * std::sin(double(k));
  r.psnr = 20.0 + std::log(double(k));
  if (k % 4 == 0) r.test_psnr = 21.0 + std::log(double(k));
  r.alpha = alpha;
  r.epsilon = epsilon;
  return r;
}

RunSeries MakeRun(const QString& name, bilevel::Method method) {
  RunSeries run;
  run.name = name;
  run.config.trainer.method = method;
  run.initial_test_psnr = 19.0;
  return run;
}

bilevel::RunEvent Knob(long iteration, const char* field, const char* value) {
  bilevel::RunEvent e;
  e.iteration = iteration;
  e.wall_seconds = 0.05 * double(iteration);
  e.kind = "knob";
  e.field = field;
  e.value = value;
  return e;
}

// Every value that a visible graph of the plot draws, as [lowest, highest].
QCPRange DataValues(CurvePlot* plot, bool* found) {
  double lowest = 1e300, highest = -1e300;
  *found = false;
  for (int i = 0; i < plot->graphCount(); ++i) {
    const QCPGraph* g = plot->QCustomPlot::graph(i);
    if (!g->visible()) continue;
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) {
      lowest = std::min(lowest, it->value);
      highest = std::max(highest, it->value);
      *found = true;
    }
  }
  return *found ? QCPRange(lowest, highest) : QCPRange();
}

int VisibleGraphs(CurvePlot* plot) {
  int n = 0;
  for (int i = 0; i < plot->graphCount(); ++i)
    n += plot->QCustomPlot::graph(i)->visible() ? 1 : 0;
  return n;
}

// The legend's items (QCPLegend::itemCount counts the cells of its grid, empty ones included).
QList<QCPPlottableLegendItem*> LegendItems(CurvePlot* plot) {
  QList<QCPPlottableLegendItem*> items;
  for (int i = 0; i < plot->legend->itemCount(); ++i)
    if (auto* item = qobject_cast<QCPPlottableLegendItem*>(plot->legend->item(i))) items << item;
  return items;
}

QStringList TickLabels(QCPAxis* axis) {
  QVector<double> ticks;
  QVector<QString> labels;
  axis->ticker()->generate(axis->range(), axis->parentPlot()->locale(), axis->numberFormat().at(0),
                           axis->numberPrecision(), ticks, nullptr, &labels);
  return QStringList(labels.begin(), labels.end());
}

}  // namespace

class PlotsTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;

  // Appends `count` records in batches, fitting the plots after each as the panel does.
  static void Feed(RunStore& store, PlotsPanel& panel, int id, long count,
                   const std::function<bilevel::IterationRecord(long)>& make) {
    for (long k = 1; k <= count;) {
      std::vector<bilevel::IterationRecord> batch;
      for (int i = 0; i < 5 && k <= count; ++i, ++k)
        batch.push_back(make(k));
      store.appendRecords(id, batch);
      for (int p = 0; p < PlotsPanel::kPlotCount; ++p)
        panel.plot(PlotsPanel::Plot(p))->fit();
    }
  }

 private slots:
  void constantSchedulesKeepTheAxisNearTheData() {
    // The same value for both (the defaults), and two different ones.
    for (const auto& [alpha, epsilon] : {std::pair(1e-3, 1e-3), std::pair(0.03, 1e-2)}) {
      RunStore store;
      PlotsPanel panel(store);
      panel.resize(1000, 700);
      const int id = store.add(MakeRun("constant", bilevel::Method::kIsgd));
      Feed(store, panel, id, 200, [=](long k) { return Record(k, alpha, epsilon); });
      CurvePlot* plot = panel.plot(PlotsPanel::kSchedules);
      const QCPRange range = plot->yAxis->range();
      const double low = std::min(alpha, epsilon), high = std::max(alpha, epsilon);
      const QString text = QString("%1, %2: axis [%3, %4]")
                               .arg(alpha)
                               .arg(epsilon)
                               .arg(range.lower)
                               .arg(range.upper);
      QVERIFY2(range.lower >= low / 100 && range.upper <= high * 100, qPrintable(text));
      QVERIFY2(range.lower < low && range.upper > high, qPrintable(text));
      // The ticks name distinct values.
      const QStringList labels = TickLabels(plot->yAxis);
      QVERIFY2(labels.size() >= 2, qPrintable(labels.join(" | ")));
      QCOMPARE(QSet<QString>(labels.begin(), labels.end()).size(), labels.size());
    }
  }

  void maidStepsStayInsideTheRange() {
    RunStore store;
    PlotsPanel panel(store);
    panel.resize(1000, 700);
    const int id = store.add(MakeRun("maid", bilevel::Method::kMaid));
    // Falling steps over several decades; every fifth iteration's line search fails (alpha 0).
    Feed(store, panel, id, 150, [](long k) {
      const double alpha = k % 5 == 0 ? 0.0 : 1e-1 * std::pow(0.9, double(k));
      return Record(k, alpha, 1e-1 * std::pow(0.95, double(k)));
    });
    CurvePlot* plot = panel.plot(PlotsPanel::kSchedules);
    bool found = false;
    const QCPRange data = DataValues(plot, &found);
    QVERIFY(found);
    const QCPRange range = plot->yAxis->range();
    const QString text = QString("data [%1, %2], axis [%3, %4]")
                             .arg(data.lower)
                             .arg(data.upper)
                             .arg(range.lower)
                             .arg(range.upper);
    QVERIFY2(data.lower > 0, qPrintable(text));
    QVERIFY2(range.lower <= data.lower && data.upper <= range.upper, qPrintable(text));
    QVERIFY2(range.lower >= data.lower / 100 && range.upper <= data.upper * 100, qPrintable(text));
  }

  // The inner-solver panel: FISTA and CG iterations per upper step from the log's cumulative
  // counters, and the runs whose images stopped at an iteration limit.
  void solverPanelShowsInnerIterationsPerStep() {
    RunStore store;
    SolverPanel panel(store);
    const int id = store.add(MakeRun("isgd", bilevel::Method::kIsgd));
    std::vector<bilevel::IterationRecord> records;
    for (long k = 1; k <= 5; ++k) {
      bilevel::IterationRecord r;
      r.iteration = k;
      r.lower_iterations = 10 * k * k;  // 10, 30, 50, 70, 90 per step
      r.cg_iterations = 3 * k;          // 3 per step
      records.push_back(r);
    }
    store.appendRecords(id, records);
    const QCPGraph* fista = panel.plot()->findGraph(id, SolverPanel::kFista);
    const QCPGraph* cg = panel.plot()->findGraph(id, SolverPanel::kCg);
    QVERIFY(fista && cg);
    QCOMPARE(fista->data()->size(), 5);
    for (int k = 0; k < 5; ++k) {
      QCOMPARE(fista->data()->at(k)->value, 10.0 * (2 * k + 1));
      QCOMPARE(cg->data()->at(k)->value, 3.0);
    }
    QVERIFY2(panel.limits().contains(QStringLiteral("tolerance")), qPrintable(panel.limits()));
    QVERIFY(!panel.limits().contains(QStringLiteral("isgd")));
    // A step whose solves stopped at their limit (log.csv's unconverged column).
    bilevel::IterationRecord capped = records.back();
    capped.iteration = 6;
    capped.unconverged = 4;
    store.appendRecords(id, {capped});
    QVERIFY2(panel.limits().contains(QStringLiteral("isgd (4 solves in 1 step)")),
             qPrintable(panel.limits()));
    // A log written before that column: the run's warnings say it.
    const int old = store.add(MakeRun("older", bilevel::Method::kIsgd));
    for (bilevel::IterationRecord& r : records)
      r.unconverged = bilevel::kNotRecorded;
    store.appendRecords(old, records);
    QVERIFY(!panel.limits().contains(QStringLiteral("older")));
    bilevel::RunEvent warning;
    warning.kind = "warning";
    warning.message = "FISTA: some images reached max_iterations before the tolerance";
    store.appendEvents(old, {warning});
    QVERIFY2(panel.limits().contains(QStringLiteral("older (1 step)")), qPrintable(panel.limits()));
    store.setVisible(id, false);
    QVERIFY(!panel.plot()->findGraph(id, SolverPanel::kFista)->visible());
  }

  // A knob marker's label shows the new value with four significant digits.
  void knobMarkersRoundTheirValues() {
    RunStore store;
    PlotsPanel panel(store);
    const int id = store.add(MakeRun("isgd", bilevel::Method::kIsgd));
    Feed(store, panel, id, 20, [](long k) { return Record(k, 1e-2, 1e-3); });
    store.appendEvents(id, {Knob(10, "step.initial", "0.028117066259517456"),
                            Knob(15, "step.kind", "polynomial")});
    QStringList labels;
    CurvePlot* plot = panel.plot(PlotsPanel::kLoss);
    for (int i = 0; i < plot->itemCount(); ++i)
      if (auto* text = qobject_cast<QCPItemText*>(plot->item(i))) labels << text->text();
    QVERIFY2(labels.filter(QStringLiteral("= 0.02812")).size() == 1, qPrintable(labels.join('|')));
    QVERIFY2(labels.filter(QStringLiteral("0.0281170")).isEmpty(), qPrintable(labels.join('|')));
    QVERIFY2(labels.filter(QStringLiteral("= polynomial")).size() == 1,
             qPrintable(labels.join('|')));
  }

  void switchingTheXAxisKeepsTheGraphs() {
    RunStore store;
    PlotsPanel panel(store);
    panel.resize(1000, 700);
    const int maid = store.add(MakeRun("maid", bilevel::Method::kMaid));
    const int isgd = store.add(MakeRun("isgd", bilevel::Method::kIsgd));
    for (int id : {maid, isgd}) {
      Feed(store, panel, id, 40, [](long k) { return Record(k, 1e-2, 1e-3); });
      store.appendEvents(id, {Knob(20, "step.initial", "0.02")});
    }
    // A run re-opened from its folder arrives with its records at once.
    RunSeries reopened = MakeRun("reopened", bilevel::Method::kMaid);
    for (long k = 1; k <= 30; ++k)
      reopened.records.push_back(Record(k, 1e-2, 1e-3));
    store.add(reopened);

    const auto counts = [&panel] {
      QList<int> c;
      for (int p = 0; p < PlotsPanel::kPlotCount; ++p) {
        CurvePlot* plot = panel.plot(PlotsPanel::Plot(p));
        c << plot->graphCount() << VisibleGraphs(plot) << int(LegendItems(plot).size())
          << plot->markerCount();
      }
      return c;
    };
    const QList<int> before = counts();
    QCOMPARE(LegendItems(panel.plot(PlotsPanel::kLoss)).size(), 3);
    for (int round = 0; round < 2; ++round) {
      for (XAxis axis : kAllXAxes) {
        panel.setXAxis(axis);
        QCOMPARE(counts(), before);
      }
      panel.setXAxis(XAxis::kWallTime);
      panel.setXAxis(XAxis::kComputations);
      QCOMPARE(counts(), before);
    }
    panel.setLogX(true);
    panel.setLogX(false);
    panel.setSmooth(false);
    panel.setSmooth(true);
    QCOMPARE(counts(), before);
  }

  void legendsHoldOneItemPerRunOutsideTheAxes() {
    RunStore store;
    PlotsPanel panel(store);
    panel.resize(1200, 800);
    panel.show();
    const std::vector<bilevel::Method> methods = {bilevel::Method::kIsgd, bilevel::Method::kMaid,
                                                  bilevel::Method::kAdam, bilevel::Method::kIgd};
    std::vector<int> ids;
    for (std::size_t i = 0; i < methods.size(); ++i) {
      ids.push_back(store.add(MakeRun(QString("run %1").arg(i + 1), methods[i])));
      Feed(store, panel, ids.back(), 30, [i](long k) { return Record(k, 1e-2 * (i + 1), 1e-3); });
      store.appendEvents(ids.back(), {Knob(10, "accuracy.initial", "0.001")});
    }
    const auto check = [&panel](int runs) {
      for (int p = 0; p < PlotsPanel::kPlotCount; ++p) {
        CurvePlot* plot = panel.plot(PlotsPanel::Plot(p));
        const QList<QCPPlottableLegendItem*> items = LegendItems(plot);
        QCOMPARE(items.size(), runs);
        QCOMPARE(plot->legend->itemCount(), runs);  // one row: no empty cells
        QSet<QString> names;
        for (QCPPlottableLegendItem* item : items)
          names << item->plottable()->name();
        QCOMPARE(names.size(), runs);  // one item per run, named after the run
        plot->replot();
        // Neither the curves nor the knob markers are hidden behind the legend.
        QVERIFY2(!plot->legend->outerRect().intersects(plot->axisRect()->rect()),
                 qPrintable(plot->objectName()));
      }
    };
    check(4);
    store.setVisible(ids[1], false);
    check(3);
    store.setVisible(ids[1], true);
    check(4);
    store.setName(ids[0], "renamed");
    check(4);
  }

  void svgExportClipsToTheAxes() {
    QVERIFY(dir_.isValid());
    RunStore store;
    PlotsPanel panel(store);
    panel.resize(1000, 700);
    const int id = store.add(MakeRun("isgd", bilevel::Method::kIsgd));
    Feed(store, panel, id, 60, [](long k) { return Record(k, 1e-2, 1e-3); });
    CurvePlot* plot = panel.plot(PlotsPanel::kLoss);
    plot->yAxis->setRange(0.5, 2.0);  // zoomed in: most of the curve lies outside the axes
    const QString file = dir_.filePath("loss.svg");
    const bilevel::Status s = SavePlot(*plot, file, 600, 400);
    QVERIFY2(s.ok(), s.message().c_str());
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray svg = f.readAll();
    QVERIFY(svg.contains("<clipPath"));
    QVERIFY(svg.contains("clip-path=\"url(#"));
    QVERIFY(!svg.contains("bilevel-svg-clip"));
    // The curves are drawn inside the clipped group.
    const qsizetype clipped = svg.indexOf("clip-path=\"url(#");
    QVERIFY(svg.indexOf("<polyline", clipped) > clipped || svg.indexOf("<path", clipped) > clipped);
    QXmlStreamReader xml(svg);
    while (!xml.atEnd())
      xml.readNext();
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QVERIFY(QSvgRenderer(file).isValid());
  }

  void schedulePlotTicksAreDistinct() {
    SchedulePlot plot;
    plot.resize(280, 150);
    const auto constant = [](double value) {
      bilevel::Schedule s;
      s.kind = bilevel::ScheduleKind::kConstant;
      s.initial = value;
      return s;
    };
    const auto polynomial = [](double value, double exponent) {
      bilevel::Schedule s;
      s.kind = bilevel::ScheduleKind::kPolynomial;
      s.initial = value;
      s.exponent = exponent;
      return s;
    };
    const std::vector<std::pair<bilevel::Schedule, bilevel::Schedule>> cases = {
        {constant(0.03), constant(1e-2)},        {constant(0.025), constant(0.03)},
        {constant(1e-3), constant(1e-4)},        {constant(0.3), constant(0.3)},
        {polynomial(1e-2, 0.5), constant(1e-3)}, {polynomial(1e-1, 1.0), polynomial(1e-1, 0.5)}};
    for (const auto& [step, accuracy] : cases) {
      for (long n : {10L, 30L, 100L, 1000L, 20000L}) {
        plot.setSchedules(step, accuracy, bilevel::DeltaSetting{}, n);
        plot.replot();
        for (QCPAxis* axis : {plot.xAxis, plot.yAxis}) {
          const QStringList labels = TickLabels(axis);
          const QString text = QString("a0 %1, e0 %2, n %3: %4")
                                   .arg(step.initial)
                                   .arg(accuracy.initial)
                                   .arg(n)
                                   .arg(labels.join(" | "));
          QVERIFY2(labels.size() >= 2, qPrintable(text));
          QVERIFY2(QSet<QString>(labels.begin(), labels.end()).size() == labels.size(),
                   qPrintable(text));
        }
        // Every curve lies inside the axes.
        for (int g = 0; g < 2; ++g)
          for (auto it = plot.graph(g)->data()->constBegin();
               it != plot.graph(g)->data()->constEnd(); ++it)
            QVERIFY(plot.yAxis->range().contains(it->value));
      }
    }
    // The legend reads alpha_k and eps_k with subscripts (an underscore is cut off there).
    QCOMPARE(plot.graph(0)->name(), QString("αₖ"));
    QCOMPARE(plot.graph(1)->name(), QString("εₖ"));
  }
};

QTEST_MAIN(PlotsTest)
#include "test_plots.moc"
