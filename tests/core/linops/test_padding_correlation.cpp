// Boundary padding and its exact adjoint, and the CPU correlation kernel with its adjoint through
// flipped, transposed weights.
#include <QTest>

#include <cmath>
#include <vector>

#include "backend/cpu/correlation_rows.h"
#include "backend/kernels/boundary_index.h"
#include "bilevel/boundary.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

Q_DECLARE_METATYPE(bilevel::Boundary)

namespace {

// Naive padding through SourceIndex.
std::vector<double> NaivePad(const std::vector<double>& src, int channels, int h, int w, int r,
                             Boundary boundary) {
  const int ph = h + 2 * r, pw = w + 2 * r;
  std::vector<double> out(std::size_t(channels) * ph * pw, 0.0);
  for (int c = 0; c < channels; ++c)
    for (int y = 0; y < ph; ++y)
      for (int x = 0; x < pw; ++x) {
        const int sy = kernels::SourceIndex(y - r, h, boundary);
        const int sx = kernels::SourceIndex(x - r, w, boundary);
        out[(std::size_t(c) * ph + y) * pw + x] =
            (sy < 0 || sx < 0) ? 0.0 : src[(std::size_t(c) * h + sy) * w + sx];
      }
  return out;
}

template <typename T>
std::vector<T> NaiveCorrelate(const CorrelationGeometry& g, const std::vector<T>& src,
                              const std::vector<T>& weights) {
  const int k = g.k, oh = g.out_h(), ow = g.out_w();
  std::vector<T> out(std::size_t(g.out_channels) * oh * ow, T(0));
  for (int o = 0; o < g.out_channels; ++o)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x) {
        double s = 0.0;
        for (int c = 0; c < g.in_channels; ++c)
          for (int u = 0; u < k; ++u)
            for (int v = 0; v < k; ++v)
              s += double(weights[((std::size_t(o) * g.in_channels + c) * k + u) * k + v]) *
                   double(src[(std::size_t(c) * g.src_h + y + u) * g.src_w + x + v]);
        out[(std::size_t(o) * oh + y) * ow + x] = T(s);
      }
  return out;
}

// Zero-pads each channel of src (channels x h x w) by p on every side.
template <typename T>
std::vector<T> ZeroPad(const std::vector<T>& src, int channels, int h, int w, int p) {
  const int ph = h + 2 * p, pw = w + 2 * p;
  std::vector<T> out(std::size_t(channels) * ph * pw, T(0));
  for (int c = 0; c < channels; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        out[(std::size_t(c) * ph + y + p) * pw + x + p] = src[(std::size_t(c) * h + y) * w + x];
  return out;
}

void AddPaddingRows() {
  QTest::addColumn<Boundary>("boundary");
  QTest::addColumn<int>("channels");
  QTest::addColumn<int>("h");
  QTest::addColumn<int>("w");
  QTest::addColumn<int>("r");
  for (Boundary b : {Boundary::kReflect101, Boundary::kZero}) {
    const char* name = ToString(b);
    struct Case {
      int c, h, w, r;
    };
    for (Case cs : {Case{1, 5, 7, 1}, Case{3, 8, 8, 3}, Case{2, 4, 9, 3}, Case{3, 16, 16, 2},
                    Case{1, 13, 17, 3}, Case{2, 6, 5, 0}, Case{1, 2, 2, 1}}) {
      QTest::addRow("%s c%d %dx%d r%d", name, cs.c, cs.h, cs.w, cs.r)
          << b << cs.c << cs.h << cs.w << cs.r;
    }
  }
}

}  // namespace

class PaddingCorrelationTest : public QObject {
  Q_OBJECT

