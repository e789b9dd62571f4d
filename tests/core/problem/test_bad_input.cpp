// Bad input is an error value with a message naming the problem, never a crash: shapes that do
// not match, non-finite parameters and images, invalid tolerances, kernels that do not fit and
// empty batches, through CheckProblem, ComputeHypergradient and EvaluateLoss alike.
#include <QStringList>
#include <QTest>

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "bilevel/forward_operator.h"
#include "bilevel/hypergradient.h"
#include "data/synthetic.h"
#include "regularizers/foe.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

FoeConfig SmallConfig() {
  FoeConfig c;
  c.channels = 3;
  c.kernels = 3;
  c.kernel_size = 5;
  return c;
}

// A valid problem, then one defect applied by name.
struct Inputs {
  Shape shape{2, 3, 16, 16};
  std::unique_ptr<ForwardOperator<double>> op;
  Batch<double> clean, measured;
  FieldOfExperts<double> reg{SmallConfig()};
  Vector<double> theta;
  HypergradientOptions options;
  bool null_op = false, null_clean = false, null_measured = false;

  Inputs() {
    op = std::make_unique<IdentityOperator<double>>(shape);
    clean = SyntheticImages<double>(shape, 1);
    measured = clean;
    AddGaussianNoise(measured, 15.0, 2);
    theta = reg.initialParameters();
    options.lower.tolerance = 1e-3;
    options.linear.tolerance = 1e-3;
  }

  void resizeImages(Shape s) {
    shape = s;
    clean = s.size() > 0 ? SyntheticImages<double>(s, 1) : Batch<double>(s);
    measured = clean;
    op = std::make_unique<IdentityOperator<double>>(Shape{1, s.c, s.h, s.w});
  }

  // Applies the named defect; returns false for an unknown name.
  bool apply(const QString& defect) {
    const FoeLayout& layout = reg.layout();
    if (defect == "measured shape") {
      measured = SyntheticImages<double>(Shape{2, 3, 16, 15}, 1);
    } else if (defect == "measured count") {
      measured = SyntheticImages<double>(Shape{3, 3, 16, 16}, 1);
    } else if (defect == "operator size") {
      op = std::make_unique<IdentityOperator<double>>(Shape{1, 3, 12, 12});
    } else if (defect == "operator channels") {
      op = std::make_unique<IdentityOperator<double>>(Shape{1, 1, 16, 16});
    } else if (defect == "blur operator size") {
      GaussianBlurOptions o;
      o.size = 5;
      o.sigma = 1.0;
      Status st;
      op = GaussianBlurOperator<double>::Create(Shape{1, 3, 16, 20}, o, &st);
    } else if (defect == "too few masks") {
      op = std::make_unique<InpaintingOperator<double>>(
          InpaintingOperator<double>::RandomMasks(Shape{1, 3, 16, 16}, 0.5, 1));
    } else if (defect == "null operator") {
      null_op = true;
    } else if (defect == "null clean") {
      null_clean = true;
    } else if (defect == "null measured") {
      null_measured = true;
    } else if (defect == "theta nan") {
      theta(0) = kNaN;
    } else if (defect == "theta inf kernel") {
      theta(layout.kernel(1) + 3) = kInf;
    } else if (defect == "theta nan smoothing") {
      theta(layout.smoothing()) = kNaN;
    } else if (defect == "theta size") {
      theta = Vector<double>(theta.head(theta.size() - 1));
    } else if (defect == "theta empty") {
      theta = Vector<double>();
    } else if (defect == "clean nan") {
      clean.at(1, 2, 5, 7) = kNaN;
    } else if (defect == "clean inf") {
      clean.at(0, 0, 0, 0) = -kInf;
    } else if (defect == "measured nan") {
      measured.at(0, 1, 15, 15) = kNaN;
    } else if (defect == "measured inf") {
      measured.at(1, 0, 3, 3) = kInf;
    } else if (defect == "eps zero") {
      options.lower.tolerance = 0.0;
    } else if (defect == "eps negative") {
      options.lower.tolerance = -1e-3;
    } else if (defect == "eps nan") {
      options.lower.tolerance = kNaN;
    } else if (defect == "delta zero") {
      options.linear.tolerance = 0.0;
    } else if (defect == "delta negative") {
      options.linear.tolerance = -1.0;
    } else if (defect == "mu0 negative") {
      options.mu0 = -0.5;
    } else if (defect == "kernel larger than image") {
      resizeImages(Shape{2, 3, 4, 9});
    } else if (defect == "kernel larger than image width") {
      resizeImages(Shape{2, 3, 12, 3});
    } else if (defect == "image channels") {
      resizeImages(Shape{2, 1, 16, 16});
    } else if (defect == "empty batch") {
      resizeImages(Shape{0, 3, 16, 16});
    } else if (defect == "default batch") {
      clean = Batch<double>();
      measured = Batch<double>();
    } else {
      return false;
    }
    return true;
  }

  BatchData<double> data() const {
    BatchData<double> d;
    d.op = null_op ? nullptr : op.get();
    d.clean = null_clean ? nullptr : &clean;
    d.measured = null_measured ? nullptr : &measured;
    return d;
  }
};

