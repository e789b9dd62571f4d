// Headless line plots: raster size, series colours by label, straight lines on log axes, PNG
// files that read back, degenerate data and bad paths; the run figure of bilevel-cli plot. Set
// BILEVEL_PLOT_EXAMPLE=<file.png> to also write the example figure (three panels like `bilevel-cli
// compare`) for a look.
#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "bilevel/config_json.h"
#include "bilevel/plot_png.h"
#include "bilevel/run_folder.h"
#include "run_plots.h"

using namespace bilevel;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

struct Raster {
  std::vector<unsigned char> rgb;
  int width = 0, height = 0;
  const unsigned char* at(int x, int y) const { return &rgb[(std::size_t(y) * width + x) * 3]; }
};

Raster Render(const std::vector<PlotPanel>& panels, const PlotOptions& options = {}) {
  Raster r;
  const Status s = RenderLinePlot(panels, options, &r.rgb, &r.width, &r.height);
  if (!s.ok()) qWarning("RenderLinePlot failed: %s", s.message().c_str());
  return r;
}

bool IsColor(const unsigned char* p, const std::array<unsigned char, 3>& c, int tolerance = 30) {
  return std::abs(p[0] - c[0]) + std::abs(p[1] - c[1]) + std::abs(p[2] - c[2]) <= tolerance;
}

// Pixels of colour c in columns [x0, x1).
int CountColor(const Raster& r, const std::array<unsigned char, 3>& c, int x0 = 0, int x1 = -1) {
  if (x1 < 0) x1 = r.width;
  int count = 0;
  for (int y = 0; y < r.height; ++y)
    for (int x = x0; x < x1; ++x)
      count += IsColor(r.at(x, y), c);
  return count;
}

PlotSeries Series(const std::string& label, int n, double (*f)(double), double x0 = 0.0,
                  double dx = 1.0) {
  PlotSeries s{label, {}, {}};
  for (int i = 0; i < n; ++i) {
    s.x.push_back(x0 + i * dx);
    s.y.push_back(f(x0 + i * dx));
  }
  return s;
}

// The largest distance (rows) of the curve's pixels of colour c, averaged per column, from their
// least-squares line; *columns is how many columns hold the curve.
double LineResidual(const Raster& r, const std::array<unsigned char, 3>& c, int* columns) {
  std::vector<double> xs, ys;
  for (int x = 0; x < r.width; ++x) {
    double sum = 0.0;
    int count = 0;
    for (int y = 0; y < r.height; ++y)
      if (IsColor(r.at(x, y), c)) sum += y, ++count;
    if (count > 0) xs.push_back(x), ys.push_back(sum / count);
  }
  *columns = int(xs.size());
  if (xs.size() < 2) return 0.0;
  double mx = 0, my = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < xs.size(); ++i)
    mx += xs[i] / xs.size(), my += ys[i] / xs.size();
  for (std::size_t i = 0; i < xs.size(); ++i)
    sxx += (xs[i] - mx) * (xs[i] - mx), sxy += (xs[i] - mx) * (ys[i] - my);
  const double slope = sxy / sxx;
  double worst = 0.0;
  for (std::size_t i = 0; i < xs.size(); ++i)
    worst = std::max(worst, std::abs(ys[i] - (my + slope * (xs[i] - mx))));
  return worst;
}

// A figure like `bilevel-cli compare`: loss (log y), training PSNR, test PSNR with gaps.
std::vector<PlotPanel> ExampleFigure() {
  PlotPanel loss{"Upper loss per batch", "computations", "loss", false, true, {}};
  PlotPanel psnr{"Training PSNR per batch", "computations", "PSNR (dB)", false, false, {}};
  PlotPanel test{"Test PSNR", "computations", "PSNR (dB)", false, false, {}};
  const char* labels[] = {"ISGD", "MAID"};
  for (int r = 0; r < 2; ++r) {
    PlotSeries l{labels[r], {}, {}}, p{labels[r], {}, {}}, t{labels[r], {}, {}};
    for (int i = 0; i <= 120; ++i) {
      const double c = i * (r == 0 ? 2500.0 : 2300.0);
      const double noise = r == 0 ? 0.25 * std::sin(i * 1.7) : 0.05 * std::sin(i * 0.9);
      const double rate = r == 0 ? 1.0 / 60000.0 : 1.0 / 40000.0;
      l.x.push_back(c), l.y.push_back(0.02 * std::exp(-c * rate) * (1.0 + noise) + 2e-4);
      p.x.push_back(c), p.y.push_back(22.0 + 6.0 * (1.0 - std::exp(-c * rate)) + 4.0 * noise);
      if (i % 10 == 0) t.x.push_back(c), t.y.push_back(i == 60 ? kNaN : p.y.back() - 0.5);
    }
    loss.series.push_back(l), psnr.series.push_back(p), test.series.push_back(t);
  }
  return {loss, psnr, test};
}

}  // namespace

