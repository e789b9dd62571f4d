// Backend selection: "cpu" forces the CPU; "auto" takes the GPU when the build has the CUDA
// engine and a device is present; "cuda" without a device falls back to the CPU with a warning
// when allow_cpu_fallback is set and is refused otherwise. The expectations follow
// QueryCudaDevice(), so the suite passes with and without a GPU.
#include <QTest>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "bilevel/backend_info.h"
#include "bilevel/prepared_run.h"
#include "regularizers/foe.h"

using namespace bilevel;

namespace {

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

bool AnyContains(const std::vector<std::string>& lines, const std::string& needle) {
  for (const std::string& l : lines)
    if (l.find(needle) != std::string::npos) return true;
  return false;
}

bool GpuUsable() {
  const CudaDeviceInfo info = QueryCudaDevice();
  return info.built && info.available;
}

// A small grey denoising problem on the embedded images.
TrainingConfig TinyConfig(DevicePreference device, bool fallback) {
  TrainingConfig c;
  c.name = "selection-test";
  c.dataset.color = ColorMode::kGrey;
  c.dataset.patch_size = 16;
  c.dataset.patches_per_image = 1;
  c.dataset.max_train_patches = 3;
  c.dataset.max_test_patches = 2;
  c.regularizer = FoeSettings(FoeConfig{1, 2, 3, Boundary::kReflect101});
  c.knobs.batch_size = 2;
  c.trainer.budget.iterations = 1;
  c.backend.device = device;
  c.backend.allow_cpu_fallback = fallback;
  return c;
}

}  // namespace

class BackendSelectionTest : public QObject {
  Q_OBJECT

 private slots:
  void cpuIsForced() {
    std::string backend;
    std::vector<std::string> warnings;
    QVERIFY(SelectBackend(TinyConfig(DevicePreference::kCpu, false), &backend, &warnings).ok());
    QVERIFY2(StartsWith(backend, "CPU"), backend.c_str());
    QVERIFY(warnings.empty());
  }

  // The self-check passes where a device is usable, and otherwise says why it did not run.
  void selfCheckPassesOrSaysWhy() {
    const CudaSelfCheck check = RunCudaSelfCheck();
    if (GpuUsable()) {
      QVERIFY2(check.passed, check.message.c_str());
      QVERIFY(check.operations >= 15);
    } else {
      QVERIFY(!check.passed);
      QCOMPARE(check.operations, 0);
      QVERIFY2(!check.message.empty(), "a self-check that did not run says why");
    }
  }

  // The GPU engine is opt-in ("cuda") until it has passed its parity suite on a device.
  void autoStaysOnTheCpu() {
    std::string backend;
    std::vector<std::string> warnings;
    QVERIFY(SelectBackend(TinyConfig(DevicePreference::kAuto, false), &backend, &warnings).ok());
    QVERIFY2(StartsWith(backend, "CPU"), backend.c_str());
    QVERIFY2(warnings.empty(), "auto never warns");
  }

  void cudaFallsBackWithAWarning() {
    std::string backend;
    std::vector<std::string> warnings;
    QVERIFY(SelectBackend(TinyConfig(DevicePreference::kCuda, true), &backend, &warnings).ok());
    if (GpuUsable()) {
      QVERIFY2(StartsWith(backend, "GPU: "), backend.c_str());
      QVERIFY(warnings.empty());
    } else {
      QVERIFY2(StartsWith(backend, "CPU"), backend.c_str());
      QCOMPARE(int(warnings.size()), 1);
      QVERIFY2(AnyContains(warnings, "\"cuda\""), warnings.front().c_str());
      QVERIFY2(AnyContains(warnings, "running on the CPU"), warnings.front().c_str());
    }
  }

