// The per-image vector bodies (backend/kernels/vector_body.h), run by HostLaunch, against the CPU
// solvers' batch operations (base/batch_ops.h): axpby, copies and zeros touch exactly the listed
// images; dot products and norms, reduced in chunks in a fixed order, agree with the CPU's in
// double and float, for images that are smaller than, equal to and several times one chunk.
#include <QTest>

#include <vector>

#include "backend/host_launch.h"
#include "backend/kernels/vector_body.h"
#include "base/batch_ops.h"
#include "test_support.h"

namespace bilevel {
namespace {

// The dot products (or norms) of the listed images through the two passes of the bodies.
template <typename T>
std::vector<double> LaunchDot(const Batch<T>& a, const Batch<T>& b, const std::vector<int>& active,
                              bool root) {
  const std::size_t size = a.imageSize();
  const int chunks = kernels::Chunks(size), count = int(active.size());
  std::vector<double> partial(std::size_t(count) * chunks), out(std::size_t(a.n()), -1.0);
  HostLaunch({chunks, 1, count},
             kernels::DotPartialBody<T>{size, active.data(), a.data(), b.data(), partial.data()});
  HostLaunch({1, 1, count},
             kernels::ReduceBody{chunks, active.data(), partial.data(), root, out.data()});
  return out;
}

}  // namespace

class TestVectorBodies : public QObject {
  Q_OBJECT

 private slots:
  void reductionsAgreeWithTheCpu_data() {
    QTest::addColumn<int>("side");
    QTest::newRow("one partial chunk") << 7;
    QTest::newRow("exactly one chunk") << 32;  // 1 x 32 x 32 = kChunk
    QTest::newRow("several chunks") << 97;
  }

  void reductionsAgreeWithTheCpu() {
    QFETCH(int, side);
    const Shape shape{5, 1, side, side};
    const std::vector<int> active = {4, 0, 2};
    const auto a = test::RandomData<double>(shape, 1);
    const auto b = test::RandomData<double>(shape, 2);
    std::vector<double> dot, norm;
    Dot(active, a, b, dot);
    Norm(active, a, norm);
    const std::vector<double> got_dot = LaunchDot(a, b, active, false);
    const std::vector<double> got_norm = LaunchDot(a, a, active, true);
    for (int i = 0; i < shape.n; ++i) {
      const bool listed = i == 0 || i == 2 || i == 4;
      if (!listed) {
        QCOMPARE(got_dot[std::size_t(i)], -1.0);  // untouched
        continue;
      }
      QVERIFY(test::RelativeError(got_dot[std::size_t(i)], dot[std::size_t(i)]) < 1e-13);
      QVERIFY(test::RelativeError(got_norm[std::size_t(i)], norm[std::size_t(i)]) < 1e-14);
    }
    // In float the bodies sum in double: within float rounding of the CPU's float sums.
    const auto af = BatchCast<float>(a), bf = BatchCast<float>(b);
    std::vector<double> dotf;
    Dot(active, af, bf, dotf);
    const std::vector<double> got_f = LaunchDot(af, bf, active, false);
    for (int i : active)
      QVERIFY(test::RelativeError(got_f[std::size_t(i)], dotf[std::size_t(i)], 1.0) < 1e-5);
  }

  void axpbyAndCopiesTouchOnlyTheListedImages() {
    const Shape shape{4, 2, 9, 11};
    const std::vector<int> active = {3, 1};
    const std::size_t size = shape.imageSize();
    const std::vector<double> alpha = {9, 0.5, 9, -2.0}, beta = {9, 1.5, 9, 0.25};
    const auto x = test::RandomData<float>(shape, 3);
    const auto y0 = test::RandomData<float>(shape, 4);

    Batch<float> expected = y0, got = y0;
    Axpby(active, alpha, x, beta, expected);
    HostLaunch({int(size), 1, int(active.size())},
               kernels::AxpbyBody<float>{size, active.data(), alpha.data(), beta.data(), x.data(),
                                         got.data()});
    // The same formula; a compiler may fuse the CPU's vectorised form differently.
    QVERIFY(test::RelativeError(got, expected) < 1e-6);

    Copy(active, x, expected);
    HostLaunch({int(size), 1, int(active.size())},
               kernels::CopyBody<float>{size, active.data(), x.data(), got.data()});
    QCOMPARE(got.values(), expected.values());

    SetZero(active, expected);
    HostLaunch({int(size), 1, int(active.size())},
               kernels::CopyBody<float>{size, active.data(), nullptr, got.data()});
    QCOMPARE(got.values(), expected.values());
    // Images 0 and 2 were never listed: still y0.
    for (int i : {0, 2})
      QVERIFY(std::equal(got.image(i), got.image(i) + size, y0.image(i)));
  }
};

}  // namespace bilevel

QTEST_APPLESS_MAIN(bilevel::TestVectorBodies)
#include "test_vector_bodies.moc"
