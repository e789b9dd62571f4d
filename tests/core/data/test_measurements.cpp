// Measurements y = A x* + sigma n: noise statistics, determinism in the seed, blur and inpainting
// measurements against their operators, masks per patch, an empty test split, refused options.
#include <QTest>

#include <cmath>
#include <memory>
#include <vector>

#include "bilevel/image_problem_options.h"
#include "bilevel/problem_data.h"
#include "data/synthetic.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

namespace {

Dataset MakeDataset(int train, int test, int channels = 3, int size = 32) {
  Dataset d;
  d.train = SyntheticImages<float>(Shape{train, channels, size, size}, 11);
  d.test = SyntheticImages<float>(Shape{test, channels, size, size}, 12);
  d.train_source.assign(std::size_t(train), 0);
  d.test_source.assign(std::size_t(test), 1);
  d.sources = {SourceImage{"a.png", size, size, false}, SourceImage{"b.png", size, size, true}};
  return d;
}

// Mean and standard deviation of y - x over a batch.
std::pair<double, double> ResidualStats(const Batch<float>& y, const Batch<float>& x) {
  double sum = 0.0, sq = 0.0;
  for (std::size_t k = 0; k < y.size(); ++k) {
    const double r = double(y.data()[k]) - double(x.data()[k]);
    sum += r;
    sq += r * r;
  }
  const double n = double(y.size());
  const double mean = sum / n;
  return {mean, std::sqrt(std::max(0.0, sq / n - mean * mean))};
}

Status Make(const ProblemOptions& options, const Dataset& d, ProblemData* out) {
  const Status s = MakeProblem(options, d, out);
  if (!s.ok()) qWarning("MakeProblem: %s", s.message().c_str());
  return s;
}

}  // namespace

class MeasurementsTest : public QObject {
  Q_OBJECT

 private slots:
  void noiseStatistics_data() {
    QTest::addColumn<double>("sigma");
    QTest::newRow("sigma 5") << 5.0;
    QTest::newRow("sigma 25") << 25.0;
    QTest::newRow("sigma 50") << 50.0;
  }
  void noiseStatistics() {
    QFETCH(double, sigma);
    const Dataset d = MakeDataset(16, 8);
    ProblemOptions o;
    o.noise_sigma = sigma;
    ProblemData p;
    QVERIFY(Make(o, d, &p).ok());
    QVERIFY(p.train_op && p.test_op);
    QCOMPARE(p.train_op->kind(), OperatorKind::kIdentity);
    QCOMPARE(p.train_measured.shape(), d.train.shape());
    QCOMPARE(p.test_measured.shape(), d.test.shape());
    for (const auto& [y, x] :
         {std::pair{&p.train_measured, &d.train}, std::pair{&p.test_measured, &d.test}}) {
      const auto [mean, stddev] = ResidualStats(*y, *x);
      BILEVEL_CHECK_ERROR(std::abs(stddev - sigma / 255.0) / (sigma / 255.0), 0.03, "noise std");
      BILEVEL_CHECK_ERROR(std::abs(mean), 0.1 * sigma / 255.0, "noise mean");
    }
    // Not clamped: strong noise leaves [0, 1].
    if (sigma >= 25.0) {
      const auto [lo, hi] =
          std::minmax_element(p.train_measured.values().begin(), p.train_measured.values().end());
      QVERIFY(*lo < 0.0f);
      QVERIFY(*hi > 1.0f);
    }
  }

  void deterministicInSeed() {
    Dataset d = MakeDataset(6, 6);
    d.test = d.train;  // the same clean images: their noise must still differ
    for (OperatorKind kind : {OperatorKind::kIdentity, OperatorKind::kInpainting}) {
      ProblemOptions o;
      o.kind = kind;
      ProblemData a, b, c;
      QVERIFY(Make(o, d, &a).ok());
      QVERIFY(Make(o, d, &b).ok());
      o.seed = 99;
      QVERIFY(Make(o, d, &c).ok());
      QCOMPARE(a.train_measured.values(), b.train_measured.values());
      QCOMPARE(a.test_measured.values(), b.test_measured.values());
      QVERIFY(a.train_measured.values() != c.train_measured.values());
      QVERIFY(a.train_measured.values() != a.test_measured.values());
    }
  }

  void blurMeasurement() {
    const Dataset d = MakeDataset(5, 3);
    ProblemOptions o;
    o.kind = OperatorKind::kGaussianBlur;
    o.blur.size = 5;
    o.blur.sigma = 1.5;
    o.noise_sigma = 0.0;
    ProblemData p;
    QVERIFY(Make(o, d, &p).ok());
    QCOMPARE(p.train_op->kind(), OperatorKind::kGaussianBlur);
    QCOMPARE(p.test_op->kind(), OperatorKind::kGaussianBlur);
    QVERIFY(CheckOperatorShape(*p.train_op, d.train.shape()).ok());
    QVERIFY(CheckOperatorShape(*p.test_op, d.test.shape()).ok());
    // sigma = 0: exactly A x*, with A an independently built blur of the same options.
    Status status;
    const auto reference =
        GaussianBlurOperator<float>::Create(Shape{1, 3, 32, 32}, o.blur, &status);
    QVERIFY(reference);
    Batch<float> ax, ax_test;
    ApplyToBatch(*reference, d.train, ax);
    ApplyToBatch(*reference, d.test, ax_test);
    QCOMPARE(p.train_measured.values(), ax.values());
    QCOMPARE(p.test_measured.values(), ax_test.values());
    QVERIFY(MaxAbsDiff(ax.data(), d.train.data(), ax.size()) > 1e-3);  // it did blur

    // With noise: y - A x* is the noise.
    o.noise_sigma = 10.0;
    QVERIFY(Make(o, d, &p).ok());
    const auto [mean, stddev] = ResidualStats(p.train_measured, ax);
    BILEVEL_CHECK_ERROR(std::abs(stddev - 10.0 / 255.0) / (10.0 / 255.0), 0.05, "blur noise std");
    BILEVEL_CHECK_ERROR(std::abs(mean), 1e-3, "blur noise mean");
  }

