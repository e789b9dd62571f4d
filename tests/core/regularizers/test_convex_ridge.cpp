// The convex ridge regularizer (CRR-NN, type "convex_ridge") beyond the finite-difference checks
// that test_regularizers runs for every type: its parameter count, the adjoint identity and the
// weight gradient of the multi-layer W, the spline and its integral, the projection, convexity,
// the curvature bound, the effective filters and the settings errors.
#include <QTest>

#include <cmath>
#include <memory>

#include "base/batch_ops.h"
#include "bilevel/config_json.h"
#include "bilevel/regularizer_io.h"
#include "bilevel/regularizer_registry.h"
#include "bilevel/thread_pool.h"
#include "regularizers/conv_layer.h"
#include "regularizers/linear_spline.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

namespace {

RegularizerSettings Small(int channels) {
  RegularizerSettings s = DefaultRegularizerSettings("convex_ridge");
  s.set("regularizer.channels", (long long)channels);
  s.set("regularizer.layers", std::string("2, 3"));
  s.set("regularizer.kernel_sizes", std::string("3, 5"));
  s.set("regularizer.knots", 7LL);
  s.set("regularizer.range", 1.5);
  return s;
}

std::unique_ptr<Regularizer<double>> Make(const RegularizerSettings& s) {
  std::unique_ptr<Regularizer<double>> reg;
  const Status st = CreateRegularizer(s, &reg);
  if (!st.ok()) qFatal("%s", st.message().c_str());
  return reg;
}

// Random parameters that satisfy the constraints (projected), with visible curvature.
Vector<double> Feasible(const Regularizer<double>& reg, unsigned seed) {
  Vector<double> t = reg.initialParameters() + 0.4 * RandomVec<double>(reg.parameterCount(), seed);
  reg.project(t);
  return t;
}

}  // namespace

class ConvexRidgeTest : public QObject {
  Q_OBJECT

 private slots:
  void defaultParameterCount() {
    RegularizerSettings s = DefaultRegularizerSettings("convex_ridge");
    s.set("regularizer.channels", 1LL);
    QCOMPARE(Make(s)->parameterCount(), 13610);
    s.set("regularizer.channels", 3LL);
    QCOMPARE(Make(s)->parameterCount(), 13610 + 2 * 8 * 49);
  }

  void layerAdjointAndWeightGradient_data() {
    QTest::addColumn<int>("boundary");
    QTest::newRow("reflect101") << int(Boundary::kReflect101);
    QTest::newRow("zero") << int(Boundary::kZero);
  }
  // <W u, a> = <u, W^T a>, and d<a, W u>/dw against central differences.
  void layerAdjointAndWeightGradient() {
    QFETCH(int, boundary);
    const int in = 3, out = 4, k = 5, h = 7, w = 9;
    ConvLayer<double> layer(in, out, k, Boundary(boundary));
    const std::vector<double> weights = RandomValues<double>(layer.weightCount(), 1);
    layer.setWeights(weights.data());
    const std::vector<double> u = RandomValues<double>(std::size_t(in) * h * w, 2);
    const std::vector<double> a = RandomValues<double>(std::size_t(out) * h * w, 3);
    std::vector<double> wu(a.size()), wta(u.size());
    layer.forward(u.data(), h, w, wu.data());
    layer.adjoint(a.data(), h, w, wta.data());
    const double lhs = DotRange(wu.data(), a.data(), a.size());
    const double rhs = DotRange(u.data(), wta.data(), u.size());
    BILEVEL_CHECK_ERROR(AdjointMismatch(lhs, rhs, std::abs(lhs) + 1.0), 1e-13, "adjoint");

    std::vector<double> grad(weights.size(), 0.0);
    layer.addWeightGradient(a.data(), u.data(), h, w, grad.data());
    for (int j : {0, 7, 31, layer.weightCount() - 1}) {
      const double fd = CentralDifference(
          [&](double t) {
            std::vector<double> moved = weights;
            moved[j] += t;
            ConvLayer<double> shifted(in, out, k, Boundary(boundary));
            shifted.setWeights(moved.data());
            std::vector<double> y(a.size());
            shifted.forward(u.data(), h, w, y.data());
            return DotRange(y.data(), a.data(), a.size());
          },
          1e-4);
      BILEVEL_CHECK_ERROR(RelativeError(grad[j], fd), 1e-9, "weight gradient");
    }
  }

