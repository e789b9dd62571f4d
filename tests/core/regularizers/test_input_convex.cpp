// The input-convex network (type "input_convex") beyond the generic checks of
// test_regularizers.cpp (derivatives and hypergradients): its parameter layout, the projection
// that keeps B_l >= 0, convexity along lines and a positive semidefinite Hessian after it, the
// float path against the double one, and settings errors that name their field.
#include <QTest>

#include <memory>
#include <string>

#include "base/batch_ops.h"
#include "bilevel/forward_operator.h"
#include "bilevel/metrics.h"
#include "bilevel/reconstruct.h"
#include "bilevel/regularizer_registry.h"
#include "data/synthetic.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

namespace {

RegularizerSettings Settings(int channels, int hidden = 4, int depth = 3, int kernel_size = 3,
                             double beta = 10.0) {
  RegularizerSettings s = DefaultRegularizerSettings("input_convex");
  s.set("regularizer.channels", (long long)channels);
  s.set("regularizer.hidden", (long long)hidden);
  s.set("regularizer.depth", (long long)depth);
  s.set("regularizer.kernel_size", (long long)kernel_size);
  s.set("regularizer.beta", beta);
  return s;
}

template <typename T = double>
std::unique_ptr<Regularizer<T>> Make(const RegularizerSettings& s) {
  std::unique_ptr<Regularizer<T>> reg;
  const Status st = CreateRegularizer(s, &reg);
  if (!st.ok()) qFatal("%s", st.message().c_str());
  return reg;
}

bool IsHidden(const ParameterBlock& b) {
  return b.name[0] == 'B';
}

// Initial parameters moved far enough that most entries of every B_l are negative (so that R is
// not convex before projection).
Vector<double> Perturbed(const Regularizer<double>& reg, unsigned seed) {
  Vector<double> t = reg.initialParameters();
  t += 0.5 * RandomVec<double>(int(t.size()), seed);
  for (const ParameterBlock& b : reg.blocks())
    if (IsHidden(b)) t.segment(b.offset, b.size).array() -= 0.25;
  return t;
}

std::string ErrorOf(RegularizerSettings s, const char* path, const SettingValue& value) {
  const Status set = s.set(path, value);
  if (!set.ok()) return set.message();
  return ValidateRegularizerSettings(s).message();
}

}  // namespace

class InputConvexTest : public QObject {
  Q_OBJECT

 private slots:
  void layoutOfTheDefaults() {
    RegularizerSettings s = DefaultRegularizerSettings("input_convex");
    s.set("regularizer.channels", 1LL);
    auto reg = Make(s);
    QCOMPARE(reg->parameterCount(), 1 + (16 * 25 + 16) + (16 * 16 * 25 + 16 * 25 + 16));
    QCOMPARE(reg->parameterCount(), 7233);
    std::vector<std::string> names;
    int next = 0;
    for (const ParameterBlock& b : reg->blocks()) {
      names.push_back(b.name);
      QCOMPARE(b.offset, next);
      int size = 1;
      for (int e : b.shape)
        size *= e;
      QCOMPARE(b.size, size);
      next += b.size;
    }
    QCOMPARE(next, reg->parameterCount());
    QVERIFY((names == std::vector<std::string>{"theta0", "A1", "b1", "B2", "A2", "b2"}));
    const Eigen::VectorXd theta = reg->initialParameters();
    const std::vector<NamedArray> readable = reg->readable(theta);
    QCOMPARE(readable[1].name, std::string("scale"));
    QCOMPARE(readable[1].values[0], std::exp(theta[0]));
    QVERIFY((readable.back().shape == std::vector<int>{16}));
    const std::vector<FilterImage> filters = reg->filters(theta);
    QCOMPARE(int(filters.size()), 16);
    QCOMPARE(filters[0].channels, 1);
    QCOMPARE(filters[0].height, 5);
    QCOMPARE(int(filters[0].values.size()), 25);
    // Deterministic in the seed, and the initial B_l are already nonnegative.
    QVERIFY(reg->initialParameters() == theta);
    Vector<double> projected = theta;
    QVERIFY(reg->project(projected));
    QVERIFY(projected == theta);
    s.set("init.seed", 2LL);
    QVERIFY(Make(s)->initialParameters() != theta);
  }