  void inpaintingMasks() {
    const Dataset d = MakeDataset(12, 12, 3, 24);
    ProblemOptions o;
    o.kind = OperatorKind::kInpainting;
    o.keep_fraction = 0.3;
    o.noise_sigma = 0.0;
    ProblemData p;
    QVERIFY(Make(o, d, &p).ok());
    const auto* train = dynamic_cast<const InpaintingOperator<float>*>(p.train_op.get());
    const auto* test = dynamic_cast<const InpaintingOperator<float>*>(p.test_op.get());
    QVERIFY(train && test);
    QCOMPARE(train->imageCount(), 12);
    QCOMPARE(test->imageCount(), 12);
    QVERIFY(CheckOperatorShape(*p.train_op, d.train.shape()).ok());
    const Batch<float>& m = train->masks();
    double kept = 0.0;
    for (int i = 0; i < m.n(); ++i)
      for (int y = 0; y < m.h(); ++y)
        for (int x = 0; x < m.w(); ++x) {
          const float v = m.at(i, 0, y, x);
          QVERIFY(v == 0.0f || v == 1.0f);
          QCOMPARE(m.at(i, 1, y, x), v);  // one mask for all channels of a pixel
          QCOMPARE(m.at(i, 2, y, x), v);
          kept += v;
        }
    BILEVEL_CHECK_ERROR(std::abs(kept / (12.0 * 24 * 24) - 0.3), 0.02, "kept fraction");
    // One mask per patch, and test masks differ from training masks.
    QVERIFY(!std::equal(m.image(0), m.image(0) + m.imageSize(), m.image(1)));
    QVERIFY(m.values() != test->masks().values());
    // sigma = 0: y = M x* exactly.
    for (std::size_t k = 0; k < d.train.size(); ++k)
      QCOMPARE(p.train_measured.data()[k], m.data()[k] * d.train.data()[k]);
    for (std::size_t k = 0; k < d.test.size(); ++k)
      QCOMPARE(p.test_measured.data()[k], test->masks().data()[k] * d.test.data()[k]);
  }

  void emptyTestSplit() {
    const Dataset d = MakeDataset(4, 0);
    for (OperatorKind kind :
         {OperatorKind::kIdentity, OperatorKind::kGaussianBlur, OperatorKind::kInpainting}) {
      ProblemOptions o;
      o.kind = kind;
      ProblemData p;
      QVERIFY(Make(o, d, &p).ok());
      QVERIFY(p.test_op);
      QCOMPARE(p.test_measured.n(), 0);
      QCOMPARE(p.test_measured.c(), 3);
      QVERIFY(CheckOperatorShape(*p.test_op, p.test_measured.shape()).ok());
      QCOMPARE(p.train_measured.n(), 4);
    }
  }

  void refusals() {
    const Dataset d = MakeDataset(2, 1, 3, 8);
    ProblemData p;
    ProblemOptions o;
    o.noise_sigma = -1.0;
    Status s = MakeProblem(o, d, &p);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "noise_sigma");
    o = ProblemOptions();
    o.kind = OperatorKind::kInpainting;
    o.keep_fraction = 0.0;
    s = MakeProblem(o, d, &p);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "keep_fraction");
    o = ProblemOptions();
    o.kind = OperatorKind::kGaussianBlur;
    o.blur.size = 4;
    s = MakeProblem(o, d, &p);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "blur");
    o.blur.size = 9;  // larger than the 8 x 8 patches
    s = MakeProblem(o, d, &p);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "larger");
    ImageProblemOptions inner;  // the lower level's mu0 belongs to the oracle's options
    inner.mu0 = -0.5;
    BILEVEL_CHECK_REJECTED(inner.validate().ok(), inner.validate().message(), "problem.mu0");
    s = MakeProblem(ProblemOptions(), Dataset(), &p);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "no training");
    Dataset mismatched = d;
    mismatched.test = Batch<float>(Shape{1, 1, 8, 8});
    s = MakeProblem(ProblemOptions(), mismatched, &p);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "shape");
    s = MakeProblem(ProblemOptions(), d, nullptr);
    QVERIFY(!s.ok());
    QVERIFY(!p.train_op);  // nothing was written on failure
  }

  // The embedded images with the deblurring setting of the paper (128-pixel patches, 7 x 7 blur).
  void embeddedDeblurring() {
    DatasetOptions data;
    data.patch_size = 128;
    data.patches_per_image = 1;
    Dataset d;
    Status s = LoadDataset(data, &d);
    QVERIFY2(s.ok(), s.message().c_str());
    ProblemOptions o;
    o.kind = OperatorKind::kGaussianBlur;
    o.noise_sigma = 5.0;
    ProblemData p;
    QVERIFY(Make(o, d, &p).ok());
    QCOMPARE(p.train_measured.shape(), d.train.shape());
    QCOMPARE(p.test_measured.shape(), d.test.shape());
    QVERIFY(p.train_measured.allFinite());
  }
};

QTEST_GUILESS_MAIN(MeasurementsTest)
#include "test_measurements.moc"
