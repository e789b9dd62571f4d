// The thread pool's loop contract and the per-image vector operations the solvers are written
// against, including that inactive images are left alone.
#include <QTest>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "base/batch_ops.h"
#include "bilevel/thread_pool.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

namespace {

bool ImageUnchanged(const Batch<double>& a, const Batch<double>& b, int i) {
  return std::equal(a.image(i), a.image(i) + a.imageSize(), b.image(i));
}

}  // namespace

class ThreadPoolBatchOpsTest : public QObject {
  Q_OBJECT

 private slots:
  void cleanup() { SetThreadCount(4); }

  void parallelForRunsEachIndexOnce_data() {
    QTest::addColumn<int>("threads");
    QTest::addColumn<int>("count");
    for (int threads : {1, 2, 4, 7})
      for (int count : {0, 1, 3, 64, 1000})
        QTest::addRow("%d threads, %d", threads, count) << threads << count;
  }
  void parallelForRunsEachIndexOnce() {
    QFETCH(int, threads);
    QFETCH(int, count);
    SetThreadCount(threads);
    QCOMPARE(ThreadCount(), threads);
    std::unique_ptr<std::atomic<int>[]> hits(new std::atomic<int>[std::size_t(count) + 1]);
    for (int k = 0; k <= count; ++k)
      hits[std::size_t(k)] = 0;
    std::atomic<int> out_of_range{0};
    ParallelFor(count, [&](int k) {
      if (k < 0 || k >= count)
        ++out_of_range;
      else
        ++hits[std::size_t(k)];
    });
    QCOMPARE(out_of_range.load(), 0);
    for (int k = 0; k < count; ++k)
      QVERIFY2(hits[std::size_t(k)].load() == 1,
               qPrintable(QStringLiteral("index %1 ran %2 times").arg(k).arg(hits[k].load())));
  }

  void parallelForIsRepeatable() {
    SetThreadCount(3);
    std::atomic<long> sum{0};
    for (int round = 0; round < 200; ++round)
      ParallelFor(17, [&](int k) { sum += k; });
    QCOMPARE(sum.load(), 200L * (16 * 17 / 2));
  }

  // Workers born by a resize must not count themselves off for loops that ran before them; if
  // they do, a later loop returns early or waits forever (the test then times out).
  void resizeBetweenLoopsKeepsEveryLoopWhole() {
    for (int round = 0; round < 300; ++round) {
      SetThreadCount(2 + round % 4);
      for (int rep = 0; rep < 3; ++rep) {
        std::vector<std::atomic<int>> hits(23);
        for (auto& h : hits)
          h = 0;
        ParallelFor(23, [&](int k) { ++hits[std::size_t(k)]; });
        for (std::size_t k = 0; k < hits.size(); ++k)
          QVERIFY2(hits[k].load() == 1, qPrintable(QStringLiteral("round %1: index %2 ran %3 times")
                                                       .arg(round)
                                                       .arg(k)
                                                       .arg(hits[k].load())));
      }
    }
  }

  void nestedParallelFor() {
    SetThreadCount(4);
    const int outer = 9, inner = 37;
    std::vector<std::atomic<int>> hits(std::size_t(outer) * inner);
    for (auto& h : hits)
      h = 0;
    ParallelFor(outer, [&](int o) {
      ParallelFor(inner, [&](int i) { ++hits[std::size_t(o) * inner + i]; });
    });
    for (std::size_t k = 0; k < hits.size(); ++k)
      QVERIFY2(hits[k].load() == 1,
               qPrintable(QStringLiteral("pair %1 ran %2 times").arg(k).arg(hits[k].load())));
  }

  void parallelForUsesSeveralThreads() {
    SetThreadCount(2);
    std::mutex mutex;
    std::set<std::thread::id> ids;
    ParallelFor(64, [&](int) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      std::lock_guard<std::mutex> lock(mutex);
      ids.insert(std::this_thread::get_id());
    });
    QVERIFY2(ids.size() >= 2, "ParallelFor with 2 threads ran every index on one thread");
    QVERIFY(ids.size() <= 2);

