// Every registered regularizer through the interface alone: its gradient, Hessian-vector product,
// curvature bound and mixed derivative against central differences, and the whole hypergradient
// against central differences of the upper loss, for denoising and inpainting. Then a regularizer
// that only this file knows is registered and trained end to end, which shows that a new type
// needs no edit anywhere else.
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <memory>

#include "base/batch_ops.h"
#include "bilevel/config_json.h"
#include "bilevel/forward_operator.h"
#include "bilevel/hypergradient.h"
#include "bilevel/prepared_run.h"
#include "bilevel/regularizer_io.h"
#include "bilevel/regularizer_registry.h"
#include "bilevel/run_controller.h"
#include "data/synthetic.h"
#include "test_support.h"
#include "tiny_config.h"

using namespace bilevel;
using namespace bilevel::test;

namespace {

// R(x) = exp(a)/2 ||x - b||^2 with theta = (a, b): a regularizer this file alone defines.
template <typename T>
class ToyQuadratic final : public Regularizer<T> {
 public:
  explicit ToyQuadratic(RegularizerSettings s) : settings_(std::move(s)) {}
  const RegularizerSettings& settings() const override { return settings_; }
  std::string definition() const override { return "R(x) = exp(a) / 2 * ||x - b||^2"; }
  std::vector<ParameterBlock> blocks() const override { return {{"a", 0, 1, {}}, {"b", 1, 1, {}}}; }
  int parameterCount() const override { return 2; }
  Vector<T> initialParameters() const override {
    Vector<T> t(2);
    t << T(settings_.real("init.a")), T(0.2);
    return t;
  }
  bool project(Vector<T>&) const override { return false; }
  Status checkParameters(const Vector<T>& t) const override {
    return t.size() == 2 && t.allFinite() ? Status::Ok() : Status::Error("toy: bad theta");
  }
  Status checkImages(const Shape& s) const override {
    return s.n > 0 ? Status::Ok() : Status::Error("toy: no images");
  }
  void setParameters(const Vector<T>& t) override {
    w_ = std::exp(t[0]);
    b_ = t[1];
  }
  void value(const std::vector<int>& active, const Batch<T>& x,
             std::vector<double>& values) override {
    values.resize(std::size_t(x.n()));
    for (int i : active) {
      double sum = 0.0;
      for (std::size_t p = 0; p < x.imageSize(); ++p)
        sum += double(x.image(i)[p] - b_) * double(x.image(i)[p] - b_);
      values[std::size_t(i)] = 0.5 * double(w_) * sum;
    }
  }
  void gradient(const std::vector<int>& active, const Batch<T>& x, Batch<T>& g) override {
    for (int i : active)
      for (std::size_t p = 0; p < x.imageSize(); ++p)
        g.image(i)[p] = w_ * (x.image(i)[p] - b_);
  }
  void prepareHessian(const Batch<T>&) override {}
  void hessianVector(const std::vector<int>& active, const Batch<T>& v, Batch<T>& out) override {
    for (int i : active)
      for (std::size_t p = 0; p < v.imageSize(); ++p)
        out.image(i)[p] = w_ * v.image(i)[p];
  }
  void mixedDerivative(const std::vector<int>& active, const Batch<T>& x, const Batch<T>& q,
                       Vector<T>& out) override {
    out = Vector<T>::Zero(2);
    for (int i : active)
      for (std::size_t p = 0; p < x.imageSize(); ++p) {
        out[0] += w_ * (x.image(i)[p] - b_) * q.image(i)[p];
        out[1] -= w_ * q.image(i)[p];
      }
  }
  std::vector<NamedArray> readable(const Eigen::VectorXd& t) const override {
    return {{"weight", {}, {std::exp(t[0])}}, {"center", {}, {t[1]}}};
  }

