// The classical baselines: each improves on the measurement where it should, Wiener inverts a
// noiseless blur in the interior, tuning returns the best grid point, and misuse is refused.
#include <QTest>

#include "bilevel/baselines.h"
#include "bilevel/metrics.h"
#include "data/synthetic.h"

using namespace bilevel;

namespace {

double MeanPsnr(const Batch<float>& x, const Batch<float>& clean) {
  double total = 0;
  for (int i = 0; i < x.n(); ++i)
    total += Psnr(x, clean, i);
  return total / x.n();
}

std::unique_ptr<GaussianBlurOperator<float>> Blur(Shape shape) {
  Status s;
  auto op = GaussianBlurOperator<float>::Create(shape, GaussianBlurOptions{7, 2.0}, &s);
  if (!s.ok()) qFatal("%s", s.message().c_str());
  return op;
}

}  // namespace

class BaselinesTest : public QObject {
  Q_OBJECT

 private slots:
  void nonLocalMeansDenoises() {
    const Shape shape{3, 3, 48, 48};
    const Batch<float> clean = SyntheticImages<float>(shape, 5);
    Batch<float> noisy = clean;
    AddGaussianNoise(noisy, 25.0, 6);
    IdentityOperator<float> id(shape);
    Batch<float> x;
    QVERIFY(RunBaseline(BaselineKind::kNonLocalMeans, 20.0, id, noisy, &x).ok());
    QCOMPARE(x.shape(), shape);
    QVERIFY2(MeanPsnr(x, clean) > MeanPsnr(noisy, clean) + 2.0,
             qPrintable(QString("%1 vs %2").arg(MeanPsnr(x, clean)).arg(MeanPsnr(noisy, clean))));
  }

  // Without noise, Wiener with a small noise-to-signal ratio undoes much of the blur over the
  // whole image (the mirrored periodic model matches the reflect-101 blur exactly).
  void wienerSharpensANoiselessBlur() {
    const Shape shape{1, 3, 64, 64};
    const Batch<float> clean = SyntheticImages<float>(shape, 2);
    auto op = Blur(shape);
    Batch<float> blurred;
    ApplyToBatch(*op, clean, blurred);
    Batch<float> sharp, soft;
    QVERIFY(RunBaseline(BaselineKind::kWiener, 1e-4, *op, blurred, &sharp).ok());
    QVERIFY(RunBaseline(BaselineKind::kWiener, 1e-1, *op, blurred, &soft).ok());
    const double before = MeanPsnr(blurred, clean);
    QVERIFY2(MeanPsnr(sharp, clean) > before + 5.0,
             qPrintable(QString("%1 vs %2").arg(MeanPsnr(sharp, clean)).arg(before)));
    QVERIFY(MeanPsnr(sharp, clean) > MeanPsnr(soft, clean));
  }

  void richardsonLucyAndWienerImproveANoisyBlur() {
    const Shape shape{2, 3, 64, 64};
    const Batch<float> clean = SyntheticImages<float>(shape, 9);
    auto op = Blur(shape);
    Batch<float> y;
    ApplyToBatch(*op, clean, y);
    AddGaussianNoise(y, 5.0, 3);
    for (BaselineKind kind : {BaselineKind::kWiener, BaselineKind::kRichardsonLucy}) {
      BaselineTuning tuning;
      QVERIFY(TuneBaseline(kind, *op, y, clean, &tuning).ok());
      QVERIFY2(tuning.psnr > MeanPsnr(y, clean) + 0.5, ToString(kind));
      // The chosen parameter is the grid's best, and running it reproduces its PSNR.
      QCOMPARE(tuning.psnr, *std::max_element(tuning.grid_psnr.begin(), tuning.grid_psnr.end()));
      Batch<float> x;
      QVERIFY(RunBaseline(kind, tuning.parameter, *op, y, &x).ok());
      QCOMPARE(MeanPsnr(x, clean), tuning.psnr);
    }
  }

  // Telea fills the missing pixels from their neighbours (better than leaving them black) and
  // keeps the observed ones.
  void teleaInpaints() {
    const Shape shape{2, 3, 48, 48};
    const Batch<float> clean = SyntheticImages<float>(shape, 4);
    InpaintingOperator<float> op(InpaintingOperator<float>::RandomMasks(shape, 0.6, 8));
    Batch<float> y;
    ApplyToBatch(op, clean, y);
    BaselineTuning tuning;
    QVERIFY(TuneBaseline(BaselineKind::kTelea, op, y, clean, &tuning).ok());
    QVERIFY2(tuning.psnr > MeanPsnr(y, clean) + 5.0,
             qPrintable(QString("%1 vs %2").arg(tuning.psnr).arg(MeanPsnr(y, clean))));
    Batch<float> x;
    QVERIFY(RunBaseline(BaselineKind::kTelea, 3, op, y, &x).ok());
    for (std::size_t p = 0; p < x.size(); ++p)
      if (op.masks().data()[p] > 0.5f) QVERIFY(std::abs(x.data()[p] - y.data()[p]) <= 0.6f / 255);
    IdentityOperator<float> id(shape);
    QVERIFY(!RunBaseline(BaselineKind::kTelea, 3, id, y, &x).ok());  // no mask
    QCOMPARE(BaselineKindFromString("telea").value(), BaselineKind::kTelea);
  }

  void misuseIsRefused() {
    const Shape shape{1, 3, 16, 16};
    IdentityOperator<float> id(shape);
    Batch<float> y(shape, 0.5f), x;
    QVERIFY(!RunBaseline(BaselineKind::kWiener, 0.01, id, y, &x).ok());  // not a blur
    QVERIFY(!RunBaseline(BaselineKind::kRichardsonLucy, 5, id, y, &x).ok());
    QVERIFY(!RunBaseline(BaselineKind::kNonLocalMeans, -1, id, y, &x).ok());
    QVERIFY(!RunBaseline(BaselineKind::kNonLocalMeans, 10, id, Batch<float>(), &x).ok());
    QCOMPARE(BaselineKindFromString("rl").value(), BaselineKind::kRichardsonLucy);
    QVERIFY(!BaselineKindFromString("bm3d").has_value());
  }
};

QTEST_APPLESS_MAIN(BaselinesTest)
#include "test_baselines.moc"