  void cudaWithoutFallbackIsRefused() {
    std::string backend;
    std::vector<std::string> warnings;
    const Status s = SelectBackend(TinyConfig(DevicePreference::kCuda, false), &backend, &warnings);
    if (GpuUsable()) {
      QVERIFY2(s.ok(), s.message().c_str());
      QVERIFY2(StartsWith(backend, "GPU: "), backend.c_str());
    } else {
      QVERIFY(!s.ok());
      QVERIFY2(s.message().find("cuda") != std::string::npos, s.message().c_str());
      QVERIFY2(s.message().find("allow_cpu_fallback") != std::string::npos, s.message().c_str());
    }
  }

  // A whole prepared: the oracle and prepared.backend agree on where the engine runs.
  void preparedRunReportsItsBackend_data() {
    QTest::addColumn<int>("device");
    QTest::addColumn<bool>("fallback");
    QTest::newRow("cpu") << int(DevicePreference::kCpu) << false;
    QTest::newRow("auto") << int(DevicePreference::kAuto) << false;
    QTest::newRow("cuda with fallback") << int(DevicePreference::kCuda) << true;
    QTest::newRow("cuda without fallback") << int(DevicePreference::kCuda) << false;
  }
  void preparedRunReportsItsBackend() {
    QFETCH(int, device);
    QFETCH(bool, fallback);
    const auto preference = DevicePreference(device);
    PreparedRun prepared;
    const Status s = PrepareRun(TinyConfig(preference, fallback), {}, &prepared);
    const bool gpu = GpuUsable() && preference == DevicePreference::kCuda;
    if (preference == DevicePreference::kCuda && !fallback && !GpuUsable()) {
      QVERIFY(!s.ok());
      QVERIFY(!s.message().empty());
      return;
    }
    QVERIFY2(s.ok(), s.message().c_str());
    QVERIFY(prepared.oracle);
    QCOMPARE(prepared.backend, prepared.oracle->backendName());
    QVERIFY2(StartsWith(prepared.backend, gpu ? "GPU: " : "CPU"), prepared.backend.c_str());
    const bool warned = AnyContains(prepared.warnings, "running on the CPU");
    QCOMPARE(warned, preference == DevicePreference::kCuda && !GpuUsable());
    // The engine works wherever it runs.
    OracleRequest request;
    request.images = {0, 1};
    request.epsilon = request.delta = 1e-2;
    const OracleResult r = prepared.oracle->evaluate(prepared.oracle->initialParameters(), request);
    QVERIFY2(r.ok(), r.message.c_str());
    QCOMPARE(int(r.gradient.size()), prepared.oracle->parameterCount());
    // Test PSNR: measured; NaN without a reason when cancelled; NaN with one when it fails.
    const Eigen::VectorXd theta = prepared.oracle->initialParameters();
    std::string failure;
    QVERIFY(std::isfinite(prepared.oracle->testPsnr(theta, 1e-2, {}, &failure)));
    QVERIFY2(failure.empty(), failure.c_str());
    QVERIFY(std::isnan(prepared.oracle->testPsnr(
        theta, 1e-2, [] { return false; }, &failure)));
    QVERIFY2(failure.empty(), failure.c_str());
    Eigen::VectorXd broken = theta;
    broken[0] = std::numeric_limits<double>::infinity();
    QVERIFY(std::isnan(prepared.oracle->testPsnr(broken, 1e-2, {}, &failure)));
    QCOMPARE(failure, std::string("the parameters are not finite"));
    // Malformed batches are refused with the same words on every backend.
    for (const auto& [images, words] :
         {std::pair<std::vector<int>, std::string>{{0, 1, 0}, "training image 0 appears twice"},
          {{1, 99}, "training image index 99 out of range"}}) {
      request.images = images;
      const OracleResult bad =
          prepared.oracle->evaluate(prepared.oracle->initialParameters(), request);
      QVERIFY(!bad.ok());
      QVERIFY2(bad.message.find(words) != std::string::npos, bad.message.c_str());
    }
  }
};

QTEST_GUILESS_MAIN(BackendSelectionTest)
#include "test_backend_selection.moc"
