// The image-problem oracle with its regularizer, solvers and forward operator on the body
// launches in the host loop (the sequence of launches the CUDA backend makes on a device), in
// batches of that backend's memory, against the same oracle on the CPU (oracle_parity.h): every
// regularizer type under every forward operator. The engine check that "auto" runs on a device
// before taking it passes on these launches and fails on launches that miss an index.
#include <QTest>

#include <cmath>
#include <memory>

#include "backend/body_ops.h"
#include "bilevel/backend_info.h"
#include "oracle_parity.h"
#include "problem/engine_check.h"

namespace bilevel {
namespace {

// A device whose launches skip the last column of every grid.
struct ShortDevice : backend::HostLoopDevice {
  template <typename Body>
  void launch(const LaunchGrid& grid, const Body& body) {
    HostLaunch({grid.x > 1 ? grid.x - 1 : grid.x, grid.y, grid.z}, body);
  }
};

// A device that runs out of memory once *full is set, as a GPU does when a run outgrows it.
struct FillingDevice : backend::HostLoopDevice {
  explicit FillingDevice(std::shared_ptr<bool> full) : full(std::move(full)) {}
  bool ok() const { return error_.empty(); }
  std::string error() const { return error_; }
  template <typename U>
  U* allocate(std::size_t count) {
    if (!*full) return HostLoopDevice::allocate<U>(count);
    error_ = "out of memory (allocating " + std::to_string(count * sizeof(U)) + " bytes)";
    return nullptr;
  }
  std::shared_ptr<bool> full;
  std::string error_;
};

OracleDevice Filling(std::shared_ptr<bool> full, bool cpu_on_failure) {
  return {std::make_unique<backend::BodyOps<float, FillingDevice>>("filling", std::move(full)),
          "the device", cpu_on_failure};
}

OracleRequest Request() {
  OracleRequest request;
  request.images = {2, 0, 3};
  request.epsilon = 1e-3;
  request.delta = 1e-3;
  return request;
}

}  // namespace

class TestBackendOracle : public QObject {
  Q_OBJECT

 private slots:
  void agreesWithTheCpu_data() { test::OracleParityRows(); }
  void agreesWithTheCpu() {
    QFETCH(QString, type);
    QFETCH(int, kind);
    const std::string e = test::OracleParity(type.toStdString(), OperatorKind(kind), [] {
      return std::make_unique<backend::BodyOps<float, backend::HostLoopDevice>>("host-loop");
    });
    QVERIFY2(e.empty(), e.c_str());
  }

  void engineCheckPassesOnlyWhereTheEngineAgrees() {
    const std::string good = CheckEngine(
        [] { return std::make_unique<backend::BodyOps<float, backend::HostLoopDevice>>("loop"); });
    QVERIFY2(good.empty(), good.c_str());
    const std::string bad =
        CheckEngine([] { return std::make_unique<backend::BodyOps<float, ShortDevice>>("short"); });
    QVERIFY2(bad.find("differs from the CPU") != std::string::npos, bad.c_str());
  }

  // A device that fills up mid-run: the call is repeated on the CPU from the same warm starts,
  // so it gives the CPU's result bit for bit, and the move is reported once.
  void aFailedDeviceMovesTheOracleToTheCpu() {
    auto full = std::make_shared<bool>(false);
    std::unique_ptr<ImageProblemOracle> cpu, on;
    Eigen::VectorXd theta;
    const std::string e = test::MakeOracles("field_of_experts", OperatorKind::kGaussianBlur,
                                            Filling(full, true), &cpu, &on, &theta);
    QVERIFY2(e.empty(), e.c_str());
    const OracleRequest request = Request();
    QVERIFY(on->takeBackendMove().backend.empty());
    *full = true;
    const OracleResult want = cpu->evaluate(theta, request);
    const OracleResult got = on->evaluate(theta, request);
    QVERIFY2(got.ok(), got.message.c_str());
    QCOMPARE(on->backendName(), CpuBackendDescription());
    const ImageOracle::BackendMove move = on->takeBackendMove();
    QCOMPARE(move.backend, CpuBackendDescription());
    QVERIFY2(move.why.find("the device failed: out of memory") == 0, move.why.c_str());
    QVERIFY2(move.why.find("running on the CPU") != std::string::npos, move.why.c_str());
    QVERIFY(on->takeBackendMove().backend.empty());
    QCOMPARE(got.loss, want.loss);
    QCOMPARE(got.lower_iterations, want.lower_iterations);
    QVERIFY(got.gradient == want.gradient);
    std::vector<float> warm_cpu, warm_on;
    QVERIFY(cpu->warmStarts(&warm_cpu).ok());
    QVERIFY(on->warmStarts(&warm_on).ok());
    QVERIFY(warm_on == warm_cpu);
  }

  void aTestEvaluationMovesToTheCpuToo() {
    auto full = std::make_shared<bool>(true);
    std::unique_ptr<ImageProblemOracle> cpu, on;
    Eigen::VectorXd theta;
    const std::string e = test::MakeOracles("convex_ridge", OperatorKind::kInpainting,
                                            Filling(full, true), &cpu, &on, &theta);
    QVERIFY2(e.empty(), e.c_str());
    std::string failure;
    const double got = on->testPsnr(theta, 1e-3, {}, &failure);
    QVERIFY2(failure.empty(), failure.c_str());
    QCOMPARE(got, cpu->testPsnr(theta, 1e-3, {}, nullptr));
    QCOMPARE(on->takeBackendMove().backend, CpuBackendDescription());
  }

  void withoutTheCpuAllowedAFailedDeviceEndsTheCall() {
    auto full = std::make_shared<bool>(false);
    std::unique_ptr<ImageProblemOracle> cpu, on;
    Eigen::VectorXd theta;
    const std::string e = test::MakeOracles("total_variation", OperatorKind::kIdentity,
                                            Filling(full, false), &cpu, &on, &theta);
    QVERIFY2(e.empty(), e.c_str());
    *full = true;
    const OracleResult got = on->evaluate(theta, Request());
    QCOMPARE(got.status, OracleStatus::kError);
    QVERIFY2(got.message.find("the device failed: out of memory") == 0, got.message.c_str());
    QCOMPARE(on->backendName(), std::string("the device"));
    QVERIFY(on->takeBackendMove().backend.empty());
    std::string failure;
    QVERIFY(std::isnan(on->testPsnr(theta, 1e-3, {}, &failure)));
    QVERIFY2(failure.find("out of memory") != std::string::npos, failure.c_str());
  }
};

}  // namespace bilevel

QTEST_GUILESS_MAIN(bilevel::TestBackendOracle)
#include "test_backend_oracle.moc"