 private slots:
  void sourceIndexRules() {
    // Reflect101 mirrors about the edge pixel without repeating it: ... 2 1 | 0 1 2 3 4 | 3 2 ...
    QCOMPARE(kernels::SourceIndex(-1, 5, Boundary::kReflect101), 1);
    QCOMPARE(kernels::SourceIndex(-2, 5, Boundary::kReflect101), 2);
    QCOMPARE(kernels::SourceIndex(5, 5, Boundary::kReflect101), 3);
    QCOMPARE(kernels::SourceIndex(6, 5, Boundary::kReflect101), 2);
    QCOMPARE(kernels::SourceIndex(3, 5, Boundary::kReflect101), 3);
    QCOMPARE(kernels::SourceIndex(-1, 5, Boundary::kZero), -1);
    QCOMPARE(kernels::SourceIndex(5, 5, Boundary::kZero), -1);
    QCOMPARE(kernels::SourceIndex(4, 5, Boundary::kZero), 4);
  }

  void boundaryStrings() {
    for (Boundary b : {Boundary::kReflect101, Boundary::kZero}) {
      const char* text = ToString(b);
      QVERIFY(text != nullptr);
      QVERIFY(std::string(text).size() > 0);
      const auto parsed = BoundaryFromString(text);
      QVERIFY2(parsed.has_value(), text);
      QCOMPARE(*parsed, b);
    }
    QVERIFY(std::string(ToString(Boundary::kReflect101)) != ToString(Boundary::kZero));
    QVERIFY(!BoundaryFromString("no-such-boundary").has_value());
    QVERIFY(!BoundaryFromString("").has_value());
  }

  void padMatchesSourceIndex_data() { AddPaddingRows(); }
  void padMatchesSourceIndex() {
    QFETCH(Boundary, boundary);
    QFETCH(int, channels);
    QFETCH(int, h);
    QFETCH(int, w);
    QFETCH(int, r);
    const std::vector<double> src = RandomValues<double>(std::size_t(channels) * h * w, 11);
    std::vector<double> padded(std::size_t(channels) * (h + 2 * r) * (w + 2 * r), 1e30);
    Pad(src.data(), channels, h, w, r, boundary, padded.data());
    const std::vector<double> expected = NaivePad(src, channels, h, w, r, boundary);
    QCOMPARE(MaxAbsDiff(padded.data(), expected.data(), expected.size()), 0.0);

    // The float instantiation pads the same way.
    std::vector<float> srcf(src.begin(), src.end());
    std::vector<float> paddedf(padded.size(), 1e30f);
    Pad(srcf.data(), channels, h, w, r, boundary, paddedf.data());
    BILEVEL_CHECK_ERROR(MaxAbsDiff(paddedf.data(), expected.data(), expected.size()), 1e-6,
                        "float padding");
  }

  void padAdjointIdentity_data() { AddPaddingRows(); }
  void padAdjointIdentity() {
    QFETCH(Boundary, boundary);
    QFETCH(int, channels);
    QFETCH(int, h);
    QFETCH(int, w);
    QFETCH(int, r);
    const std::size_t n = std::size_t(channels) * h * w;
    const std::size_t np = std::size_t(channels) * (h + 2 * r) * (w + 2 * r);
    for (unsigned seed : {1u, 2u, 3u}) {
      const std::vector<double> x = RandomValues<double>(n, seed);
      const std::vector<double> y = RandomValues<double>(np, seed + 100);
      std::vector<double> px(np), pty(n);
      Pad(x.data(), channels, h, w, r, boundary, px.data());
      PadAdjoint(y.data(), channels, h, w, r, boundary, pty.data());
      const double lhs = DotRange(px.data(), y.data(), np);
      const double rhs = DotRange(x.data(), pty.data(), n);
      const double scale = NormRange(px.data(), np) * NormRange(y.data(), np);
      BILEVEL_CHECK_ERROR(AdjointMismatch(lhs, rhs, scale), 1e-12, "<Px, y> vs <x, P^T y>");
    }
    // Float: same identity at float accuracy.
    const std::vector<float> x = RandomValues<float>(n, 7);
    const std::vector<float> y = RandomValues<float>(np, 8);
    std::vector<float> px(np), pty(n);
    Pad(x.data(), channels, h, w, r, boundary, px.data());
    PadAdjoint(y.data(), channels, h, w, r, boundary, pty.data());
    const double scale = NormRange(px.data(), np) * NormRange(y.data(), np);
    BILEVEL_CHECK_ERROR(AdjointMismatch(DotRange(px.data(), y.data(), np),
                                        DotRange(x.data(), pty.data(), n), scale),
                        1e-5, "float <Px, y> vs <x, P^T y>");
  }