class PlotPngTest : public QObject {
  Q_OBJECT

 private slots:
  void rasterHasRequestedSize() {
    const std::vector<PlotPanel> panels = ExampleFigure();
    for (const PlotOptions& options :
         {PlotOptions{}, PlotOptions{640, 300}, PlotOptions{333, 777}}) {
      const Raster r = Render(panels, options);
      QCOMPARE(r.width, options.width);
      QCOMPARE(r.height, options.height);
      QCOMPARE(r.rgb.size(), std::size_t(options.width) * options.height * 3);
      QVERIFY(IsColor(r.at(0, 0), {255, 255, 255}, 0));  // white background
    }
  }

  void seriesColorsFollowLabels() {
    PlotPanel left{"left", "x", "y", false, false, {}};
    left.series.push_back(Series("a", 50, [](double x) { return std::sin(0.2 * x); }));
    left.series.push_back(Series("b", 50, [](double x) { return std::cos(0.2 * x); }));
    left.series.push_back(Series("c", 50, [](double x) { return 0.02 * x - 0.5; }));
    PlotPanel right{"right", "x", "y", false, false, {}};
    right.series.push_back(Series("b", 50, [](double x) { return std::cos(0.2 * x); }));
    right.series.push_back(PlotSeries{"d", {}, {}});  // empty: no colour anywhere
    const Raster r = Render({left, right}, PlotOptions{1200, 400});
    QCOMPARE(r.width, 1200);
    for (int i = 0; i < 3; ++i)
      QVERIFY2(CountColor(r, PlotColor(i), 0, 600) > 100, qPrintable(QString::number(i)));
    // "b" keeps its colour (index 1) in the right panel, where it is the first series.
    QVERIFY(CountColor(r, PlotColor(1), 600, 1200) > 100);
    QCOMPARE(CountColor(r, PlotColor(0), 600, 1200), 0);
    QCOMPARE(CountColor(r, PlotColor(2), 600, 1200), 0);
    QCOMPARE(CountColor(r, PlotColor(3)), 0);
    // Distinct colours.
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < i; ++j)
        QVERIFY(!IsColor(PlotColor(i).data(), PlotColor(j), 60));
  }

  void logAxisDrawsPowersAsStraightLine() {
    // Unlabelled, so no legend swatch joins the curve's pixels.
    PlotPanel panel{"", "x", "10^x", false, true, {}};
    panel.series.push_back(Series(
        "", 81, [](double x) { return std::pow(10.0, x); }, 0.0, 0.05));
    const PlotOptions options{800, 500};
    const Raster r = Render({panel}, options);
    int columns = 0;
    QVERIFY(LineResidual(r, PlotColor(0), &columns) < 1.5);
    QVERIFY(columns > 500);

    // The exposed mapping: equal steps in the exponent are equal steps in pixels, upwards, and
    // the curve's colour is where it says.
    double c[3], row[3];
    for (int i = 0; i < 3; ++i) {
      QVERIFY(
          PlotDataToPixel({panel}, options, 0, 2.0 * i, std::pow(10.0, 2.0 * i), &c[i], &row[i]));
      bool found = false;
      for (int dy = -2; dy <= 2; ++dy)
        for (int dx = -2; dx <= 2; ++dx)
          found = found || IsColor(r.at(int(std::lround(c[i])) + dx, int(std::lround(row[i])) + dy),
                                   PlotColor(0));
      QVERIFY2(found, qPrintable(QString("point %1 at %2, %3").arg(i).arg(c[i]).arg(row[i])));
    }
    QVERIFY(row[0] > row[2] + 300);
    QVERIFY(std::abs(row[1] - 0.5 * (row[0] + row[2])) < 0.5);
    QVERIFY(std::abs(c[1] - 0.5 * (c[0] + c[2])) < 0.5);
    double unused;
    QVERIFY(!PlotDataToPixel({panel}, options, 0, 1.0, -1.0, &unused, &unused));
    QVERIFY(!PlotDataToPixel({panel}, options, 1, 1.0, 1.0, &unused, &unused));

    // The same data on a linear axis is visibly curved (the check above can fail).
    panel.log_y = false;
    const Raster linear = Render({panel}, options);
    QVERIFY(LineResidual(linear, PlotColor(0), &columns) > 30.0);
  }

  void pngReadsBack() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::vector<PlotPanel> panels = ExampleFigure();
    const PlotOptions options{900, 400};
    const std::string path = dir.filePath("plot.png").toStdString();
    const Status s = WriteLinePlot(path, panels, options);
    QVERIFY2(s.ok(), s.message().c_str());
    const cv::Mat read = cv::imread(path, cv::IMREAD_COLOR);
    QCOMPARE(read.cols, options.width);
    QCOMPARE(read.rows, options.height);
    const Raster r = Render(panels, options);
    for (int y = 0; y < r.height; ++y)
      for (int x = 0; x < r.width; ++x) {
        const cv::Vec3b bgr = read.at<cv::Vec3b>(y, x);
        if (bgr[2] != r.at(x, y)[0] || bgr[1] != r.at(x, y)[1] || bgr[0] != r.at(x, y)[2])
          QFAIL(qPrintable(QString("pixel %1, %2 differs").arg(x).arg(y)));
      }
    // Other formats by extension; the default size.
    const std::string jpg = dir.filePath("plot.jpg").toStdString();
    QVERIFY(WriteLinePlot(jpg, panels).ok());
    QCOMPARE(cv::imread(jpg).cols, PlotOptions{}.width);
    if (const char* example = std::getenv("BILEVEL_PLOT_EXAMPLE")) {
      const Status e = WriteLinePlot(example, panels);
      QVERIFY2(e.ok(), e.message().c_str());
    }
  }

  void degenerateDataStillDraws() {
    struct Case {
      const char* name;
      PlotSeries series;
      bool log_x = false, log_y = false, drawn = true;
    };
    const std::vector<Case> cases = {
        {"all NaN", {"s", {1, 2, 3}, {kNaN, kNaN, kNaN}}, false, false, false},
        {"empty", {"s", {}, {}}, false, false, false},
        {"single point", {"s", {5}, {3}}},
        {"single point, log", {"s", {5}, {3}}, true, true},
        {"isolated points between gaps", {"s", {1, 2, 3, 4, 5}, {1, kNaN, 2, kNaN, 3}}},
        {"constant", {"s", {1, 2, 3, 4}, {2, 2, 2, 2}}},
        {"constant zero", {"s", {1, 2, 3, 4}, {0, 0, 0, 0}}},
        {"constant x", {"s", {7, 7, 7}, {1, 2, 3}}},
        {"negative on log y", {"s", {1, 2, 3, 4, 5}, {-1, 0, 2, 3, 40}}, false, true},
        {"all negative on log y", {"s", {1, 2, 3}, {-1, -2, -3}}, false, true},
        {"all negative on log x and y", {"s", {-1, -2, -3}, {-1, -2, -3}}, true, true},
        {"infinities", {"s", {1, 2, 3, 4, kInf}, {1, kInf, -kInf, 2, 5}}},
        {"only infinities", {"s", {1, 2}, {kInf, -kInf}}, false, false, false},
        {"implicit x", {"s", {}, {3, 1, 2}}},
        {"huge range", {"s", {1, 2, 3}, {-1e300, 0, 1e300}}},
        {"tiny relative range", {"s", {1, 2, 3}, {1.0, 1.0 + 1e-15, 1.0 - 1e-15}}},
        {"tiny values", {"s", {1e-9, 2e-9, 3e-9}, {1e-12, 3e-12, 2e-12}}},
        {"wide log range", {"s", {1, 2, 3}, {1e-200, 1, 1e200}}, false, true},
        {"narrow log range", {"s", {1, 2, 3}, {0.31, 0.4, 0.42}}, true, true},
    };
    for (const Case& c : cases) {
      PlotPanel panel{c.name, "x", "y", c.log_x, c.log_y, {c.series}};
      PlotPanel other{"other", "", "", false, false, {}};
      const Raster r = Render({panel, other}, PlotOptions{800, 300});
      QVERIFY2(r.width == 800 && r.height == 300, c.name);
      const int colored = CountColor(r, PlotColor(0));
      QVERIFY2(c.drawn ? colored > 10 : colored == 0,
               qPrintable(QString("%1: %2 pixels").arg(c.name).arg(colored)));
    }
  }

  // The test PSNR curve of a run folder starts at x = 0 with its "initial" event, on every axis;
  // without one it starts at the first measured iteration.
  void runFigureStartsAtTheInitialTestPsnr() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("run").toStdString();
    TrainingConfig config;
    config.trainer.budget.iterations = 4;
    RunFolder folder;
    QVERIFY(CreateRunFolder(dir, config, &folder).ok());
    for (long k = 1; k <= 4; ++k) {
      IterationRecord r;
      r.iteration = k;
      r.epoch = 0.25 * double(k);
      r.computations = 100 * k;
      r.wall_seconds = 0.5 * double(k);
      r.loss = 1.0 / double(k);
      r.psnr = 20.0 + double(k);
      r.test_psnr = k % 2 == 0 ? 22.0 + double(k) : kNaN;
      QVERIFY(folder.appendRecord(r).ok());
    }
    cli::RunCurves plain{"plain", {}, 1.0};
    QVERIFY(cli::ReadRunCurves(dir, &plain).ok());
    QCOMPARE(plain.log.size(), std::size_t(4));
    QVERIFY(std::isnan(plain.initial_test_psnr));

    QVERIFY(folder.appendEvent(RunFolder::InitialEvent(19.5)).ok());
    cli::RunCurves started{"started", {}, kNaN};
    QVERIFY(cli::ReadRunCurves(dir, &started).ok());
    QCOMPARE(started.initial_test_psnr, 19.5);

    for (XAxis axis :
         {XAxis::kComputations, XAxis::kIterations, XAxis::kEpochs, XAxis::kWallTime}) {
      const std::vector<PlotPanel> panels = cli::RunPanels({plain, started}, axis);
      QCOMPARE(panels.size(), std::size_t(3));
      const PlotSeries& without = panels[2].series[0];
      const PlotSeries& with = panels[2].series[1];
      QCOMPARE(without.x.size(), std::size_t(2));
      QCOMPARE(without.x[0], XValue(plain.log[1], axis));
      QCOMPARE(with.x.size(), std::size_t(3));
      QCOMPARE(with.x[0], 0.0);
      QCOMPARE(with.y[0], 19.5);
      QCOMPARE(with.y[1], 24.0);
      QCOMPARE(panels[0].series[1].x.size(), std::size_t(4));  // the loss has no initial point
    }
  }

  void badInputGivesErrors() {
    std::vector<unsigned char> rgb;
    int w = 0, h = 0;
    QVERIFY(!RenderLinePlot({}, {}, &rgb, &w, &h).ok());
    const PlotPanel ok{"t", "x", "y", false, false, {PlotSeries{"s", {1, 2}, {3, 4}}}};
    QVERIFY(!RenderLinePlot({ok}, PlotOptions{0, 100}, &rgb, &w, &h).ok());
    QVERIFY(!RenderLinePlot({ok}, PlotOptions{100000, 500}, &rgb, &w, &h).ok());
    QVERIFY(!RenderLinePlot({ok}, {}, nullptr, &w, &h).ok());
    const PlotPanel mismatched{"t", "x", "y", false, false, {PlotSeries{"s", {1, 2, 3}, {3, 4}}}};
    const Status s = RenderLinePlot({mismatched}, {}, &rgb, &w, &h);
    QVERIFY(!s.ok());
    QVERIFY2(s.message().find("3 x values but 2 y values") != std::string::npos,
             s.message().c_str());
    // Too many panels for the width: an error, not a crash.
    QVERIFY(
        !RenderLinePlot(std::vector<PlotPanel>(20, ok), PlotOptions{400, 300}, &rgb, &w, &h).ok());
  }

  void badPathsGiveErrors() {
    const std::vector<PlotPanel> panels = ExampleFigure();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::vector<std::string> paths = {
        "/nonexistent-bilevel-dir/plot.png", dir.filePath("plot.unknownext").toStdString(),
        dir.filePath("plot").toStdString(), dir.path().toStdString() + "/", ""};
    for (const std::string& path : paths) {
      const Status s = WriteLinePlot(path, panels);
      QVERIFY2(!s.ok(), path.c_str());
      QVERIFY2(s.message().find("'" + path + "'") != std::string::npos, s.message().c_str());
    }
    QVERIFY(QDir(dir.path()).entryList(QDir::Files).isEmpty());
  }
};

QTEST_GUILESS_MAIN(PlotPngTest)
#include "test_plot_png.moc"
