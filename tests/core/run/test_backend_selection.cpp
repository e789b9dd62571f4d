// Backend selection: "cpu" forces the CPU; "auto" takes the GPU when a device is present and its
// start-up self-check passes, and says why when it stays on the CPU after a failed check; "cuda"
// takes the GPU for every regularizer type, and without a device falls back to the CPU with a
// warning when allow_cpu_fallback is set and is refused otherwise. Processes of one machine take
// devices by their local rank. The expectations follow QueryCudaDevice(), so the suite passes
// with and without a GPU; the decisions themselves are checked on described devices.
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

  // Here: "auto" takes the GPU exactly where one is usable and passes the self-check.
  void autoTakesAUsableGpu() {
    std::string backend;
    std::vector<std::string> warnings;
    QVERIFY(SelectBackend(TinyConfig(DevicePreference::kAuto, false), &backend, &warnings).ok());
    const bool gpu = GpuUsable() && RunCudaSelfCheck().passed;
    QVERIFY2(StartsWith(backend, gpu ? "GPU: " : "CPU"), backend.c_str());
    if (!GpuUsable()) QVERIFY2(warnings.empty(), "no GPU: auto says nothing");
  }

  // The decisions on described devices: "auto" runs the self-check only on a usable device, takes
  // it when the check passes, and stays on the CPU with the check's reason when it fails.
  void autoFollowsTheSelfCheck() {
    CudaDeviceInfo device;
    device.built = device.available = true;
    device.count = 2;
    device.index = 1;
    device.name = "Test GPU";
    int checks = 0;
    const auto pass = [&](int index) {
      ++checks;
      CudaSelfCheck c;
      c.passed = index == 1;
      c.message = c.passed ? "24 operations agree with the CPU" : "wrong device";
      return c;
    };
    DeviceChoice choice;
    QVERIFY(ChooseDevice(DevicePreference::kAuto, false, device, pass, &choice).ok());
    QVERIFY(choice.gpu);
    QCOMPARE(choice.device, 1);
    QCOMPARE(choice.backend, std::string("GPU: Test GPU"));
    QVERIFY(choice.warnings.empty());

    const auto fail = [&](int) {
      ++checks;
      CudaSelfCheck c;
      c.message = "correlation (zero boundary) differs from the CPU by 0.5 (relative)";
      return c;
    };
    QVERIFY(ChooseDevice(DevicePreference::kAuto, false, device, fail, &choice).ok());
    QVERIFY(!choice.gpu);
    QVERIFY2(StartsWith(choice.backend, "CPU"), choice.backend.c_str());
    QCOMPARE(int(choice.warnings.size()), 1);
    QVERIFY2(AnyContains(choice.warnings, "self-check") &&
                 AnyContains(choice.warnings, "differs from the CPU by 0.5") &&
                 AnyContains(choice.warnings, "running on the CPU"),
             choice.warnings.front().c_str());

    // "cuda" asks for the device without a self-check; no device: no check at all.
    QCOMPARE(checks, 2);
    QVERIFY(ChooseDevice(DevicePreference::kCuda, false, device, fail, &choice).ok());
    QVERIFY(choice.gpu);
    device.available = false;
    device.message = "no CUDA device found";
    QVERIFY(ChooseDevice(DevicePreference::kAuto, false, device, fail, &choice).ok());
    QVERIFY(!choice.gpu && choice.warnings.empty());
    QCOMPARE(checks, 2);
  }

  // Processes of one machine share its devices by local rank.
  void localRanksShareTheDevices() {
    QCOMPARE(DeviceIndexForLocalRank(0, 4), 0);
    QCOMPARE(DeviceIndexForLocalRank(5, 4), 1);
    QCOMPARE(DeviceIndexForLocalRank(3, 1), 0);
    QCOMPARE(DeviceIndexForLocalRank(2, 0), 0);
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
    const bool gpu =
        GpuUsable() && (preference == DevicePreference::kCuda ||
                        (preference == DevicePreference::kAuto && RunCudaSelfCheck().passed));
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