  // P^T as the transpose of the explicit matrix of P, column by column.
  void padAdjointMatchesExplicitTranspose_data() {
    QTest::addColumn<Boundary>("boundary");
    QTest::addColumn<int>("channels");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("w");
    QTest::addColumn<int>("r");
    for (Boundary b : {Boundary::kReflect101, Boundary::kZero}) {
      QTest::addRow("%s c1 5x7 r1", ToString(b)) << b << 1 << 5 << 7 << 1;
      QTest::addRow("%s c2 4x9 r3", ToString(b)) << b << 2 << 4 << 9 << 3;
      QTest::addRow("%s c1 2x2 r1", ToString(b)) << b << 1 << 2 << 2 << 1;
      QTest::addRow("%s c2 6x5 r2", ToString(b)) << b << 2 << 6 << 5 << 2;
    }
  }
  void padAdjointMatchesExplicitTranspose() {
    QFETCH(Boundary, boundary);
    QFETCH(int, channels);
    QFETCH(int, h);
    QFETCH(int, w);
    QFETCH(int, r);
    const std::size_t n = std::size_t(channels) * h * w;
    const std::size_t np = std::size_t(channels) * (h + 2 * r) * (w + 2 * r);
    const std::vector<double> y = RandomValues<double>(np, 5);
    std::vector<double> pty(n);
    PadAdjoint(y.data(), channels, h, w, r, boundary, pty.data());
    std::vector<double> e(n, 0.0), col(np);
    for (std::size_t k = 0; k < n; ++k) {
      e[k] = 1.0;
      Pad(e.data(), channels, h, w, r, boundary, col.data());
      e[k] = 0.0;
      const double expected = DotRange(col.data(), y.data(), np);
      QVERIFY2(std::abs(pty[k] - expected) <= 1e-13 * (1.0 + std::abs(expected)),
               qPrintable(QStringLiteral("entry %1: %2 vs %3").arg(k).arg(pty[k]).arg(expected)));
    }
  }

  void padAdjointOverwrites() {
    const int c = 2, h = 6, w = 7, r = 2;
    const std::size_t n = std::size_t(c) * h * w;
    const std::vector<double> y =
        RandomValues<double>(std::size_t(c) * (h + 2 * r) * (w + 2 * r), 9);
    for (Boundary b : {Boundary::kReflect101, Boundary::kZero}) {
      std::vector<double> clean(n, 0.0), dirty(n, 1e6);
      PadAdjoint(y.data(), c, h, w, r, b, clean.data());
      PadAdjoint(y.data(), c, h, w, r, b, dirty.data());
      QCOMPARE(MaxAbsDiff(clean.data(), dirty.data(), n), 0.0);
    }
  }