 private:
  RegularizerSettings settings_;
  T w_ = T(1), b_ = T(0);
};

void RegisterToy() {
  RegularizerType t;
  t.name = "toy_quadratic";
  t.label = "Toy quadratic";
  t.defaults.fields = {{"channels", 1LL, "C", {}, {}}};
  t.defaults.init = {{"a", -1.0, "initial log weight", {}, {}}};
  t.make_float = [](const RegularizerSettings& s) {
    return std::unique_ptr<Regularizer<float>>(new ToyQuadratic<float>(s));
  };
  t.make_double = [](const RegularizerSettings& s) {
    return std::unique_ptr<Regularizer<double>>(new ToyQuadratic<double>(s));
  };
  RegisterRegularizerType(std::move(t));
}

std::unique_ptr<Regularizer<double>> Make(const std::string& type, int channels) {
  RegularizerSettings s = DefaultRegularizerSettings(type);
  if (s.find("regularizer.channels")) s.set("regularizer.channels", (long long)channels);
  if (s.find("regularizer.kernels")) s.set("regularizer.kernels", 3LL);
  if (s.find("regularizer.kernel_size")) s.set("regularizer.kernel_size", 3LL);
  if (type == "input_convex") {
    s.set("regularizer.hidden", 3LL);
    s.set("regularizer.depth", 3LL);
    s.set("regularizer.beta", 4.0);
  }
  if (type == "convex_ridge") {
    // Knots 1 apart, wide enough that the responses fall between them: finite differences of
    // step 1e-5 then cross a knot (where sigma' jumps) with negligible probability, and these
    // fixed seeds do not.
    s.set("regularizer.layers", std::string("2, 3"));
    s.set("regularizer.kernel_sizes", std::string("3, 3"));
    s.set("regularizer.knots", 5LL);
    s.set("regularizer.range", 2.0);
  }
  std::unique_ptr<Regularizer<double>> reg;
  const Status st = CreateRegularizer(s, &reg);
  if (!st.ok()) qFatal("%s", st.message().c_str());
  return reg;
}

// Parameters away from the defaults, with a smoothing that keeps the curvature visible.
Vector<double> Theta(const Regularizer<double>& reg, unsigned seed) {
  Vector<double> t = reg.initialParameters();
  t += 0.3 * RandomVec<double>(int(t.size()), seed);
  return t;
}

// A prepared run writing its run folder to dir.
Status Prepare(const TrainingConfig& c, const std::string& dir, PreparedRun* prepared) {
  PrepareOptions options;
  options.out_dir = dir;
  options.overwrite = true;
  return PrepareRun(c, options, prepared);
}

void AddTypes() {
  QTest::addColumn<QString>("type");
  QTest::addColumn<int>("channels");
  for (const char* type : {"total_variation", "field_of_experts", "input_convex", "convex_ridge"}) {
    QTest::addRow("%s grey", type) << QString(type) << 1;
    QTest::addRow("%s colour", type) << QString(type) << 3;
  }
}

}  // namespace

class RegularizersTest : public QObject {
  Q_OBJECT

 private slots:
  void derivativesMatchFiniteDifferences_data() { AddTypes(); }
  void derivativesMatchFiniteDifferences() {
    QFETCH(QString, type);
    QFETCH(int, channels);
    auto reg = Make(type.toStdString(), channels);
    const Shape shape{2, channels, 9, 11};
    const Batch<double> x = RandomData<double>(shape, 3, 0.0, 1.0);
    const Batch<double> v = RandomData<double>(shape, 4);
    const Vector<double> theta = Theta(*reg, 5);
    QVERIFY(reg->checkParameters(theta).ok());
    reg->setParameters(theta);
    const std::vector<int> all = AllImages(shape.n);
    const double h = 1e-5;

    // Gradient against the value.
    Batch<double> grad(shape);
    reg->gradient(all, x, grad);
    for (int i = 0; i < shape.n; ++i) {
      const double fd = CentralDifference(
          [&](double t) {
            std::vector<double> values;
            reg->value(all, Shifted(x, t, v), values);
            return values[std::size_t(i)];
          },
          h);
      BILEVEL_CHECK_ERROR(RelativeError(DotImage(grad, v, i), fd), 1e-6, "gradient");
    }

    // Hessian-vector product against the gradient.
    Batch<double> hv(shape);
    reg->prepareHessian(x);
    reg->hessianVector(all, v, hv);
    const Batch<double> fd_hv = CentralDifferenceBatch<double>(
        [&](double t) {
          Batch<double> g(shape);
          reg->gradient(all, Shifted(x, t, v), g);
          return g;
        },
        h);
    BILEVEL_CHECK_ERROR(RelativeError(hv, fd_hv), 1e-6, "Hessian-vector product");

    // The curvature bound majorizes the Hessian: <v, B v> >= <v, H v>.
    if (reg->hasCurvatureBound()) {
      Batch<double> bv(shape);
      reg->curvatureBound(all, v, bv);
      for (int i = 0; i < shape.n; ++i)
        QVERIFY2(DotImage(bv, v, i) >= DotImage(hv, v, i) * (1 - 1e-12),
                 "the curvature bound is below the Hessian");
    }

    // Mixed derivative: d/dtheta_k <grad_x R(x; theta), q>, every parameter.
    const Batch<double> q = RandomData<double>(shape, 6);
    Vector<double> mixed;
    reg->mixedDerivative(all, x, q, mixed);
    QCOMPARE(int(mixed.size()), reg->parameterCount());
    Vector<double> numeric(mixed.size());
    for (int k = 0; k < reg->parameterCount(); ++k)
      numeric[k] = CentralDifference(
          [&](double t) {
            reg->setParameters(theta + t * UnitVector<double>(reg->parameterCount(), k));
            Batch<double> g(shape);
            reg->gradient(all, x, g);
            return DotAll(g, q);
          },
          h);
    reg->setParameters(theta);
    BILEVEL_CHECK_ERROR(RelativeError(mixed, numeric), 1e-6, "mixed derivative");
  }

