// The image-problem oracle with its regularizer, solvers and forward operator on the body
// launches in the host loop (the sequence of launches the CUDA backend makes on a device), in
// batches of that backend's memory, against the same oracle on the CPU (oracle_parity.h): every
// regularizer type under every forward operator. The engine check that "auto" runs on a device
// before taking it passes on these launches and fails on launches that miss an index.
#include <QTest>

#include "backend/body_ops.h"
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
};

}  // namespace bilevel

QTEST_GUILESS_MAIN(bilevel::TestBackendOracle)
#include "test_backend_oracle.moc"