  // psi' = sigma and sigma' = slope away from knots; constant outside [-T, T]; hat weights.
  void splineAndIntegral() {
    LinearSpline<double> s(5, 1.0);
    const double c[5] = {-0.7, -0.2, 0.0, 0.5, 0.6};
    s.setValues(c);
    QCOMPARE(s.integral(0.0), 0.0);
    QCOMPARE(s.value(-0.5), -0.2);
    QCOMPARE(s.value(3.0), 0.6);
    QCOMPARE(s.value(-3.0), -0.7);
    QCOMPARE(s.slope(1.5), 0.0);
    QCOMPARE(s.slope(0.0), 1.0);  // at a knot: the slope to its right
    QCOMPARE(s.slope(0.5), 0.2);
    QCOMPARE(s.slope(1.0), 0.0);
    for (double t : {-1.7, -0.8, -0.3, 0.2, 0.7, 1.4}) {
      const double fd = CentralDifference([&](double e) { return s.integral(t + e); }, 1e-6);
      BILEVEL_CHECK_ERROR(std::abs(fd - s.value(t)), 1e-8, "psi' = sigma");
      const double fd2 = CentralDifference([&](double e) { return s.value(t + e); }, 1e-6);
      BILEVEL_CHECK_ERROR(std::abs(fd2 - s.slope(t)), 1e-8, "sigma'");
      double grad[5] = {0, 0, 0, 0, 0};
      s.addValueGradient(t, 1.0, grad);
      double recon = 0.0;
      for (int m = 0; m < 5; ++m)
        recon += grad[m] * c[m];
      BILEVEL_CHECK_ERROR(std::abs(recon - s.value(t)), 1e-12, "hat weights");
    }
    QCOMPARE(s.maxSlope(), 1.0);
  }

  // project(): zero-mean first-layer kernels, monotone splines through 0, idempotent.
  void projectionKeepsTheConstraints() {
    auto reg = Make(Small(3));
    Vector<double> t = reg->initialParameters() + RandomVec<double>(reg->parameterCount(), 4);
    QVERIFY(reg->project(t));
    const std::vector<ParameterBlock> blocks = reg->blocks();
    const ParameterBlock& w1 = blocks[2];
    QCOMPARE(QString::fromStdString(w1.name), QString("w1"));
    const int kk = w1.shape[2] * w1.shape[3];
    for (int f = 0; f < w1.size / kk; ++f)
      QVERIFY(std::abs(t.segment(w1.offset + f * kk, kk).sum()) < 1e-12);
    const ParameterBlock& c = blocks.back();
    const int K = c.shape[1];
    for (int i = 0; i < c.shape[0]; ++i) {
      QCOMPARE(t[c.offset + i * K + K / 2], 0.0);
      for (int m = 0; m + 1 < K; ++m)
        QVERIFY(t[c.offset + i * K + m + 1] >= t[c.offset + i * K + m]);
    }
    Vector<double> again = t;
    reg->project(again);
    QVERIFY((again - t).norm() < 1e-12);
  }

  // With feasible parameters R is convex: its slope along random lines never decreases, the
  // Hessian is positive semi-definite, and the curvature bound lies above it.
  void convexAndBounded() {
    auto reg = Make(Small(1));
    const Shape shape{2, 1, 10, 9};
    reg->setParameters(Feasible(*reg, 5));
    const std::vector<int> all = AllImages(shape.n);
    for (unsigned seed = 0; seed < 3; ++seed) {
      const Batch<double> x = RandomData<double>(shape, 10 + seed, 0.0, 1.0);
      const Batch<double> v = RandomData<double>(shape, 20 + seed);
      double previous = -1e300;
      for (int k = -6; k <= 6; ++k) {
        Batch<double> g(shape);
        reg->gradient(all, Shifted(x, 0.2 * k, v), g);
        const double slope = DotAll(g, v);
        QVERIFY2(slope >= previous - 1e-12, "R is not convex along a line");
        previous = slope;
      }
      Batch<double> hv(shape), bv(shape);
      reg->prepareHessian(x);
      reg->hessianVector(all, v, hv);
      reg->curvatureBound(all, v, bv);
      for (int i = 0; i < shape.n; ++i) {
        QVERIFY2(DotImage(hv, v, i) >= -1e-12, "the Hessian is not positive semi-definite");
        QVERIFY2(DotImage(bv, v, i) >= DotImage(hv, v, i) - 1e-12, "bound below the Hessian");
      }
    }
  }