  void convexAlongLines() {
    auto reg = Make("total_variation", 3);
    const Shape shape{1, 3, 8, 8};
    reg->setParameters(Theta(*reg, 9));
    const Batch<double> x = RandomData<double>(shape, 10), v = RandomData<double>(shape, 11);
    std::vector<double> values;
    double prev_slope = -1e300;
    for (int k = -5; k <= 5; ++k) {
      Batch<double> g(shape);
      reg->gradient({0}, Shifted(x, 0.1 * k, v), g);
      const double slope = DotAll(g, v);
      QVERIFY2(slope >= prev_slope - 1e-12, "TV is not convex along a line");
      prev_slope = slope;
    }
  }

  void hypergradientMatchesFiniteDifferences_data() {
    QTest::addColumn<QString>("type");
    QTest::addColumn<int>("channels");
    QTest::addColumn<int>("kind");
    QTest::addColumn<double>("mu0");
    for (const auto& [type, channels] : {std::pair<const char*, int>{"total_variation", 3},
                                         {"input_convex", 1},
                                         {"convex_ridge", 1}}) {
      QTest::addRow("%s denoising", type) << QString(type) << channels << 0 << 0.0;
      QTest::addRow("%s inpainting", type) << QString(type) << channels << 2 << 1e-2;
    }
  }
  void hypergradientMatchesFiniteDifferences() {
    QFETCH(QString, type);
    QFETCH(int, channels);
    QFETCH(int, kind);
    QFETCH(double, mu0);
    auto reg = Make(type.toStdString(), channels);
    const Shape shape{2, channels, 12, 12};
    std::unique_ptr<ForwardOperator<double>> op;
    if (kind == 0)
      op = std::make_unique<IdentityOperator<double>>(shape);
    else
      op = std::make_unique<InpaintingOperator<double>>(
          InpaintingOperator<double>::RandomMasks(shape, 0.7, 3));
    const Batch<double> clean = SyntheticImages<double>(shape, 8);
    Batch<double> y(shape);
    ApplyToBatch(*op, clean, y);
    AddGaussianNoise(y, 25.0, 9);
    HypergradientOptions options;
    options.lower.tolerance = options.linear.tolerance = 1e-11;
    options.lower.max_iterations = 100000;
    options.linear.max_iterations = 20000;
    options.mu0 = mu0;
    const BatchData<double> data{op.get(), &clean, &y};
    const Vector<double> theta = reg->initialParameters();
    Batch<double> x, q;
    const HypergradientResult<double> r = ComputeHypergradient(options, *reg, theta, data, x, q);
    QVERIFY2(r.status == SolverStatus::kConverged, r.message.c_str());
    Vector<double> numeric(theta.size());
    for (int k = 0; k < int(theta.size()); ++k)
      numeric[k] = CentralDifference(
          [&](double t) {
            Batch<double> warm = x;
            const Vector<double> th = theta + t * UnitVector<double>(int(theta.size()), k);
            return EvaluateLoss(options, *reg, th, data, warm).loss;
          },
          1e-4);
    qDebug("hypergradient %s, finite differences %s",
           qPrintable(QString::number(r.gradient.norm())),
           qPrintable(QString::number(numeric.norm())));
    BILEVEL_CHECK_ERROR(RelativeError(r.gradient, numeric), 1e-4,
                        (type + " hypergradient").toStdString());
  }