  void correlateRowsMatchesNaive_data() {
    QTest::addColumn<int>("in_channels");
    QTest::addColumn<int>("out_channels");
    QTest::addColumn<int>("k");
    QTest::addColumn<int>("src_h");
    QTest::addColumn<int>("src_w");
    QTest::newRow("1->1 k1") << 1 << 1 << 1 << 5 << 6;
    QTest::newRow("1->1 k3") << 1 << 1 << 3 << 9 << 9;
    QTest::newRow("3->4 k5") << 3 << 4 << 5 << 12 << 15;
    QTest::newRow("3->10 k7") << 3 << 10 << 7 << 22 << 22;
    QTest::newRow("10->3 k7") << 10 << 3 << 7 << 20 << 13;
    QTest::newRow("2->3 k5 exact") << 2 << 3 << 5 << 5 << 5;
    QTest::newRow("1->2 k3 wide") << 1 << 2 << 3 << 4 << 41;
  }
  void correlateRowsMatchesNaive() {
    QFETCH(int, in_channels);
    QFETCH(int, out_channels);
    QFETCH(int, k);
    QFETCH(int, src_h);
    QFETCH(int, src_w);
    CorrelationGeometry g;
    g.in_channels = in_channels;
    g.out_channels = out_channels;
    g.k = k;
    g.src_h = src_h;
    g.src_w = src_w;
    const std::size_t nsrc = std::size_t(in_channels) * src_h * src_w;
    const std::size_t nw = std::size_t(out_channels) * in_channels * k * k;
    const std::size_t nout = std::size_t(out_channels) * g.out_h() * g.out_w();
    {
      const std::vector<double> src = RandomValues<double>(nsrc, 21);
      const std::vector<double> weights = RandomValues<double>(nw, 22);
      std::vector<double> out(nout, 1e30);
      CorrelateRows(g, src.data(), weights.data(), out.data(), 0, g.out_h());
      const std::vector<double> expected = NaiveCorrelate(g, src, weights);
      BILEVEL_CHECK_ERROR(RelativeErrorRange(out.data(), expected.data(), nout), 1e-14,
                          "double correlation vs naive");
    }
    {
      const std::vector<float> src = RandomValues<float>(nsrc, 23);
      const std::vector<float> weights = RandomValues<float>(nw, 24);
      std::vector<float> out(nout, 1e30f);
      CorrelateRows(g, src.data(), weights.data(), out.data(), 0, g.out_h());
      const std::vector<float> expected = NaiveCorrelate(g, src, weights);
      BILEVEL_CHECK_ERROR(RelativeErrorRange(out.data(), expected.data(), nout), 1e-5,
                          "float correlation vs naive");
    }
  }

  void correlateRowsWritesOnlyItsRows() {
    CorrelationGeometry g;
    g.in_channels = 3;
    g.out_channels = 2;
    g.k = 5;
    g.src_h = 17;
    g.src_w = 14;
    const int oh = g.out_h(), ow = g.out_w();
    const std::vector<double> src = RandomValues<double>(std::size_t(3) * 17 * 14, 31);
    const std::vector<double> weights = RandomValues<double>(std::size_t(2) * 3 * 25, 32);
    const std::vector<double> expected = NaiveCorrelate(g, src, weights);
    const double sentinel = -12345.0;
    std::vector<double> out(std::size_t(2) * oh * ow, sentinel);
    const int y0 = 3, y1 = 9;
    CorrelateRows(g, src.data(), weights.data(), out.data(), y0, y1);
    for (int o = 0; o < 2; ++o)
      for (int y = 0; y < oh; ++y)
        for (int x = 0; x < ow; ++x) {
          const std::size_t idx = (std::size_t(o) * oh + y) * ow + x;
          if (y >= y0 && y < y1) {
            QVERIFY2(std::abs(out[idx] - expected[idx]) <= 1e-12,
                     qPrintable(QStringLiteral("row %1 col %2 wrong").arg(y).arg(x)));
          } else {
            QVERIFY2(
                out[idx] == sentinel,
                qPrintable(
                    QStringLiteral("row %1 outside [%2, %3) was written").arg(y).arg(y0).arg(y1)));
          }
        }
    // Bands computed separately assemble the whole output.
    std::vector<double> banded(out.size(), sentinel);
    for (int y = 0; y < oh; y += 4)
      CorrelateRows(g, src.data(), weights.data(), banded.data(), y, std::min(oh, y + 4));
    BILEVEL_CHECK_ERROR(RelativeErrorRange(banded.data(), expected.data(), expected.size()), 1e-14,
                        "banded correlation");
  }

