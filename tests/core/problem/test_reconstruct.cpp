// Reconstruct (bilevel/reconstruct.h): the one reconstruction the CLI's apply, the Apply dialog
// and the previews share. It denoises and inpaints with every built-in regularizer, reports its
// solver steps, stops when cancelled, says where it ran, and rejects bad input with a message.
// The GPU path is compared with the CPU in tests/core/cuda/test_cuda_reconstruct.cpp.
#include <QTest>

#include <random>
#include <string>

#include "bilevel/backend_info.h"
#include "bilevel/metrics.h"
#include "bilevel/reconstruct.h"
#include "bilevel/regularizer_registry.h"
#include "data/synthetic.h"
#include "test_support.h"

using namespace bilevel;

namespace {

// A smooth grey test image and its noisy measurement (sigma 0.1).
struct Scene {
  Batch<float> clean, measured;
};

Scene MakeScene(unsigned seed) {
  Scene s;
  s.clean = Batch<float>(Shape{1, 1, 24, 28});
  for (int y = 0; y < 24; ++y)
    for (int x = 0; x < 28; ++x)
      s.clean.data()[y * 28 + x] = (x < 14 ? 0.25f : 0.75f) + 0.01f * float(y % 3);
  s.measured = s.clean;
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.1f);
  for (float& v : s.measured.values())
    v += noise(rng);
  return s;
}

// Grey settings of a type with its initial parameters.
void Model(const std::string& type, RegularizerSettings* settings, Eigen::VectorXd* theta) {
  *settings = DefaultRegularizerSettings(type);
  settings->set("regularizer.channels", 1LL);
  std::unique_ptr<Regularizer<double>> reg;
  const Status s = CreateRegularizer(*settings, &reg);
  QVERIFY2(s.ok(), s.message().c_str());
  *theta = reg->initialParameters();
}

bool Has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

}  // namespace

class ReconstructTest : public QObject {
  Q_OBJECT

 private slots:
  void solvesWithEveryType_data() {
    QTest::addColumn<QString>("type");
    for (const std::string& t : RegularizerTypeNames())
      QTest::newRow(t.c_str()) << QString::fromStdString(t);
  }
  // Every type's lower-level problem is solved to the tolerance on the CPU, and its initial
  // parameters do not make the image worse by more than noise would (the models are untrained:
  // only TV's initial weights are meant to denoise, checked below).
  void solvesWithEveryType() {
    QFETCH(QString, type);
    RegularizerSettings settings;
    Eigen::VectorXd theta;
    Model(type.toStdString(), &settings, &theta);
    const Scene scene = MakeScene(3);
    IdentityOperator<float> op(scene.measured.shape());
    ReconstructOptions options;
    options.device = DevicePreference::kCpu;
    options.fista.max_iterations = 300;
    const ReconstructResult r = Reconstruct(settings, theta, op, scene.measured, options);
    QVERIFY2(r.status.ok(), r.status.message().c_str());
    QVERIFY2(r.backend.rfind("CPU", 0) == 0, r.backend.c_str());
    QVERIFY(r.warnings.empty());
    QCOMPARE(r.x.shape(), scene.measured.shape());
    QVERIFY(r.x.allFinite());
    QCOMPARE(int(r.summary.status), int(SolverStatus::kConverged));
    QVERIFY(r.summary.images[0].residual <= options.fista.tolerance);
    const double before = Psnr(scene.measured, scene.clean, 0);
    const double after = Psnr(r.x, scene.clean, 0);
    QVERIFY2(after > before - 1.0, qPrintable(QString("%1 -> %2 dB").arg(before).arg(after)));
    if (type == "total_variation")
      QVERIFY2(after > before + 1.0, qPrintable(QString("%1 -> %2 dB").arg(before).arg(after)));
  }

  // Inpainting keeps the observed pixels close to their measurement and fills the others.
  void inpaints() {
    RegularizerSettings settings;
    Eigen::VectorXd theta;
    Model("total_variation", &settings, &theta);
    const Scene scene = MakeScene(4);
    Batch<float> masks = InpaintingOperator<float>::RandomMasks(scene.clean.shape(), 0.6, 9);
    InpaintingOperator<float> op(masks);
    Batch<float> y(scene.clean.shape());
    ApplyToBatch(op, scene.clean, y);
    ReconstructOptions options;
    options.device = DevicePreference::kCpu;
    const ReconstructResult r = Reconstruct(settings, theta, op, y, options);
    QVERIFY2(r.status.ok(), r.status.message().c_str());
    QVERIFY(Psnr(r.x, scene.clean, 0) > Psnr(y, scene.clean, 0) + 3.0);
  }