  // project clips the negative entries of every B_l and leaves the rest alone.
  void projectionKeepsHiddenWeightsNonnegative() {
    auto reg = Make(Settings(3));
    const Vector<double> before = Perturbed(*reg, 3);
    Vector<double> after = before;
    QVERIFY(reg->project(after));
    int clipped = 0;
    for (const ParameterBlock& b : reg->blocks())
      for (int j = b.offset; j < b.offset + b.size; ++j) {
        if (!IsHidden(b)) {
          QCOMPARE(after[j], before[j]);
        } else {
          QVERIFY(after[j] >= 0.0);
          QCOMPARE(after[j], std::max(before[j], 0.0));
          clipped += before[j] < 0.0;
        }
      }
    QVERIFY(clipped > 0);
  }

  void convexAlongLines_data() {
    QTest::addColumn<int>("channels");
    QTest::addRow("grey") << 1;
    QTest::addRow("colour") << 3;
  }
  // After projection the slope of R along random lines never decreases.
  void convexAlongLines() {
    QFETCH(int, channels);
    auto reg = Make(Settings(channels));
    Vector<double> theta = Perturbed(*reg, 5);
    reg->project(theta);
    reg->setParameters(theta);
    const Shape shape{1, channels, 10, 9};
    for (unsigned line = 0; line < 4; ++line) {
      const Batch<double> x = RandomData<double>(shape, 10 + line, 0.0, 1.0),
                          v = RandomData<double>(shape, 20 + line);
      double prev_slope = -1e300;
      for (int k = -20; k <= 20; ++k) {
        Batch<double> g(shape);
        reg->gradient({0}, Shifted(x, 0.05 * k, v), g);
        const double slope = DotAll(g, v);
        QVERIFY2(slope >= prev_slope - 1e-12 * std::abs(slope),
                 "the input-convex network is not convex along a line");
        prev_slope = slope;
      }
    }
  }

  // <v, H v> >= 0 after projection: on random v, and on the direction of least curvature that
  // power iterations on (lambda_max I - H) find.
  void hessianIsPositiveSemidefinite() {
    auto reg = Make(Settings(3));
    Vector<double> theta = Perturbed(*reg, 7);
    reg->project(theta);
    reg->setParameters(theta);
    const Shape shape{3, 3, 8, 11};
    const std::vector<int> all = AllImages(shape.n);
    const Batch<double> x = RandomData<double>(shape, 8, 0.0, 1.0);
    reg->prepareHessian(x);
    for (unsigned seed = 0; seed < 5; ++seed) {
      const Batch<double> v = RandomData<double>(shape, 30 + seed);
      Batch<double> hv;
      reg->hessianVector(all, v, hv);
      for (int i = 0; i < shape.n; ++i)
        QVERIFY2(DotImage(hv, v, i) >= -1e-12 * NormImage(hv, i) * NormImage(v, i),
                 qPrintable(QString("<v, Hv> = %1").arg(DotImage(hv, v, i))));
    }
    // Each image's own operator: y = shift v - H v, normalised (shift 0 gives H v).
    const auto step = [&](Batch<double>& v, const std::vector<double>& shift) {
      Batch<double> hv;
      reg->hessianVector(all, v, hv);
      for (int i = 0; i < shape.n; ++i) {
        double* vi = v.image(i);
        const double* hi = hv.image(i);
        for (std::size_t p = 0; p < v.imageSize(); ++p)
          vi[p] = shift[i] > 0.0 ? shift[i] * vi[p] - hi[p] : hi[p];
        const double norm = NormImage(v, i);
        for (std::size_t p = 0; p < v.imageSize(); ++p)
          vi[p] /= norm;
      }
    };
    const auto rayleigh = [&](const Batch<double>& v, int i) {
      Batch<double> hv;
      reg->hessianVector(all, v, hv);
      return DotImage(hv, v, i) / DotImage(v, v, i);
    };
    Batch<double> v = RandomData<double>(shape, 40);
    std::vector<double> top(shape.n, 0.0);
    for (int k = 0; k < 50; ++k)
      step(v, top);
    for (int i = 0; i < shape.n; ++i)
      top[i] = 1.01 * rayleigh(v, i);
    v = RandomData<double>(shape, 41);
    for (int k = 0; k < 300; ++k)
      step(v, top);
    for (int i = 0; i < shape.n; ++i)
      QVERIFY2(
          rayleigh(v, i) >= -1e-10 * top[i],
          qPrintable(QString("least curvature %1 (largest %2)").arg(rayleigh(v, i)).arg(top[i])));
  }

