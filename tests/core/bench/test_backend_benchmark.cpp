// The backend description, CUDA discovery without a device, and the inner-iteration benchmark on a
// tiny problem (its options and that it measures something).
#include <QTest>

#include <cmath>
#include <string>

#include "bilevel/backend_info.h"
#include "bilevel/iteration_timing.h"
#include "bilevel/regularizer_registry.h"
#include "bilevel/thread_pool.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

class BackendBenchmarkTest : public QObject {
  Q_OBJECT

 private slots:
  void cpuDescriptionNamesTheThreads() {
    const int saved = ThreadCount();
    SetThreadCount(3);
    const std::string three = CpuBackendDescription();
    SetThreadCount(1);
    const std::string one = CpuBackendDescription();
    SetThreadCount(saved);
    QVERIFY2(three.find("CPU") != std::string::npos, three.c_str());
    QVERIFY2(three.find("3 threads") != std::string::npos, three.c_str());
    QVERIFY2(one.find("1 thread") != std::string::npos, one.c_str());
  }

  void cudaDeviceInfoIsConsistent() {
    const CudaDeviceInfo info = QueryCudaDevice();
    if (!info.built) QVERIFY2(!info.available, "a device is available in a build without CUDA");
    if (info.available) {
      QVERIFY(info.built);
      QVERIFY(!info.name.empty());
    } else {
      QVERIFY2(!info.message.empty(), "no device and no reason given");
    }
  }

  void benchmarkOptions_data() {
    QTest::addColumn<int>("batch");
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("kernel_size");
    QTest::addColumn<int>("repeats");
    QTest::addColumn<bool>("valid");
    QTest::newRow("defaults") << 8 << 96 << 7 << 20 << true;
    QTest::newRow("no images") << 0 << 96 << 7 << 20 << false;
    QTest::newRow("even kernel") << 8 << 96 << 6 << 20 << false;
    QTest::newRow("image smaller than kernel") << 8 << 5 << 7 << 20 << false;
    QTest::newRow("no repeats") << 8 << 96 << 7 << 0 << false;
    QTest::newRow("the type's kernel size") << 8 << 96 << 0 << 20 << true;
  }
  void benchmarkOptions() {
    QFETCH(int, batch);
    QFETCH(int, size);
    QFETCH(int, kernel_size);
    QFETCH(int, repeats);
    QFETCH(bool, valid);
    BenchmarkOptions o;
    o.batch = batch;
    o.size = size;
    o.kernel_size = kernel_size;
    o.repeats = repeats;
    const Status st = o.validate();
    QCOMPARE(st.ok(), valid);
    if (!valid) QVERIFY(!st.message().empty());
  }

  void tinyBenchmarkMeasures_data() {
    QTest::addColumn<bool>("double_precision");
    QTest::addColumn<QString>("type");
    QTest::newRow("float") << false << "field_of_experts";
    QTest::newRow("double") << true << "field_of_experts";
    QTest::newRow("convex ridge") << false << "convex_ridge";
    QTest::newRow("input convex") << false << "input_convex";
  }
  void tinyBenchmarkMeasures() {
    QFETCH(bool, double_precision);
    QFETCH(QString, type);
    BenchmarkOptions o;
    o.regularizer = type.toStdString();
    o.batch = 2;
    o.size = 24;
    o.kernels = 3;
    o.kernel_size = 5;
    o.repeats = 3;
    o.double_precision = double_precision;
    QVERIFY(o.validate().ok());
    BenchmarkResult r;
    const Status s = RunBenchmark(o, &r);
    QVERIFY2(s.ok(), s.message().c_str());
    QVERIFY2(r.model.rfind(o.regularizer, 0) == 0, r.model.c_str());
    // --kernel-size reaches every type that has the setting.
    if (DefaultRegularizerSettings(o.regularizer).find("regularizer.kernel_size"))
      QVERIFY2(r.model.find("kernel_size 5") != std::string::npos, r.model.c_str());
    for (double ms : {r.lower_level_ms, r.cg_ms, r.mixed_ms})
      QVERIFY2(std::isfinite(ms) && ms > 0.0 && ms < 10000.0,
               qPrintable(QStringLiteral("timing %1 ms").arg(ms)));
    // Whole solver iterations are differences of two solves' medians: finite (on a loaded
    // machine either sign).
    for (double ms : {r.fista_step_ms, r.cg_step_ms})
      QVERIFY2(std::isfinite(ms), qPrintable(QStringLiteral("solver iteration %1 ms").arg(ms)));
    QVERIFY2(r.backend.rfind("CPU", 0) == 0, r.backend.c_str());
    QCOMPARE(r.threads, ThreadCount());
    const std::string report = r.report();
    QVERIFY2(report.find("ms") != std::string::npos, report.c_str());
  }

  void unknownTypeOrTooSmallImagesAreRefused() {
    BenchmarkOptions o;
    o.regularizer = "no_such_model";
    BenchmarkResult r;
    Status s = RunBenchmark(o, &r);
    QVERIFY2(!s.ok() && s.message().find("no_such_model") != std::string::npos,
             s.message().c_str());
    o.regularizer = "convex_ridge";
    o.size = 5;
    s = RunBenchmark(o, &r);
    QVERIFY2(!s.ok() && s.message().find("kernel") != std::string::npos, s.message().c_str());
    o = BenchmarkOptions{};
    o.device = "tpu";
    s = RunBenchmark(o, &r);
    QVERIFY2(!s.ok() && s.message().find("tpu") != std::string::npos, s.message().c_str());
  }

  // On a machine without a usable GPU, --device cuda says why instead of timing the CPU.
  void cudaWithoutADeviceSaysWhy() {
    const CudaDeviceInfo info = QueryCudaDevice();
    if (info.built && info.available) QSKIP("a GPU is present: the device check times it");
    BenchmarkOptions o;
    o.device = "cuda";
    o.batch = 1;
    o.size = 24;
    o.repeats = 1;
    BenchmarkResult r;
    const Status s = RunBenchmark(o, &r);
    QVERIFY(!s.ok());
    QVERIFY2(s.message().find("CUDA") != std::string::npos, s.message().c_str());
  }
};

QTEST_GUILESS_MAIN(BackendBenchmarkTest)
#include "test_backend_benchmark.moc"
