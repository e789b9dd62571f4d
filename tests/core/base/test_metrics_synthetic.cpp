// Squared error and PSNR, the synthetic images and noise the other suites feed on, and the enum
// and shape strings shared by the solvers.
#include <QTest>

#include <cmath>
#include <limits>

#include "bilevel/batch.h"
#include "bilevel/metrics.h"
#include "bilevel/solver_report.h"
#include "data/synthetic.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

class MetricsSyntheticTest : public QObject {
  Q_OBJECT

 private slots:
  void shapeString() {
    QCOMPARE(QString::fromStdString(Shape{8, 3, 96, 96}.toString()), QStringLiteral("8x3x96x96"));
    QCOMPARE(QString::fromStdString(Shape{1, 1, 13, 17}.toString()), QStringLiteral("1x1x13x17"));
  }

  void squaredErrorAndPsnr() {
    const Shape shape{3, 2, 7, 9};
    const Batch<double> a = RandomData<double>(shape, 1, 0.0, 1.0);
    const Batch<double> b = RandomData<double>(shape, 2, 0.0, 1.0);
    for (int i = 0; i < shape.n; ++i) {
      long double se = 0.0L;
      for (std::size_t k = 0; k < a.imageSize(); ++k) {
        const long double d = (long double)a.image(i)[k] - b.image(i)[k];
        se += d * d;
      }
      const double got = SquaredError(a, b, i);
      BILEVEL_CHECK_ERROR(RelativeError(got, double(se)), 1e-13, "squared error");
      const double mse = double(se) / double(a.imageSize());
      const double psnr = 10.0 * std::log10(1.0 / mse);
      BILEVEL_CHECK_ERROR(std::abs(Psnr(a, b, i) - psnr), 1e-10, "psnr");
    }
    QCOMPARE(SquaredError(a, a, 1), 0.0);
    const double same = Psnr(a, a, 2);
    QVERIFY2(std::isinf(same) && same > 0, "PSNR of equal images is not +infinity");

    // Float images give the same numbers at float accuracy.
    const Batch<float> af = BatchCast<float>(a), bf = BatchCast<float>(b);
    BILEVEL_CHECK_ERROR(RelativeError(SquaredError(af, bf, 0), SquaredError(a, b, 0)), 1e-5,
                        "float squared error");

    // A known value: a constant offset of 0.1 gives MSE 0.01, PSNR 20 dB.
    Batch<double> c(shape, 0.5), d(shape, 0.6);
    BILEVEL_CHECK_ERROR(std::abs(Psnr(d, c, 0) - 20.0), 1e-9, "psnr of a 0.1 offset");
    BILEVEL_CHECK_ERROR(RelativeError(SquaredError(d, c, 0), 0.01 * double(c.imageSize())), 1e-12,
                        "squared error of a 0.1 offset");

    // The mean over images, and NaN for no images.
    const double mean = (Psnr(a, b, 0) + Psnr(a, b, 1) + Psnr(a, b, 2)) / 3.0;
    BILEVEL_CHECK_ERROR(std::abs(MeanPsnr(a, b) - mean), 1e-12, "mean psnr");
    BILEVEL_CHECK_ERROR(std::abs(MeanPsnr(d, c) - 20.0), 1e-9, "mean psnr of a 0.1 offset");
    QVERIFY(std::isnan(MeanPsnr(Batch<double>(), Batch<double>())));
  }

  void syntheticImages() {
    const Shape shape{4, 3, 32, 40};
    const Batch<double> a = SyntheticImages<double>(shape, 5);
    QCOMPARE(a.shape(), shape);
    QVERIFY(a.allFinite());
    double lo = 1e9, hi = -1e9;
    for (double v : a.values()) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    QVERIFY2(lo >= 0.0 && hi <= 1.0, qPrintable(QStringLiteral("range [%1, %2]").arg(lo).arg(hi)));
    QVERIFY2(hi - lo > 0.2, "synthetic images are (nearly) constant");
    // Different images in a batch, deterministic per seed, different across seeds.
    QVERIFY(!std::equal(a.image(0), a.image(0) + a.imageSize(), a.image(1)));
    QVERIFY(SyntheticImages<double>(shape, 5).values() == a.values());
    QVERIFY(SyntheticImages<double>(shape, 6).values() != a.values());
    // Colour: the channels of an image are not all equal.
    QVERIFY(!std::equal(a.channel(0, 0), a.channel(0, 0) + 32 * 40, a.channel(0, 1)) ||
            !std::equal(a.channel(0, 0), a.channel(0, 0) + 32 * 40, a.channel(0, 2)));
    const Batch<float> f = SyntheticImages<float>(shape, 5);
    BILEVEL_CHECK_ERROR(RelativeError(f, a), 1e-6, "float synthetic images");
  }

