// The backend's bodies launched on a CUDA grid (backend/cuda/correlation_launches.h,
// vector_launches.h) against the same bodies run by the host loop, which test_kernel_bodies and
// test_vector_bodies check against the CPU backend: random float inputs, both boundary rules,
// several images per launch, active lists. Skipped visibly without a device.
#include <QTest>

#include <cuda_runtime.h>

#include <vector>

#include "backend/cuda/correlation_launches.h"
#include "backend/cuda/vector_launches.h"
#include "backend/host_launch.h"
#include "backend/kernels/vector_body.h"
#include "bilevel/backend_info.h"
#include "test_support.h"

namespace bilevel {
namespace {

// A device copy of a host vector, freed at scope exit.
template <typename T>
struct Device {
  T* ptr = nullptr;
  std::size_t size = 0;
  explicit Device(std::size_t n) : size(n) { cudaMalloc(&ptr, n * sizeof(T)); }
  explicit Device(const std::vector<T>& v) : Device(v.size()) {
    cudaMemcpy(ptr, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice);
  }
  ~Device() { cudaFree(ptr); }
  std::vector<T> read() const {
    std::vector<T> out(size);
    cudaMemcpy(out.data(), ptr, size * sizeof(T), cudaMemcpyDeviceToHost);
    return out;
  }
};

}  // namespace

class TestCudaBodies : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    const CudaDeviceInfo info = QueryCudaDevice();
    if (!info.available)
      QSKIP(
          qPrintable(QString::fromStdString("no CUDA device, correlation bodies not run on a "
                                            "GPU: " +
                                            info.message)));
  }

  void correlationBodiesOnTheDeviceMatchTheHostLoop_data() {
    QTest::addColumn<bool>("reflect");
    QTest::addColumn<int>("k");
    QTest::newRow("reflect101 k3") << true << 3;
    QTest::newRow("reflect101 k7") << true << 7;
    QTest::newRow("zero k5") << false << 5;
  }

  void correlationBodiesOnTheDeviceMatchTheHostLoop() {
    QFETCH(bool, reflect);
    QFETCH(int, k);
    kernels::ConvGeometry g;
    g.in_channels = 3;
    g.out_channels = 5;
    g.h = 37;
    g.w = 150;  // more than one block of threads per row
    g.k = k;
    g.reflect = reflect;
    const int n = 4;
    const auto x = test::RandomValues<float>(std::size_t(n) * g.in_channels * g.plane(), 1);
    const auto z = test::RandomValues<float>(std::size_t(n) * g.out_channels * g.plane(), 2);
    const auto w =
        test::RandomValues<float>(std::size_t(g.out_channels) * g.in_channels * k * k, 3);
    const std::size_t weights = w.size();

    std::vector<float> kx(z.size()), ktz(x.size());
    std::vector<double> grad(std::size_t(n) * weights);
    HostLaunch({g.w, g.h, n * g.out_channels},
               kernels::CorrelateForwardBody<float>{g, x.data(), w.data(), kx.data()});
    HostLaunch({g.w, g.h, n * g.in_channels},
               kernels::CorrelateAdjointBody<float>{g, z.data(), w.data(), ktz.data()});
    HostLaunch({k * k, g.in_channels, n * g.out_channels},
               kernels::WeightGradientBody<float>{g, x.data(), z.data(), grad.data()});

    Device<float> dx(x), dz(z), dw(w), dkx(kx.size()), dktz(ktz.size());
    Device<double> dgrad(grad.size());
    QVERIFY(cuda::CorrelateForward(g, n, dx.ptr, dw.ptr, dkx.ptr, nullptr) == cudaSuccess);
    QVERIFY(cuda::CorrelateAdjoint(g, n, dz.ptr, dw.ptr, dktz.ptr, nullptr) == cudaSuccess);
    QCOMPARE(cuda::CorrelateWeightGradients(g, n, dx.ptr, dz.ptr, dgrad.ptr, nullptr), cudaSuccess);
    QVERIFY(cudaDeviceSynchronize() == cudaSuccess);

    QVERIFY(test::RelativeError(dkx.read(), kx) < 1e-6);
    QVERIFY(test::RelativeError(dktz.read(), ktz) < 1e-6);
    QVERIFY(test::RelativeError(dgrad.read(), grad) < 1e-6);
  }

  void vectorBodiesOnTheDeviceMatchTheHostLoop() {
    const std::size_t size = 3 * 70 * 70;  // several chunks, the last one partial
    const int n = 5;
    const std::vector<int> active = {4, 1, 2};
    const int count = int(active.size()), chunks = kernels::Chunks(size);
    const auto a = test::RandomValues<float>(size * n, 4);
    const auto b = test::RandomValues<float>(size * n, 5);
    const std::vector<double> alpha = {1, 2, 3, 4, 5}, beta = {-1, 0.5, 0.25, 2, -3};

    std::vector<float> y = b;
    std::vector<double> partial(std::size_t(count) * chunks), dot(n, 0.0), norm(n, 0.0);
    HostLaunch({int(size), 1, count}, kernels::AxpbyBody<float>{size, active.data(), alpha.data(),
                                                                beta.data(), a.data(), y.data()});
    HostLaunch({chunks, 1, count}, kernels::DotPartialBody<float>{size, active.data(), a.data(),
                                                                  b.data(), partial.data()});
    HostLaunch({1, 1, count},
               kernels::ReduceBody{chunks, active.data(), partial.data(), false, dot.data()});
    HostLaunch({chunks, 1, count}, kernels::DotPartialBody<float>{size, active.data(), a.data(),
                                                                  a.data(), partial.data()});
    HostLaunch({1, 1, count},
               kernels::ReduceBody{chunks, active.data(), partial.data(), true, norm.data()});

    Device<int> dactive(active);
    Device<double> dalpha(alpha), dbeta(beta), dpartial(partial.size()), ddot(dot), dnorm(norm);
    Device<float> da(a), dy(b);
    QVERIFY(cuda::Axpby(size, count, dactive.ptr, dalpha.ptr, dbeta.ptr, da.ptr, dy.ptr, nullptr) ==
            cudaSuccess);
    QVERIFY(cuda::DotImages(size, count, dactive.ptr, da.ptr, dy.ptr, false, dpartial.ptr, ddot.ptr,
                            nullptr) == cudaSuccess);
    QVERIFY(cudaDeviceSynchronize() == cudaSuccess);
    QVERIFY(test::RelativeError(dy.read(), y) < 1e-6);
    // The device's dot was taken after its axpby: <a, y>, against the host's <a, b> redone on y.
    HostLaunch({chunks, 1, count}, kernels::DotPartialBody<float>{size, active.data(), a.data(),
                                                                  y.data(), partial.data()});
    HostLaunch({1, 1, count},
               kernels::ReduceBody{chunks, active.data(), partial.data(), false, dot.data()});
    QVERIFY(test::RelativeError(ddot.read(), dot) < 1e-6);
    QVERIFY(cuda::DotImages(size, count, dactive.ptr, da.ptr, da.ptr, true, dpartial.ptr, dnorm.ptr,
                            nullptr) == cudaSuccess);
    QVERIFY(test::RelativeError(dnorm.read(), norm) < 1e-6);
    QVERIFY(cuda::CopyImages(size, count, dactive.ptr, static_cast<const float*>(nullptr), dy.ptr,
                             nullptr) == cudaSuccess);
    const std::vector<float> zeroed = dy.read();
    for (int i = 0; i < n; ++i) {
      const bool listed = i == 1 || i == 2 || i == 4;
      for (std::size_t k = 0; k < size; k += 97)
        QCOMPARE(zeroed[std::size_t(i) * size + k], listed ? 0.0f : y[std::size_t(i) * size + k]);
    }
  }
};

}  // namespace bilevel

QTEST_APPLESS_MAIN(bilevel::TestCudaBodies)
#include "test_cuda_bodies.moc"