  // With fewer images than threads each correlation's rows are spread over the threads: the same
  // values, bit for bit, as one image per task.
  void oneImageGivesTheSameValuesOnAnyThreadCount() {
    auto reg = Make(Small(1));
    reg->setParameters(Feasible(*reg, 3));
    const Shape shape{1, 1, 41, 37};
    const Batch<double> x = RandomData<double>(shape, 31, 0.0, 1.0);
    const Batch<double> v = RandomData<double>(shape, 32);
    const std::vector<int> one = AllImages(1);
    const int saved = ThreadCount();
    Batch<double> g[2], hv[2];
    std::vector<double> value[2];
    for (int run = 0; run < 2; ++run) {
      SetThreadCount(run == 0 ? 1 : 4);
      g[run].resize(shape);
      hv[run].resize(shape);
      reg->gradient(one, x, g[run]);
      reg->prepareHessian(x);
      reg->hessianVector(one, v, hv[run]);
      reg->value(one, x, value[run]);
    }
    SetThreadCount(saved);
    QVERIFY(g[0].values() == g[1].values());
    QVERIFY(hv[0].values() == hv[1].values());
    QCOMPARE(value[0][0], value[1][0]);
    QVERIFY(DotAll(g[0], g[0]) > 0.0);
  }

  // The effective filters are W's impulse responses (away from the boundary).
  void effectiveFiltersAreTheComposition() {
    RegularizerSettings s = Small(1);
    s.set("regularizer.boundary", std::string("zero"));
    auto reg = Make(s);
    const Vector<double> theta = Feasible(*reg, 6);
    reg->setParameters(theta);
    const std::vector<FilterImage> filters = reg->filters(theta);
    QCOMPARE(int(filters.size()), 3);
    const int size = filters[0].height;
    QCOMPARE(size, 7);
    // W applied layer by layer to an impulse in the interior gives each filter, flipped.
    const Shape shape{1, 1, 15, 15};
    Batch<double> x(shape, 0.0);
    x.data()[7 * 15 + 7] = 1.0;
    const std::vector<NamedArray> arrays = reg->readable(theta);
    const NamedArray* w1 = nullptr;
    const NamedArray* w2 = nullptr;
    for (const NamedArray& a : arrays) {
      if (a.name == "w1") w1 = &a;
      if (a.name == "w2") w2 = &a;
    }
    QVERIFY(w1 && w2);
    ConvLayer<double> l1(1, 2, 3, Boundary::kZero), l2(2, 3, 5, Boundary::kZero);
    l1.setWeights(w1->values.data());
    l2.setWeights(w2->values.data());
    std::vector<double> mid(2 * 225), out(3 * 225);
    l1.forward(x.data(), 15, 15, mid.data());
    l2.forward(mid.data(), 15, 15, out.data());
    for (int o = 0; o < 3; ++o)
      for (int u = 0; u < size; ++u)
        for (int v = 0; v < size; ++v) {
          // (W x)(p) = sum_q f(q) x(p + q - 3): the impulse at 7 is read by p = 7 - q + 3.
          const double got = out[o * 225 + (10 - u) * 15 + (10 - v)];
          QVERIFY(std::abs(got - filters[o].values[u * size + v]) < 1e-12);
        }
    QCOMPARE(int(reg->curves(theta).size()), 3);
  }