QStringList Words(const char* csv) {
  return QString::fromLatin1(csv).split(',');
}

bool MentionsAnyOf(const std::string& message, const QStringList& words) {
  const QString m = QString::fromStdString(message);
  for (const QString& w : words)
    if (m.contains(w, Qt::CaseInsensitive)) return true;
  return false;
}

}  // namespace

class BadInputTest : public QObject {
  Q_OBJECT

 private slots:
  void rejected_data() {
    QTest::addColumn<QString>("defect");
    QTest::addColumn<QStringList>("words");   // the message names one of these
    QTest::addColumn<bool>("problem_level");  // CheckProblem sees it (not an option)
    const char* shape = "shape,size,match,dimension,differ";
    QTest::newRow("clean vs measured shape") << "measured shape" << Words(shape) << true;
    QTest::newRow("clean vs measured count") << "measured count" << Words(shape) << true;
    QTest::newRow("operator vs image size")
        << "operator size" << Words("operator,shape,size,match") << true;
    QTest::newRow("operator vs image channels")
        << "operator channels" << Words("operator,shape,channel,match") << true;
    QTest::newRow("blur operator vs image size")
        << "blur operator size" << Words("operator,shape,size,match") << true;
    QTest::newRow("fewer masks than images")
        << "too few masks" << Words("mask,image,operator,count,shape") << true;
    QTest::newRow("no operator") << "null operator" << Words("operator,null,missing") << true;
    QTest::newRow("no clean images") << "null clean" << Words("clean,null,missing,image") << true;
    QTest::newRow("no measurements")
        << "null measured" << Words("measure,null,missing,image") << true;
    const char* finite = "finite,nan,inf";
    QTest::newRow("theta0 NaN") << "theta nan" << Words(finite) << true;
    QTest::newRow("kernel entry Inf") << "theta inf kernel" << Words(finite) << true;
    QTest::newRow("smoothing NaN") << "theta nan smoothing" << Words(finite) << true;
    QTest::newRow("theta too short")
        << "theta size" << Words("parameter,size,length,theta") << true;
    QTest::newRow("theta empty") << "theta empty" << Words("parameter,size,length,theta") << true;
    QTest::newRow("clean image NaN") << "clean nan" << Words(finite) << true;
    QTest::newRow("clean image -Inf") << "clean inf" << Words(finite) << true;
    QTest::newRow("measurement NaN") << "measured nan" << Words(finite) << true;
    QTest::newRow("measurement Inf") << "measured inf" << Words(finite) << true;
    const char* tol = "tolerance,eps,delta";
    QTest::newRow("eps = 0") << "eps zero" << Words(tol) << false;
    QTest::newRow("eps < 0") << "eps negative" << Words(tol) << false;
    QTest::newRow("eps NaN") << "eps nan" << Words(tol) << false;
    QTest::newRow("delta = 0") << "delta zero" << Words(tol) << false;
    QTest::newRow("delta < 0") << "delta negative" << Words(tol) << false;
    QTest::newRow("mu0 < 0") << "mu0 negative" << Words("mu0,mu,convex") << false;
    QTest::newRow("kernel taller than image")
        << "kernel larger than image" << Words("kernel") << true;
    QTest::newRow("kernel wider than image")
        << "kernel larger than image width" << Words("kernel") << true;
    QTest::newRow("image channels vs regularizer") << "image channels" << Words("channel") << true;
    QTest::newRow("empty batch") << "empty batch" << Words("empty,no image,zero image") << true;
    QTest::newRow("default-constructed batch")
        << "default batch" << Words("empty,no image,zero image,shape,channel") << true;
  }
  void rejected() {
    QFETCH(QString, defect);
    QFETCH(QStringList, words);
    QFETCH(bool, problem_level);
    Inputs in;
    QVERIFY2(in.apply(defect), qPrintable("unknown defect " + defect));
    if (defect == "blur operator size") QVERIFY(in.op);
    const BatchData<double> data = in.data();

    auto check = [&](bool ok, const std::string& message, const char* where) {
      QVERIFY2(!ok, qPrintable(QStringLiteral("%1 accepted \"%2\"").arg(where, defect)));
      QVERIFY2(!message.empty(), qPrintable(QStringLiteral("%1: no message").arg(where)));
      QVERIFY2(MentionsAnyOf(message, words),
               qPrintable(QStringLiteral("%1: message \"%2\" names none of: %3")
                              .arg(where, QString::fromStdString(message), words.join(", "))));
    };

    if (problem_level) {
      Batch<double> x;
      const Status st =
          CheckProblem(in.reg, in.theta, data, x, static_cast<const Batch<double>*>(nullptr));
      check(st.ok(), st.message(), "CheckProblem");
      if (QTest::currentTestFailed()) return;
    } else {
      const Status st = in.options.validate();
      check(st.ok(), st.message(), "HypergradientOptions::validate");
      if (QTest::currentTestFailed()) return;
    }

    Batch<double> x, q;
    const HypergradientResult<double> r =
        ComputeHypergradient(in.options, in.reg, in.theta, data, x, q);
    QCOMPARE(r.status, SolverStatus::kInvalidInput);
    QVERIFY(!r.usable());
    check(false, r.message, "ComputeHypergradient");
    if (QTest::currentTestFailed()) return;
    QCOMPARE(r.computations(), 0L);

    Batch<double> x2;
    const HypergradientResult<double> l = EvaluateLoss(in.options, in.reg, in.theta, data, x2);
    QCOMPARE(l.status, SolverStatus::kInvalidInput);
    check(false, l.message, "EvaluateLoss");
  }

