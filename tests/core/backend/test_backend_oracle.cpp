// The image-problem oracle with its regularizer, solvers and forward operator on the body
// launches in the host loop (the sequence of launches the CUDA backend makes on a device), in
// batches of that backend's memory, against the same oracle on the CPU (oracle_parity.h): every
// regularizer type under every forward operator.
#include <QTest>

#include "backend/body_ops.h"
#include "oracle_parity.h"

namespace bilevel {

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
};

}  // namespace bilevel

QTEST_GUILESS_MAIN(bilevel::TestBackendOracle)
#include "test_backend_oracle.moc"