  void badSettingsNameTheField_data() {
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");
    QTest::newRow("empty layers") << "regularizer.layers"
                                  << "";
    QTest::newRow("zero channels") << "regularizer.layers"
                                   << "8, 0";
    QTest::newRow("sizes per layer") << "regularizer.kernel_sizes"
                                     << "7";
    QTest::newRow("even size") << "regularizer.kernel_sizes"
                               << "7, 6";
    QTest::newRow("even knots") << "regularizer.knots"
                                << "20";
    QTest::newRow("one knot") << "regularizer.knots"
                              << "1";
    QTest::newRow("range") << "regularizer.range"
                           << "0";
  }
  void badSettingsNameTheField() {
    QFETCH(QString, field);
    QFETCH(QString, value);
    RegularizerSettings s = DefaultRegularizerSettings("convex_ridge");
    const Setting* f = s.find(field.toStdString());
    QVERIFY(f);
    Status set;
    if (std::holds_alternative<std::string>(f->value))
      set = s.set(field.toStdString(), value.toStdString());
    else if (std::holds_alternative<long long>(f->value))
      set = s.set(field.toStdString(), (long long)value.toLongLong());
    else
      set = s.set(field.toStdString(), value.toDouble());
    QVERIFY(set.ok());
    const Status st = ValidateRegularizerSettings(s);
    QVERIFY(!st.ok());
    QVERIFY2(st.message().find(field.toStdString()) != std::string::npos, st.message().c_str());
  }

  void kernelLargerThanTheImage() {
    auto reg = Make(Small(1));
    const Status st = reg->checkImages(Shape{1, 1, 4, 20});
    QVERIFY(!st.ok());
    QVERIFY2(st.message().find("kernel") != std::string::npos, st.message().c_str());
    QVERIFY(reg->checkImages(Shape{1, 1, 5, 5}).ok());
    QVERIFY(!reg->checkImages(Shape{1, 3, 9, 9}).ok());
  }

  // layers and kernel_sizes are JSON arrays in regularizer.json and config.json; the text of
  // older files ("2, 3") still loads, and --set takes either form.
  void listsAreJsonArrays() {
    const RegularizerSettings s = Small(1);
    const Eigen::VectorXd theta = Make(s)->initialParameters();
    const std::string json = RegularizerToJson(s, theta);
    const auto compact = [](std::string text) {
      std::erase_if(text, [](char c) { return c == ' ' || c == '\n'; });
      return text;
    };
    QVERIFY2(compact(json).find("\"layers\":[2,3]") != std::string::npos, json.c_str());
    QVERIFY2(compact(json).find("\"kernel_sizes\":[3,5]") != std::string::npos, json.c_str());
    RegularizerSettings back;
    Eigen::VectorXd theta_back;
    QVERIFY(RegularizerFromJson(json, &back, &theta_back).ok());
    QVERIFY2(back == s, (DescribeSettings(back) + " / " + DescribeSettings(s)).c_str());
    // An older file: the lists as text.
    std::string older = compact(json);
    for (const auto& [from, to] :
         {std::pair<std::string, std::string>{"\"layers\":[2,3]", "\"layers\":\"2, 3\""},
          {"\"kernel_sizes\":[3,5]", "\"kernel_sizes\":\"3, 5\""}}) {
      const std::size_t at = older.find(from);
      QVERIFY(at != std::string::npos);
      older.replace(at, from.size(), to);
    }
    const Status older_read = RegularizerFromJson(older, &back, &theta_back);
    QVERIFY2(older_read.ok(), older_read.message().c_str());
    QVERIFY2(back == s, (DescribeSettings(back) + " / " + DescribeSettings(s)).c_str());

    TrainingConfig c;
    c.trainer.budget.iterations = 1;
    QVERIFY(SetConfigField(&c, "regularizer.type", "convex_ridge").ok());
    QVERIFY(SetConfigField(&c, "regularizer.layers", "[4, 6]").ok());
    QVERIFY(SetConfigField(&c, "regularizer.kernel_sizes", "5,7").ok());
    QCOMPARE(c.regularizer.text("regularizer.layers"), std::string("4, 6"));
    QCOMPARE(c.regularizer.text("regularizer.kernel_sizes"), std::string("5, 7"));
    const std::string config = ConfigToJson(c);
    QVERIFY2(compact(config).find("\"layers\":[4,6]") != std::string::npos, config.c_str());
    TrainingConfig read;
    const Status parsed = ConfigFromJson(config, &read, nullptr);
    QVERIFY2(parsed.ok(), parsed.message().c_str());
    QCOMPARE(ConfigToJson(read), config);
    QVERIFY(!SetConfigField(&c, "regularizer.layers", "[4, \"x\"]").ok());
  }
};

QTEST_GUILESS_MAIN(ConvexRidgeTest)
#include "test_convex_ridge.moc"
