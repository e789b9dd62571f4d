// The input-convex network composed from the backend's kernel bodies equals InputConvexNetwork:
// the forward pass p_l = A_l x + B_l z_(l-1) + b_l, z_l = act(p_l) and the reverse pass
// delta_L = exp(theta0) act'(p_L), delta_(l-1) = (B_l^T delta_l) act'(p_(l-1)),
// grad = sum_l A_l^T delta_l, from the correlation, bias, softplus, product and axpby bodies in the
// host loop, against the CPU regularizer's gradient under both boundary rules.
#include <QTest>

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backend/host_launch.h"
#include "backend/kernels/correlation_point.h"
#include "backend/kernels/pointwise_body.h"
#include "backend/kernels/vector_body.h"
#include "bilevel/regularizer_registry.h"
#include "test_support.h"

namespace bilevel {
namespace {

// y += x over a whole array, through the axpby body (one "image").
void Add(const std::vector<double>& x, std::vector<double>& y) {
  const std::vector<int> one = {0};
  const std::vector<double> a = {1.0}, b = {1.0};
  HostLaunch({int(x.size()), 1, 1}, kernels::AxpbyBody<double>{x.size(), one.data(), a.data(),
                                                               b.data(), x.data(), y.data()});
}

}  // namespace

class TestComposedNetwork : public QObject {
  Q_OBJECT

 private slots:
  void inputConvexNetworkFromTheBodiesIsTheCpuNetwork_data() {
    QTest::addColumn<QString>("boundary");
    QTest::newRow("reflect101") << "reflect101";
    QTest::newRow("zero") << "zero";
  }

  void inputConvexNetworkFromTheBodiesIsTheCpuNetwork() {
    QFETCH(QString, boundary);
    RegularizerSettings settings = DefaultRegularizerSettings("input_convex");
    settings.set("regularizer.channels", 1LL);
    settings.set("regularizer.hidden", 4LL);
    settings.set("regularizer.depth", 3LL);
    settings.set("regularizer.kernel_size", 3LL);
    settings.set("regularizer.boundary", boundary.toStdString());
    std::unique_ptr<Regularizer<double>> cpu;
    QVERIFY(CreateRegularizer(settings, &cpu).ok());
    Vector<double> theta = cpu->initialParameters();
    theta += test::RandomVec<double>(int(theta.size()), 21, -0.05, 0.05);
    cpu->project(theta);
    cpu->setParameters(theta);
    std::map<std::string, const double*> block;
    for (const ParameterBlock& b : cpu->blocks())
      block[b.name] = theta.data() + b.offset;

    const Shape shape{2, 1, 12, 15};
    const int n = shape.n, hidden = 4, depth = 3, C = 1;
    const double beta = settings.real("regularizer.beta");
    const auto x = test::RandomData<double>(shape, 22);
    Batch<double> grad(shape);
    cpu->gradient({0, 1}, x, grad);

    auto geometry = [&](int in) {
      kernels::ConvGeometry g;
      g.in_channels = in;
      g.out_channels = hidden;
      g.h = shape.h;
      g.w = shape.w;
      g.k = 3;
      g.reflect = boundary == "reflect101";
      return g;
    };
    const kernels::ConvGeometry ga = geometry(C), gb = geometry(hidden);
    const std::size_t plane = ga.plane(), m = std::size_t(n) * hidden * plane;
    std::vector<std::vector<double>> z(depth, std::vector<double>(m)),
        s(depth, std::vector<double>(m));
    std::vector<double> p(m), bp(m), curvature(m);
    for (int l = 0; l < depth; ++l) {
      const std::string i = std::to_string(l + 1);
      HostLaunch({ga.w, ga.h, n * hidden},
                 kernels::CorrelateForwardBody<double>{ga, x.data(), block["A" + i], p.data()});
      if (l > 0) {
        HostLaunch({gb.w, gb.h, n * hidden}, kernels::CorrelateForwardBody<double>{
                                                 gb, z[l - 1].data(), block["B" + i], bp.data()});
        Add(bp, p);
      }
      HostLaunch({int(plane), hidden, n},
                 kernels::ChannelBiasBody<double>{hidden, plane, block["b" + i], p.data()});
      HostLaunch({int(m), 1, 1}, kernels::SoftplusBody<double>{beta, p.data(), z[l].data(),
                                                               s[l].data(), curvature.data()});
    }
    // Reverse pass.
    std::vector<double> delta(m), back(m), ours(shape.size(), 0.0), part(shape.size());
    // delta_L = exp(theta0) act'(p_L).
    {
      const std::vector<int> one = {0};
      const std::vector<double> a = {std::exp(theta[0])}, b = {0.0};
      HostLaunch({int(m), 1, 1}, kernels::AxpbyBody<double>{m, one.data(), a.data(), b.data(),
                                                            s[depth - 1].data(), delta.data()});
    }
    for (int l = depth - 1; l >= 0; --l) {
      const std::string i = std::to_string(l + 1);
      HostLaunch({ga.w, ga.h, n * C}, kernels::CorrelateAdjointBody<double>{
                                          ga, delta.data(), block["A" + i], part.data()});
      Add(part, ours);
      if (l == 0) break;
      HostLaunch({gb.w, gb.h, n * hidden}, kernels::CorrelateAdjointBody<double>{
                                               gb, delta.data(), block["B" + i], back.data()});
      HostLaunch({int(m), 1, 1},
                 kernels::MultiplyBody<double>{1.0, back.data(), s[l - 1].data(), delta.data()});
    }
    const double err = test::RelativeError(ours, grad.values());
    QVERIFY2(err < 1e-12, qPrintable(QString::number(err)));
  }
};

}  // namespace bilevel

QTEST_APPLESS_MAIN(bilevel::TestComposedNetwork)
#include "test_composed_network.moc"
