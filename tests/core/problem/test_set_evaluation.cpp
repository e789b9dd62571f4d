// EvaluateSet (bilevel/set_evaluation.h): whole images of mixed sizes scored by PSNR and SSIM,
// each exactly as a reconstruction of it alone from its own seeded measurement, in the order
// given, with the iteration limit, cancellation and a wrong colour mode reported.
#include <QTest>

#include <cmath>
#include <string>

#include "bilevel/metrics.h"
#include "bilevel/regularizer_registry.h"
#include "bilevel/set_evaluation.h"
#include "test_support.h"

namespace bilevel {
namespace {

// Grey images of two sizes, interleaved, with a little structure for the regularizer.
std::vector<NamedImage> Images() {
  std::vector<NamedImage> images;
  const Shape shapes[] = {{1, 1, 20, 24}, {1, 1, 18, 18}, {1, 1, 20, 24}};
  for (int k = 0; k < 3; ++k) {
    Batch<float> image = test::RandomData<float>(shapes[k], 40 + k, 0.3, 0.5);
    for (int y = 0; y < image.h(); ++y)
      for (int x = image.w() / 2; x < image.w(); ++x)
        image.at(0, 0, y, x) += 0.3f;
    images.push_back({"image" + std::to_string(k) + ".png", image});
  }
  return images;
}

SetEvaluationOptions Options() {
  SetEvaluationOptions options;
  options.problem.noise_sigma = 25.0;
  options.problem.seed = 7;
  options.solve.fista.tolerance = 1e-4;
  options.solve.reference_side = 0;
  options.solve.device = DevicePreference::kCpu;
  return options;
}

void Model(RegularizerSettings* settings, Eigen::VectorXd* theta) {
  *settings = DefaultRegularizerSettings("total_variation");
  settings->set("regularizer.channels", 1LL);
  std::unique_ptr<Regularizer<double>> reg;
  QVERIFY(CreateRegularizer(*settings, &reg).ok());
  *theta = reg->initialParameters();
}

}  // namespace

class TestSetEvaluation : public QObject {
  Q_OBJECT

 private slots:
  void scoresEachImageAsIfItWereAlone() {
    RegularizerSettings settings;
    Eigen::VectorXd theta;
    Model(&settings, &theta);
    const std::vector<NamedImage> images = Images();
    SetEvaluationOptions options = Options();
    std::vector<int> seen;
    std::vector<double> measured_psnr(3, 0.0);
    options.reconstructed = [&](int i, const Batch<float>& x, const Batch<float>& y) {
      seen.push_back(i);
      QVERIFY(y.shape() == x.shape());
      measured_psnr[std::size_t(i)] = Psnr(y, images[std::size_t(i)].image, 0);
    };
    SetScores scores;
    const Status s = EvaluateSet(settings, theta, images, options, &scores);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(int(scores.images.size()), 3);
    QCOMPARE(seen, (std::vector<int>{0, 2, 1}));  // the two of one size solved together
    QCOMPARE(scores.unconverged, 0);
    double mean_psnr = 0.0;
    for (int i = 0; i < 3; ++i) {
      const ImageScore& got = scores.images[std::size_t(i)];
      QCOMPARE(got.name, images[std::size_t(i)].name);
      // Image i alone, from its own seed.
      Dataset single;
      single.train = images[std::size_t(i)].image;
      ProblemOptions problem = options.problem;
      problem.seed = 7 + unsigned(i);
      ProblemData data;
      QVERIFY(MakeProblem(problem, single, &data).ok());
      const ReconstructResult alone =
          Reconstruct(settings, theta, *data.train_op, data.train_measured, options.solve);
      QVERIFY2(alone.status.ok(), alone.status.message().c_str());
      QCOMPARE(got.iterations, alone.summary.images[0].iterations);
      QCOMPARE(got.psnr, Psnr(alone.x, single.train, 0));
      QCOMPARE(got.ssim, Ssim(alone.x, single.train, 0));
      QCOMPARE(got.measured_psnr, Psnr(data.train_measured, single.train, 0));
      QCOMPARE(measured_psnr[std::size_t(i)], got.measured_psnr);  // the callback's measurement
      QVERIFY(got.psnr > got.measured_psnr + 1.0);
      QVERIFY(got.ssim > 0.0 && got.ssim < 1.0);
      QVERIFY(got.converged && got.residual <= got.tolerance);
      mean_psnr += got.psnr / 3;
    }
    QVERIFY(std::abs(scores.mean_psnr - mean_psnr) <= 1e-12);
    QCOMPARE(scores.backend, CpuBackendDescription());
  }

  // The literature's noise: in floating point, neither rounded to 8 bits nor clipped, so its
  // measurement PSNR is that of the noise itself (sigma 25 on 0-255: 20.17 dB, within the
  // spread of a few hundred pixels).
  void theNoiseIsNeitherRoundedNorClipped() {
    RegularizerSettings settings;
    Eigen::VectorXd theta;
    Model(&settings, &theta);
    std::vector<NamedImage> images{{"black.png", Batch<float>(Shape{1, 1, 40, 40})}};
    SetEvaluationOptions options = Options();
    options.solve.fista.max_iterations = 1;
    SetScores scores;
    QVERIFY(EvaluateSet(settings, theta, images, options, &scores).ok());
    // Clipping at 0 would drop half the noise's energy (3 dB higher).
    QVERIFY2(std::abs(scores.images[0].measured_psnr - 20.17) < 0.5,
             QByteArray::number(scores.images[0].measured_psnr).constData());
  }

  void reportsSolvesThatStopAtTheLimit() {
    RegularizerSettings settings;
    Eigen::VectorXd theta;
    Model(&settings, &theta);
    SetEvaluationOptions options = Options();
    options.solve.fista.max_iterations = 2;
    SetScores scores;
    QVERIFY(EvaluateSet(settings, theta, Images(), options, &scores).ok());
    QCOMPARE(scores.unconverged, 3);
    QVERIFY(!scores.images[1].converged);
    QCOMPARE(scores.images[1].iterations, 2);
    QVERIFY(scores.images[1].residual > scores.images[1].tolerance);
  }

  void failsOnCancelAndOnAWrongColourMode() {
    RegularizerSettings settings;
    Eigen::VectorXd theta;
    Model(&settings, &theta);
    SetEvaluationOptions options = Options();
    options.solve.fista.keep_going = [] { return false; };
    SetScores scores;
    Status s = EvaluateSet(settings, theta, Images(), options, &scores);
    QVERIFY2(!s.ok() && s.message().find("cancelled") != std::string::npos, s.message().c_str());
    QVERIFY(scores.images.empty());

    settings.set("regularizer.channels", 3LL);
    std::unique_ptr<Regularizer<double>> colour;
    QVERIFY(CreateRegularizer(settings, &colour).ok());
    s = EvaluateSet(settings, colour->initialParameters(), Images(), Options(), &scores);
    QVERIFY(!s.ok());
    QVERIFY2(s.message().find("image0.png") == 0, s.message().c_str());
  }
};

}  // namespace bilevel

QTEST_GUILESS_MAIN(bilevel::TestSetEvaluation)
#include "test_set_evaluation.moc"
