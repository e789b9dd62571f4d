// The structural similarity (bilevel/metrics.h) against the definition computed straight from
// the 2-D window, against scikit-image's implementation of the same index, and its edge cases.
#include <QTest>

#include <cmath>

#include "bilevel/batch.h"
#include "bilevel/metrics.h"
#include "test_support.h"

namespace bilevel {
namespace {

// SSIM of one plane from the definition: at every position where the 11 x 11 window fits, the
// weighted means, variances and covariance summed over the whole 2-D window.
double DirectSsim(const Batch<double>& a, const Batch<double>& b, int c) {
  double g[11], total = 0.0;
  for (int k = 0; k < 11; ++k)
    total += g[k] = std::exp(-(k - 5.0) * (k - 5.0) / 4.5);
  double sum = 0.0;
  int count = 0;
  for (int y = 0; y + 11 <= a.h(); ++y)
    for (int x = 0; x + 11 <= a.w(); ++x) {
      double ma = 0, mb = 0, aa = 0, bb = 0, ab = 0;
      for (int i = 0; i < 11; ++i)
        for (int j = 0; j < 11; ++j) {
          const double w = g[i] * g[j] / (total * total);
          const double p = a.at(0, c, y + i, x + j), q = b.at(0, c, y + i, x + j);
          ma += w * p;
          mb += w * q;
          aa += w * p * p;
          bb += w * q * q;
          ab += w * p * q;
        }
      const double c1 = 1e-4, c2 = 9e-4;
      sum += (2 * ma * mb + c1) * (2 * (ab - ma * mb) + c2) /
             ((ma * ma + mb * mb + c1) * (aa - ma * ma + bb - mb * mb + c2));
      ++count;
    }
  return sum / count;
}

// a = 0.5 + 0.4 sin(0.3 x + 0.2 y), b = a + 0.1 cos(0.7 x - 0.45 y) + 0.05 sin(0.11 x y).
void Pattern(Batch<double>* a, Batch<double>* b) {
  *a = Batch<double>(Shape{1, 1, 23, 29});
  *b = Batch<double>(Shape{1, 1, 23, 29});
  for (int y = 0; y < 23; ++y)
    for (int x = 0; x < 29; ++x) {
      a->at(0, 0, y, x) = 0.5 + 0.4 * std::sin(0.3 * x + 0.2 * y);
      b->at(0, 0, y, x) =
          a->at(0, 0, y, x) + 0.1 * std::cos(0.7 * x - 0.45 * y) + 0.05 * std::sin(0.11 * x * y);
    }
}

}  // namespace

class TestSsim : public QObject {
  Q_OBJECT

 private slots:
  void isOneForEqualImages() {
    const Batch<float> a = test::RandomData<float>(Shape{2, 3, 16, 20}, 3, 0.0, 1.0);
    QCOMPARE(Ssim(a, a, 1), 1.0);
  }

  void agreesWithTheDefinitionOnEveryChannel() {
    const Batch<double> a = test::RandomData<double>(Shape{1, 2, 19, 24}, 5, 0.0, 1.0);
    Batch<double> b = a;
    const Batch<double> noise = test::RandomData<double>(a.shape(), 6, -0.2, 0.2);
    for (std::size_t k = 0; k < b.size(); ++k)
      b.data()[k] += noise.data()[k];
    const double want = (DirectSsim(a, b, 0) + DirectSsim(a, b, 1)) / 2;
    QVERIFY(want < 0.95);
    QVERIFY(std::abs(Ssim(a, b, 0) - want) <= 1e-12);
    QVERIFY(std::abs(Ssim(b, a, 0) - want) <= 1e-12);  // symmetric
  }

  // skimage.metrics.structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
  // use_sample_covariance=False, data_range=1.0) in float64 (scikit-image 0.19, Debian 12) on
  // Pattern's images: its mean over the positions 5 away from the edges is the same index.
  void agreesWithScikitImage() {
    Batch<double> a, b;
    Pattern(&a, &b);
    const double got = Ssim(a, b, 0);
    QVERIFY2(std::abs(got - kScikitImage) <= 1e-9, QByteArray::number(got, 'g', 17).constData());
  }

  void isNotDefinedBelowTheWindow() {
    const Batch<float> a = test::RandomData<float>(Shape{1, 1, 10, 40}, 3, 0.0, 1.0);
    QVERIFY(std::isnan(Ssim(a, a, 0)));
  }

 private:
  static constexpr double kScikitImage = 0.8437784483526921;
};

}  // namespace bilevel

QTEST_GUILESS_MAIN(bilevel::TestSsim)
#include "test_ssim.moc"