  void flipTransposeLayout() {
    const int out_channels = 4, in_channels = 3, k = 5;
    const std::vector<double> weights =
        RandomValues<double>(std::size_t(out_channels) * in_channels * k * k, 41);
    std::vector<double> flipped(weights.size(), 1e30);
    FlipTranspose(weights.data(), out_channels, in_channels, k, flipped.data());
    for (int c = 0; c < in_channels; ++c)
      for (int o = 0; o < out_channels; ++o)
        for (int u = 0; u < k; ++u)
          for (int v = 0; v < k; ++v) {
            const double got = flipped[((std::size_t(c) * out_channels + o) * k + u) * k + v];
            const double want =
                weights[((std::size_t(o) * in_channels + c) * k + (k - 1 - u)) * k + (k - 1 - v)];
            QCOMPARE(got, want);
          }
  }

  // K^T y is a full correlation of y (zero-padded by k-1) with the flipped, transposed weights.
  void correlationAdjoint_data() {
    QTest::addColumn<int>("in_channels");
    QTest::addColumn<int>("out_channels");
    QTest::addColumn<int>("k");
    QTest::addColumn<int>("src_h");
    QTest::addColumn<int>("src_w");
    QTest::newRow("1->1 k3") << 1 << 1 << 3 << 8 << 8;
    QTest::newRow("3->3 k5") << 3 << 3 << 5 << 16 << 16;
    QTest::newRow("3->10 k7 non-square") << 3 << 10 << 7 << 19 << 23;
    QTest::newRow("2->5 k5 non-square") << 2 << 5 << 5 << 13 << 17;
  }
  void correlationAdjoint() {
    QFETCH(int, in_channels);
    QFETCH(int, out_channels);
    QFETCH(int, k);
    QFETCH(int, src_h);
    QFETCH(int, src_w);
    CorrelationGeometry g;
    g.in_channels = in_channels;
    g.out_channels = out_channels;
    g.k = k;
    g.src_h = src_h;
    g.src_w = src_w;
    const int oh = g.out_h(), ow = g.out_w();
    const std::size_t nx = std::size_t(in_channels) * src_h * src_w;
    const std::size_t ny = std::size_t(out_channels) * oh * ow;
    const std::vector<double> weights =
        RandomValues<double>(std::size_t(out_channels) * in_channels * k * k, 51);
    std::vector<double> flipped(weights.size());
    FlipTranspose(weights.data(), out_channels, in_channels, k, flipped.data());

    CorrelationGeometry ga;
    ga.in_channels = out_channels;
    ga.out_channels = in_channels;
    ga.k = k;
    ga.src_h = oh + 2 * (k - 1);
    ga.src_w = ow + 2 * (k - 1);
    QCOMPARE(ga.out_h(), src_h);
    QCOMPARE(ga.out_w(), src_w);

    for (unsigned seed : {1u, 2u}) {
      const std::vector<double> x = RandomValues<double>(nx, 60 + seed);
      const std::vector<double> y = RandomValues<double>(ny, 70 + seed);
      std::vector<double> kx(ny), kty(nx);
      CorrelateRows(g, x.data(), weights.data(), kx.data(), 0, oh);
      const std::vector<double> ypad = ZeroPad(y, out_channels, oh, ow, k - 1);
      CorrelateRows(ga, ypad.data(), flipped.data(), kty.data(), 0, ga.out_h());
      const double lhs = DotRange(kx.data(), y.data(), ny);
      const double rhs = DotRange(x.data(), kty.data(), nx);
      const double scale = NormRange(kx.data(), ny) * NormRange(y.data(), ny);
      BILEVEL_CHECK_ERROR(AdjointMismatch(lhs, rhs, scale), 1e-12, "<Kx, y> vs <x, K^T y>");
    }
  }
};

QTEST_GUILESS_MAIN(PaddingCorrelationTest)
#include "test_padding_correlation.moc"