  void aNewTypeTrainsWithoutEditsElsewhere() {
    RegisterToy();
    TrainingConfig c = TinyConfig("toy_quadratic");
    c.knobs.step.initial = 1e-2;
    c.trainer.budget.iterations = 5;
    QVERIFY2(c.validate().ok(), c.validate().message().c_str());
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    PreparedRun prepared;
    const Status s = Prepare(c, dir, &prepared);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(prepared.oracle->parameterCount(), 2);
    RunController(prepared).run();
    QCOMPARE(prepared.trainer->iteration(), 5L);
    RegularizerSettings read;
    Eigen::VectorXd theta;
    const Status r = ReadRegularizerJson(dir + "/regularizer.json", &read, &theta);
    QVERIFY2(r.ok(), r.message().c_str());
    QCOMPARE(read.type, std::string("toy_quadratic"));
    QVERIFY(theta == prepared.trainer->parameters());
    QVERIFY(theta != prepared.oracle->initialParameters());
  }

  // A step far too large: the run stops, keeps the last finite parameters and exports them.
  void divergingRunsKeepTheLastFiniteParameters_data() {
    QTest::addColumn<QString>("type");
    QTest::newRow("convex_ridge") << "convex_ridge";
    QTest::newRow("input_convex") << "input_convex";
  }
  void divergingRunsKeepTheLastFiniteParameters() {
    QFETCH(QString, type);
    TrainingConfig c = TinyConfig(type.toStdString());
    c.trainer.method = Method::kIsgd;
    c.knobs.step.initial = 1e8;
    c.trainer.budget.iterations = 20;
    if (type == "convex_ridge") {
      QVERIFY(SetConfigField(&c, "regularizer.layers", "2, 3").ok());
      QVERIFY(SetConfigField(&c, "regularizer.kernel_sizes", "3, 3").ok());
    } else {
      QVERIFY(SetConfigField(&c, "regularizer.hidden", "3").ok());
      QVERIFY(SetConfigField(&c, "regularizer.kernel_size", "3").ok());
    }
    QVERIFY2(c.validate().ok(), c.validate().message().c_str());
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    PreparedRun prepared;
    const Status s = Prepare(c, dir, &prepared);
    QVERIFY2(s.ok(), s.message().c_str());
    RunController(prepared).run();
    QVERIFY2(prepared.trainer->iteration() < 20, "the run should stop early");
    QVERIFY(prepared.trainer->parameters().allFinite());
    RegularizerSettings read;
    Eigen::VectorXd theta;
    const Status r = ReadRegularizerJson(dir + "/regularizer.json", &read, &theta);
    QVERIFY2(r.ok(), r.message().c_str());
    QVERIFY(theta.allFinite());
    QVERIFY(theta == prepared.trainer->parameters());
  }

  // Every type's regularizer.json and .npz read back to the same settings and the same theta,
  // bit for bit.
  void exportsRoundTrip_data() { AddTypes(); }
  void exportsRoundTrip() {
    QFETCH(QString, type);
    QFETCH(int, channels);
    QTemporaryDir tmp;
    auto reg = Make(type.toStdString(), channels);
    const RegularizerSettings s = reg->settings();
    const Eigen::VectorXd theta = Theta(*reg, 12);
    for (const char* name : {"r.json", "r.npz"}) {
      const std::string path = tmp.filePath(name).toStdString();
      const Status w = std::string(name).ends_with("npz") ? WriteRegularizerNpz(path, s, theta)
                                                          : WriteRegularizerJson(path, s, theta);
      QVERIFY2(w.ok(), w.message().c_str());
      RegularizerSettings read;
      Eigen::VectorXd back;
      const Status r = ReadRegularizerFile(path, &read, &back);
      QVERIFY2(r.ok(), r.message().c_str());
      QVERIFY(read == s);
      QVERIFY(back == theta);
    }
    QVERIFY(!WriteRegularizerJson(tmp.filePath("bad.json").toStdString(), s,
                                  Eigen::VectorXd::Zero(reg->parameterCount() + 1))
                 .ok());
  }
};

QTEST_GUILESS_MAIN(RegularizersTest)
#include "test_regularizers.moc"