  void gaussianNoise() {
    const Shape shape{2, 3, 64, 64};
    const Batch<double> clean = SyntheticImages<double>(shape, 1);
    Batch<double> noisy = clean;
    AddGaussianNoise(noisy, 25.0, 9);
    const Batch<double> diff = Difference(noisy, clean);
    double mean = 0.0, sq = 0.0;
    for (double v : diff.values()) {
      mean += v;
      sq += v * v;
    }
    mean /= double(diff.size());
    const double sd = std::sqrt(sq / double(diff.size()) - mean * mean);
    const double want = 25.0 / 255.0;
    QVERIFY2(std::abs(sd - want) < 0.03 * want,
             qPrintable(QStringLiteral("noise sd %1, wanted %2").arg(sd).arg(want)));
    QVERIFY2(std::abs(mean) < 0.05 * want, qPrintable(QStringLiteral("noise mean %1").arg(mean)));
    Batch<double> again = clean;
    AddGaussianNoise(again, 25.0, 9);
    QVERIFY(again.values() == noisy.values());
    Batch<double> other = clean;
    AddGaussianNoise(other, 25.0, 10);
    QVERIFY(other.values() != noisy.values());
    Batch<double> none = clean;
    AddGaussianNoise(none, 0.0, 9);
    QVERIFY(none.values() == clean.values());
  }

  void randomBatch() {
    const Shape shape{2, 3, 10, 10};
    const Batch<double> a = RandomBatch<double>(shape, 3, -0.5, 2.0);
    QCOMPARE(a.shape(), shape);
    double lo = 1e9, hi = -1e9, mean = 0.0;
    for (double v : a.values()) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      mean += v;
    }
    mean /= double(a.size());
    QVERIFY(lo >= -0.5 && hi < 2.0);
    QVERIFY2(hi - lo > 2.0, "random values do not fill their range");
    QVERIFY2(std::abs(mean - 0.75) < 0.15, qPrintable(QStringLiteral("mean %1").arg(mean)));
    QVERIFY(RandomBatch<double>(shape, 3, -0.5, 2.0).values() == a.values());
    QVERIFY(RandomBatch<double>(shape, 4, -0.5, 2.0).values() != a.values());
    const Batch<float> d = RandomBatch<float>(shape, 3);
    for (float v : d.values())
      QVERIFY(v >= -1.0f && v < 1.0f);
  }

  void solverStatusStrings() {
    const SolverStatus all[] = {SolverStatus::kConverged, SolverStatus::kMaxIterations,
                                SolverStatus::kNonFinite, SolverStatus::kInvalidInput};
    for (SolverStatus a : all) {
      QVERIFY(ToString(a) != nullptr && *ToString(a) != '\0');
      for (SolverStatus b : all)
        if (a != b) QVERIFY(std::string(ToString(a)) != ToString(b));
    }
  }

  void solveSummaryTotals() {
    SolveSummary s;
    s.status = SolverStatus::kConverged;
    s.images.resize(3);
    s.images[0].iterations = 4;
    s.images[1].iterations = 0;
    s.images[2].iterations = 11;
    s.images[0].power_iterations = 15;
    s.images[2].power_iterations = 7;
    QCOMPARE(s.totalIterations(), 15L);
    QCOMPARE(s.totalPowerIterations(), 22L);
    QVERIFY(s.usable());
    QVERIFY(!s.briefReport().empty());
    s.status = SolverStatus::kNonFinite;
    QVERIFY(!s.usable());
  }
};

QTEST_GUILESS_MAIN(MetricsSyntheticTest)
#include "test_metrics_synthetic.moc"