  // progress sees every step, numbered from 0; cancelling ends with "cancelled".
  void reportsProgressAndCancels() {
    RegularizerSettings settings;
    Eigen::VectorXd theta;
    Model("field_of_experts", &settings, &theta);
    const Scene scene = MakeScene(5);
    IdentityOperator<float> op(scene.measured.shape());
    ReconstructOptions options;
    options.device = DevicePreference::kCpu;
    options.fista.tolerance = 1e-5;
    options.fista.max_iterations = 40;
    int calls = 0, last = -1;
    bool ordered = true;
    options.progress = [&](int steps) {
      ordered = ordered && steps == last + 1;
      last = steps;
      ++calls;
    };
    std::vector<double> residuals;
    options.residual = [&](double r) { residuals.push_back(r); };
    const ReconstructResult r = Reconstruct(settings, theta, op, scene.measured, options);
    QVERIFY2(r.status.ok(), r.status.message().c_str());
    QVERIFY(ordered);
    // One residual per FISTA iteration, the last one the image's reported ||grad h||.
    QCOMPARE(int(residuals.size()), r.summary.images[0].iterations);
    QCOMPARE(residuals.back(), r.summary.images[0].residual);
    QVERIFY(residuals.back() < 0.1 * residuals.front());
    QVERIFY2(
        calls >= r.summary.images[0].iterations,
        qPrintable(
            QString("%1 calls, %2 iterations").arg(calls).arg(r.summary.images[0].iterations)));

    int asked = 0;
    options.fista.keep_going = [&] { return ++asked < 5; };
    const ReconstructResult cancelled = Reconstruct(settings, theta, op, scene.measured, options);
    QVERIFY(!cancelled.status.ok());
    QVERIFY2(Has(cancelled.status.message(), "cancelled"), cancelled.status.message().c_str());
    QVERIFY(cancelled.x.empty());
  }

  // "cuda" where the GPU cannot run the model: refused without fallback, the CPU with a warning.
  void saysWhereItRan() {
    RegularizerSettings settings;
    Eigen::VectorXd theta;
    Model("total_variation", &settings, &theta);
    const Scene scene = MakeScene(6);
    IdentityOperator<float> op(scene.measured.shape());
    ReconstructOptions options;
    options.device = DevicePreference::kCuda;
    options.allow_cpu_fallback = false;
    const ReconstructResult refused = Reconstruct(settings, theta, op, scene.measured, options);
    QVERIFY(!refused.status.ok());
    QVERIFY2(Has(refused.status.message(), "cuda"), refused.status.message().c_str());
    options.allow_cpu_fallback = true;
    const ReconstructResult r = Reconstruct(settings, theta, op, scene.measured, options);
    QVERIFY2(r.status.ok(), r.status.message().c_str());
    QVERIFY2(r.backend.rfind("CPU", 0) == 0, r.backend.c_str());
    QCOMPARE(int(r.warnings.size()), 1);
    QVERIFY2(Has(r.warnings[0], "running on the CPU"), r.warnings[0].c_str());
  }

  void rejectsBadInput() {
    RegularizerSettings settings;
    Eigen::VectorXd theta;
    Model("field_of_experts", &settings, &theta);
    const Scene scene = MakeScene(7);
    IdentityOperator<float> op(scene.measured.shape());
    ReconstructOptions options;
    options.device = DevicePreference::kCpu;

    Batch<float> nan = scene.measured;
    nan.data()[5] = std::numeric_limits<float>::quiet_NaN();
    ReconstructResult r = Reconstruct(settings, theta, op, nan, options);
    QVERIFY2(Has(r.status.message(), "not finite"), r.status.message().c_str());

    IdentityOperator<float> wrong(Shape{1, 1, 8, 8});
    r = Reconstruct(settings, theta, wrong, scene.measured, options);
    QVERIFY(!r.status.ok());

    Eigen::VectorXd short_theta = theta.head(theta.size() - 1);
    r = Reconstruct(settings, short_theta, op, scene.measured, options);
    QVERIFY(!r.status.ok());

    Batch<float> colour(Shape{1, 3, 24, 28}, 0.5f);
    IdentityOperator<float> colour_op(colour.shape());
    r = Reconstruct(settings, theta, colour_op, colour, options);
    QVERIFY2(!r.status.ok(), "a grey model on a colour image");

    options.mu0 = -1.0;
    r = Reconstruct(settings, theta, op, scene.measured, options);
    QVERIFY2(Has(r.status.message(), "mu0"), r.status.message().c_str());
  }
};

QTEST_GUILESS_MAIN(ReconstructTest)
#include "test_reconstruct.moc"