    SetThreadCount(1);
    ids.clear();
    ParallelFor(16, [&](int) {
      std::lock_guard<std::mutex> lock(mutex);
      ids.insert(std::this_thread::get_id());
    });
    QCOMPARE(int(ids.size()), 1);
    QVERIFY(*ids.begin() == std::this_thread::get_id());
  }

  void setThreadCount() {
    SetThreadCount(3);
    QCOMPARE(ThreadCount(), 3);
    SetThreadCount(1);
    QCOMPARE(ThreadCount(), 1);
    SetThreadCount(0);
    QCOMPARE(ThreadCount(), 1);
    SetThreadCount(-5);
    QCOMPARE(ThreadCount(), 1);
    SetThreadCount(6);
    QCOMPARE(ThreadCount(), 6);
  }

  void allImages() {
    QCOMPARE(AllImages(0), std::vector<int>{});
    QCOMPARE(AllImages(4), (std::vector<int>{0, 1, 2, 3}));
  }

  void dotAndNormOnActiveImages() {
    const Shape shape{5, 2, 6, 7};
    const Batch<double> a = RandomData<double>(shape, 1);
    const Batch<double> b = RandomData<double>(shape, 2);
    const std::vector<int> active = {0, 2, 3};
    const double sentinel = -777.0;
    std::vector<double> dots(5, sentinel), norms(5, sentinel);
    Dot(active, a, b, dots);
    Norm(active, a, norms);
    QCOMPARE(int(dots.size()), 5);
    QCOMPARE(int(norms.size()), 5);
    for (int i = 0; i < 5; ++i) {
      const bool on = i == 0 || i == 2 || i == 3;
      if (on) {
        BILEVEL_CHECK_ERROR(RelativeError(dots[i], DotImage(a, b, i)), 1e-13, "Dot");
        BILEVEL_CHECK_ERROR(RelativeError(norms[i], NormImage(a, i)), 1e-13, "Norm");
      } else {
        QCOMPARE(dots[i], sentinel);
        QCOMPARE(norms[i], sentinel);
      }
    }
    // out is resized to the batch size.
    std::vector<double> fresh;
    Dot(AllImages(5), a, b, fresh);
    QCOMPARE(int(fresh.size()), 5);
    std::vector<double> small(2, 0.0);
    Norm(std::vector<int>{4}, a, small);
    QCOMPARE(int(small.size()), 5);
    BILEVEL_CHECK_ERROR(RelativeError(small[4], NormImage(a, 4)), 1e-13, "Norm after resize");

    // Float: accurate to float rounding.
    const Batch<float> af = BatchCast<float>(a), bf = BatchCast<float>(b);
    std::vector<double> dotsf;
    Dot(AllImages(5), af, bf, dotsf);
    for (int i = 0; i < 5; ++i)
      BILEVEL_CHECK_ERROR(std::abs(dotsf[i] - DotImage(af, bf, i)),
                          1e-5 * NormImage(af, i) * NormImage(bf, i), "float Dot");
  }

  void axpbyOnActiveImages() {
    const Shape shape{4, 3, 5, 5};
    const Batch<double> x = RandomData<double>(shape, 3);
    const Batch<double> y0 = RandomData<double>(shape, 4);
    Batch<double> y = y0;
    const std::vector<double> alpha = {2.0, -1.5, 0.25, 3.0};
    const std::vector<double> beta = {0.5, 1.0, -2.0, 0.0};
    const std::vector<int> active = {1, 3};
    Axpby(active, alpha, x, beta, y);
    for (int i = 0; i < 4; ++i) {
      if (i == 1 || i == 3) {
        for (std::size_t k = 0; k < y.imageSize(); ++k) {
          const double want = alpha[i] * x.image(i)[k] + beta[i] * y0.image(i)[k];
          QVERIFY(std::abs(y.image(i)[k] - want) <= 1e-15 * (1 + std::abs(want)));
        }
      } else {
        QVERIFY2(ImageUnchanged(y, y0, i), qPrintable(QStringLiteral("image %1 changed").arg(i)));
      }
    }
  }

  void copyAndSetZeroOnActiveImages() {
    const Shape shape{4, 2, 3, 8};
    const Batch<double> src = RandomData<double>(shape, 5);
    const Batch<double> dst0 = RandomData<double>(shape, 6);
    Batch<double> dst = dst0;
    Copy(std::vector<int>{0, 2}, src, dst);
    QVERIFY(ImageUnchanged(dst, src, 0));
    QVERIFY(ImageUnchanged(dst, dst0, 1));
    QVERIFY(ImageUnchanged(dst, src, 2));
    QVERIFY(ImageUnchanged(dst, dst0, 3));

    Batch<double> z = dst0;
    SetZero(std::vector<int>{1, 2}, z);
    QVERIFY(ImageUnchanged(z, dst0, 0));
    QVERIFY(ImageUnchanged(z, dst0, 3));
    for (int i : {1, 2})
      for (std::size_t k = 0; k < z.imageSize(); ++k)
        QCOMPARE(z.image(i)[k], 0.0);

    // Empty active list: nothing changes.
    Batch<double> same = dst0;
    SetZero(std::vector<int>{}, same);
    Copy(std::vector<int>{}, src, same);
    QVERIFY(same.values() == dst0.values());
  }

  void batchOpsOnBigBatchesAcrossThreads() {
    // Enough data that the implementation splits the work; results match serial references.
    SetThreadCount(4);
    const Shape shape{9, 3, 64, 64};
    const Batch<double> a = RandomData<double>(shape, 7);
    const Batch<double> b = RandomData<double>(shape, 8);
    std::vector<double> dots;
    Dot(AllImages(9), a, b, dots);
    for (int i = 0; i < 9; ++i)
      BILEVEL_CHECK_ERROR(RelativeError(dots[i], DotImage(a, b, i)), 1e-12, "threaded Dot");
    Batch<double> y = b;
    Axpby(AllImages(9), std::vector<double>(9, 1.0), a, std::vector<double>(9, -1.0), y);
    const Batch<double> diff = Difference(a, b);
    QCOMPARE(MaxAbsDiff(y.data(), diff.data(), y.size()), 0.0);
  }
};

QTEST_GUILESS_MAIN(ThreadPoolBatchOpsTest)
#include "test_thread_pool_batch_ops.moc"