  // The single-precision regularizer agrees with the double one.
  void floatMatchesDouble() {
    const RegularizerSettings s = Settings(3, 5, 2, 5);
    auto reg = Make<double>(s);
    auto single = Make<float>(s);
    Vector<double> theta = Perturbed(*reg, 9);
    reg->project(theta);
    reg->setParameters(theta);
    single->setParameters(theta.cast<float>());
    const Shape shape{2, 3, 12, 13};
    const Batch<double> x = RandomData<double>(shape, 11, 0.0, 1.0);
    const std::vector<int> all = AllImages(shape.n);
    std::vector<double> values, values_f;
    reg->value(all, x, values);
    single->value(all, BatchCast<float>(x), values_f);
    QVERIFY(RelativeError(values_f, values) < 1e-5);
    Batch<double> g;
    Batch<float> gf;
    reg->gradient(all, x, g);
    single->gradient(all, BatchCast<float>(x), gf);
    QVERIFY(RelativeError(gf, g) < 1e-4);
  }

  // At its initial parameters (init.scale) the network already denoises a grey image.
  void initialNetworkDenoises() {
    RegularizerSettings s = DefaultRegularizerSettings("input_convex");
    s.set("regularizer.channels", 1LL);
    const Eigen::VectorXd theta = Make(s)->initialParameters();
    const Batch<float> clean = SyntheticImages<float>(Shape{1, 1, 32, 32}, 2);
    Batch<float> y = clean;
    AddGaussianNoise(y, 25.5, 12);
    IdentityOperator<float> op(y.shape());
    ReconstructOptions options;
    options.device = DevicePreference::kCpu;
    options.fista.tolerance = 1e-3;
    const ReconstructResult r = Reconstruct(s, theta, op, y, options);
    QVERIFY2(r.status.ok(), r.status.message().c_str());
    const double before = Psnr(y, clean, 0), after = Psnr(r.x, clean, 0);
    QVERIFY2(after > before + 1.0, qPrintable(QString("%1 -> %2 dB").arg(before).arg(after)));
  }

  void settingsErrorsNameTheField() {
    const RegularizerSettings s = Settings(1);
    QVERIFY(ValidateRegularizerSettings(s).ok());
    const std::vector<std::pair<const char*, SettingValue>> bad = {
        {"regularizer.depth", 0LL},
        {"regularizer.hidden", 0LL},
        {"regularizer.hidden", 257LL},
        {"regularizer.kernel_size", 4LL},
        {"regularizer.kernel_size", 17LL},
        {"regularizer.beta", -1.0},
        {"regularizer.beta", 0.0},
        {"regularizer.channels", 0LL},
        {"regularizer.boundary", std::string("wrap")},
        {"init.scale", 100.0},
        {"init.seed", -1LL},
    };
    for (const auto& [path, value] : bad) {
      const std::string message = ErrorOf(s, path, value);
      QVERIFY2(!message.empty() && message.find(path) != std::string::npos,
               qPrintable(QString("%1: \"%2\"").arg(path, QString::fromStdString(message))));
    }
    // Kernels larger than the images, and the wrong channel count.
    auto reg = Make(Settings(1, 4, 2, 5));
    QVERIFY(reg->checkImages(Shape{2, 1, 5, 5}).ok());
    const Status small = reg->checkImages(Shape{2, 1, 4, 9});
    QVERIFY(!small.ok());
    QVERIFY2(small.message().find("kernel") != std::string::npos, small.message().c_str());
    QVERIFY(!reg->checkImages(Shape{2, 1, 9, 4}).ok());
    QVERIFY(!reg->checkImages(Shape{2, 3, 9, 9}).ok());
    QVERIFY(!reg->checkImages(Shape{0, 1, 9, 9}).ok());
    // Parameters of the wrong size, not finite, or with an overflowing scale.
    Vector<double> theta = reg->initialParameters();
    QVERIFY(reg->checkParameters(theta).ok());
    QVERIFY(!reg->checkParameters(theta.head(theta.size() - 1)).ok());
    theta[3] = std::nan("");
    QVERIFY(!reg->checkParameters(theta).ok());
    theta = reg->initialParameters();
    theta[0] = 800.0;
    QVERIFY(!reg->checkParameters(theta).ok());
  }
};

QTEST_GUILESS_MAIN(InputConvexTest)
#include "test_input_convex.moc"
