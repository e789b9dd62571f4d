// The classical baselines: each improves on the measurement where it should, Wiener inverts a
// noiseless blur in the interior, tuning returns the best grid point, and misuse is refused.
#include <QTest>
#include <cmath>

#include "bilevel/baselines.h"
#include "bilevel/metrics.h"
#include "bilevel/regularizer_registry.h"
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

  // On a set of whole images the baseline meets the same measurements as a learned regularizer
  // (EvaluateSet), and its scores are those of RunBaseline on them.
  void aSetIsScoredAsForARegularizer() {
    std::vector<NamedImage> images;
    for (unsigned k = 0; k < 3; ++k) {
      const Shape shape = k == 2 ? Shape{1, 1, 40, 56} : Shape{1, 1, 48, 48};
      images.push_back({"image" + std::to_string(k), SyntheticImages<float>(shape, 10 + k)});
    }
    SetEvaluationOptions options;
    options.problem.noise_sigma = 25.0;
    options.problem.seed = 3;
    Batch<float> measured1;  // image 1's measurement, as the set saw it
    options.reconstructed = [&](int i, const Batch<float>&, const Batch<float>& y) {
      if (i == 1) measured1 = y;
    };
    SetScores scores;
    QVERIFY(EvaluateBaselineSet(BaselineKind::kNonLocalMeans, 20.0, images, options, &scores).ok());
    QCOMPARE(int(scores.images.size()), 3);
    QCOMPARE(scores.images[2].name, std::string("image2"));
    Batch<float> direct;
    IdentityOperator<float> id(measured1.shape());
    QVERIFY(RunBaseline(BaselineKind::kNonLocalMeans, 20.0, id, measured1, &direct).ok());
    QCOMPARE(scores.images[1].psnr, Psnr(direct, images[1].image, 0));
    double mean = 0;
    for (const ImageScore& s : scores.images) {
      QVERIFY(s.converged && s.psnr > s.measured_psnr + 2.0);
      mean += s.psnr / 3.0;
    }
    QVERIFY(std::abs(scores.mean_psnr - mean) < 1e-9);

    // A learned regularizer on the same set meets the same noisy images.
    RegularizerSettings tv = DefaultRegularizerSettings();
    QVERIFY(SwitchRegularizerType(tv, "total_variation", &tv).ok());
    tv.set("regularizer.channels", 1LL);
    std::unique_ptr<Regularizer<double>> reg;
    QVERIFY(CreateRegularizer(tv, &reg).ok());
    options.reconstructed = {};
    options.solve.fista.tolerance = 1e-2;
    SetScores learned;
    QVERIFY(EvaluateSet(tv, reg->initialParameters(), images, options, &learned).ok());
    for (int k = 0; k < 3; ++k)
      QCOMPARE(learned.images[std::size_t(k)].measured_psnr,
               scores.images[std::size_t(k)].measured_psnr);
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