  void validProblemAccepted() {
    Inputs in;
    const BatchData<double> data = in.data();
    Batch<double> x;
    const Status st =
        CheckProblem(in.reg, in.theta, data, x, static_cast<const Batch<double>*>(nullptr));
    QVERIFY2(st.ok(), st.message().c_str());
    QVERIFY(in.options.validate().ok());
    Batch<double> q;
    const HypergradientResult<double> r =
        ComputeHypergradient(in.options, in.reg, in.theta, data, x, q);
    QVERIFY2(r.usable(), r.message.c_str());
    QVERIFY(r.gradient.allFinite());
    // The smallest images the kernel fits: k x k (Reflect101 mirrors up to k/2 < k pixels).
    Inputs small;
    small.resizeImages(Shape{2, 3, 5, 5});
    const Batch<double> no_start;
    const Status st2 = CheckProblem(small.reg, small.theta, small.data(), no_start,
                                    static_cast<const Batch<double>*>(nullptr));
    QVERIFY2(st2.ok(), st2.message().c_str());
  }

  void nonFiniteWarmStartIsNeverUsable() {
    Inputs in;
    const BatchData<double> data = in.data();
    Batch<double> x = in.measured, q;
    x.at(0, 1, 2, 3) = kNaN;
    const HypergradientResult<double> r =
        ComputeHypergradient(in.options, in.reg, in.theta, data, x, q);
    if (r.usable()) {
      QVERIFY2(r.gradient.allFinite() && std::isfinite(r.loss),
               "a NaN warm start gave a usable result with non-finite values");
    } else {
      QVERIFY(!r.message.empty());
    }
  }

  void invalidFoeConfig_data() {
    QTest::addColumn<int>("channels");
    QTest::addColumn<int>("kernels");
    QTest::addColumn<int>("ksize");
    QTest::addColumn<QStringList>("words");
    QTest::newRow("even kernel size") << 3 << 10 << 4 << Words("kernel,odd,size");
    QTest::newRow("kernel size 0") << 3 << 10 << 0 << Words("kernel,odd,size");
    QTest::newRow("negative kernel size") << 3 << 10 << -3 << Words("kernel,odd,size");
    QTest::newRow("no kernels") << 3 << 0 << 7 << Words("kernel,expert");
    QTest::newRow("no channels") << 0 << 10 << 7 << Words("channel");
  }
  void invalidFoeConfig() {
    QFETCH(int, channels);
    QFETCH(int, kernels);
    QFETCH(int, ksize);
    QFETCH(QStringList, words);
    FoeConfig config;
    config.channels = channels;
    config.kernels = kernels;
    config.kernel_size = ksize;
    const Status st = config.validate();
    QVERIFY2(!st.ok(), "FoeConfig accepted");
    QVERIFY(!st.message().empty());
    QVERIFY2(MentionsAnyOf(st.message(), words), st.message().c_str());
  }

  void regularizerChecks() {
    FieldOfExperts<double> reg(SmallConfig());
    const Vector<double> good = reg.initialParameters();
    QVERIFY(reg.checkParameters(good).ok());
    Vector<double> bad = good;
    bad(2) = kNaN;
    Status st = reg.checkParameters(bad);
    BILEVEL_CHECK_REJECTED(st.ok(), st.message(), "finite", "nan");
    st = reg.checkParameters(Vector<double>(good.head(10)));
    BILEVEL_CHECK_REJECTED(st.ok(), st.message(), "size", "length", "parameter");

    QVERIFY(reg.checkImages(Shape{2, 3, 16, 16}).ok());
    QVERIFY(reg.checkImages(Shape{1, 3, 5, 5}).ok());
    st = reg.checkImages(Shape{2, 3, 4, 16});
    BILEVEL_CHECK_REJECTED(st.ok(), st.message(), "kernel");
    st = reg.checkImages(Shape{2, 3, 16, 4});
    BILEVEL_CHECK_REJECTED(st.ok(), st.message(), "kernel");
    st = reg.checkImages(Shape{2, 2, 16, 16});
    BILEVEL_CHECK_REJECTED(st.ok(), st.message(), "channel");

    FoeConfig zero = SmallConfig();
    zero.boundary = Boundary::kZero;
    FieldOfExperts<double> zreg(zero);
    st = zreg.checkImages(Shape{2, 3, 3, 16});
    BILEVEL_CHECK_REJECTED(st.ok(), st.message(), "kernel");
  }
};

QTEST_GUILESS_MAIN(BadInputTest)
#include "test_bad_input.moc"
