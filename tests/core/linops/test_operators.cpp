// Forward operators A: identity, Gaussian blur and inpainting masks, their exact adjoints, option
// validation and shape checks.
#include <QTest>

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "backend/kernels/boundary_index.h"
#include "bilevel/forward_operator.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

Q_DECLARE_METATYPE(bilevel::Boundary)
Q_DECLARE_METATYPE(bilevel::Shape)

namespace {

template <typename T>
std::unique_ptr<GaussianBlurOperator<T>> MakeBlur(Shape shape, int size, double sigma,
                                                  Boundary boundary) {
  GaussianBlurOptions options;
  options.size = size;
  options.sigma = sigma;
  options.boundary = boundary;
  Status status;
  auto op = GaussianBlurOperator<T>::Create(shape, options, &status);
  if (!status.ok() || !op) qWarning("Create failed: %s", status.message().c_str());
  return op;
}

// Per-channel correlation of one image with a size x size kernel, read through SourceIndex.
template <typename T>
std::vector<double> NaiveBlur(const T* in, int c, int h, int w, const std::vector<T>& kernel,
                              int size, Boundary boundary) {
  const int r = size / 2;
  std::vector<double> out(std::size_t(c) * h * w, 0.0);
  for (int ch = 0; ch < c; ++ch)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        double s = 0.0;
        for (int u = 0; u < size; ++u)
          for (int v = 0; v < size; ++v) {
            const int sy = kernels::SourceIndex(y + u - r, h, boundary);
            const int sx = kernels::SourceIndex(x + v - r, w, boundary);
            if (sy < 0 || sx < 0) continue;
            s += double(kernel[std::size_t(u) * size + v]) *
                 double(in[(std::size_t(ch) * h + sy) * w + sx]);
          }
        out[(std::size_t(ch) * h + y) * w + x] = s;
      }
  return out;
}

// Adjoint mismatch of an operator on image i: |<A x, y> - <x, A^T y>| / (||A x|| ||y||).
template <typename T>
double OperatorAdjointMismatch(const ForwardOperator<T>& op, int i, unsigned seed) {
  const std::size_t n = op.imageShape().imageSize();
  const std::vector<T> x = RandomValues<T>(n, seed);
  const std::vector<T> y = RandomValues<T>(n, seed + 1000);
  std::vector<T> ax(n), aty(n);
  op.apply(i, x.data(), ax.data());
  op.applyAdjoint(i, y.data(), aty.data());
  const double lhs = DotRange(ax.data(), y.data(), n);
  const double rhs = DotRange(x.data(), aty.data(), n);
  return AdjointMismatch(lhs, rhs, NormRange(ax.data(), n) * NormRange(y.data(), n));
}

}  // namespace

class OperatorsTest : public QObject {
  Q_OBJECT

 private slots:
  void operatorKindStrings() {
    for (OperatorKind k :
         {OperatorKind::kIdentity, OperatorKind::kGaussianBlur, OperatorKind::kInpainting}) {
      const char* text = ToString(k);
      QVERIFY(text != nullptr && *text != '\0');
      const auto parsed = OperatorKindFromString(text);
      QVERIFY2(parsed.has_value(), text);
      QCOMPARE(*parsed, k);
    }
    QVERIFY(!OperatorKindFromString("tomography").has_value());
  }

  void identity() {
    const Shape shape{1, 3, 9, 11};
    IdentityOperator<double> op(shape);
    QCOMPARE(op.kind(), OperatorKind::kIdentity);
    QCOMPARE(op.normalLowerBound(), 1.0);
    QCOMPARE(op.imageCount(), 0);
    QCOMPARE(op.imageShape().c, 3);
    QCOMPARE(op.imageShape().h, 9);
    QCOMPARE(op.imageShape().w, 11);
    const std::size_t n = shape.imageSize();
    const std::vector<double> x = RandomValues<double>(n, 1);
    std::vector<double> ax(n, 7.0), atx(n, 7.0);
    op.apply(0, x.data(), ax.data());
    op.applyAdjoint(0, x.data(), atx.data());
    QCOMPARE(MaxAbsDiff(ax.data(), x.data(), n), 0.0);
    QCOMPARE(MaxAbsDiff(atx.data(), x.data(), n), 0.0);
    BILEVEL_CHECK_ERROR(OperatorAdjointMismatch(op, 0, 3), 1e-14, "identity adjoint");
  }

  void blurKernel_data() {
    QTest::addColumn<int>("size");
    QTest::addColumn<double>("sigma");
    for (int size : {3, 5, 7})
      for (double sigma : {0.7, 1.0, 2.0})
        QTest::addRow("%dx%d sigma %.1f", size, size, sigma) << size << sigma;
  }
  void blurKernel() {
    QFETCH(int, size);
    QFETCH(double, sigma);
    auto op = MakeBlur<double>(Shape{1, 3, 16, 16}, size, sigma, Boundary::kReflect101);
    QVERIFY(op);
    QCOMPARE(op->kind(), OperatorKind::kGaussianBlur);
    const std::vector<double>& k = op->kernel();
    QCOMPARE(int(k.size()), size * size);
    double sum = 0.0;
    for (double v : k)
      sum += v;
    BILEVEL_CHECK_ERROR(std::abs(sum - 1.0), 1e-12, "kernel sum - 1");

    // A normalised separable Gaussian exp(-(u^2 + v^2) / (2 sigma^2)).
    const int r = size / 2;
    std::vector<double> expected(k.size());
    double total = 0.0;
    for (int u = 0; u < size; ++u)
      for (int v = 0; v < size; ++v) {
        const double du = u - r, dv = v - r;
        expected[std::size_t(u) * size + v] = std::exp(-(du * du + dv * dv) / (2 * sigma * sigma));
        total += expected[std::size_t(u) * size + v];
      }
    for (double& e : expected)
      e /= total;
    BILEVEL_CHECK_ERROR(RelativeError(k, expected), 1e-6, "kernel vs Gaussian formula");

    // Float kernel: same values at float accuracy.
    auto opf = MakeBlur<float>(Shape{1, 3, 16, 16}, size, sigma, Boundary::kReflect101);
    QVERIFY(opf);
    double sumf = 0.0;
    for (float v : opf->kernel())
      sumf += v;
    BILEVEL_CHECK_ERROR(std::abs(sumf - 1.0), 1e-5, "float kernel sum - 1");
    BILEVEL_CHECK_ERROR(RelativeError(opf->kernel(), expected), 1e-5, "float kernel");
  }

  void blurAdjointIdentity_data() {
    QTest::addColumn<Boundary>("boundary");
    QTest::addColumn<int>("size");
    QTest::addColumn<Shape>("shape");
    for (Boundary b : {Boundary::kReflect101, Boundary::kZero})
      for (int size : {3, 5, 7}) {
        QTest::addRow("%s %d 3x16x16", ToString(b), size) << b << size << Shape{2, 3, 16, 16};
        QTest::addRow("%s %d 1x13x17", ToString(b), size) << b << size << Shape{1, 1, 13, 17};
        QTest::addRow("%s %d 2x7x20", ToString(b), size) << b << size << Shape{1, 2, 7, 20};
      }
  }
  void blurAdjointIdentity() {
    QFETCH(Boundary, boundary);
    QFETCH(int, size);
    QFETCH(Shape, shape);
    auto op = MakeBlur<double>(shape, size, 1.3, boundary);
    QVERIFY(op);
    for (unsigned seed : {1u, 2u, 3u})
      BILEVEL_CHECK_ERROR(OperatorAdjointMismatch(*op, 0, seed), 1e-12, "blur adjoint");
    auto opf = MakeBlur<float>(shape, size, 1.3, boundary);
    QVERIFY(opf);
    BILEVEL_CHECK_ERROR(OperatorAdjointMismatch(*opf, 0, 4), 1e-5, "float blur adjoint");
  }

  void blurMatchesNaive_data() { blurAdjointIdentity_data(); }
  void blurMatchesNaive() {
    QFETCH(Boundary, boundary);
    QFETCH(int, size);
    QFETCH(Shape, shape);
    auto op = MakeBlur<double>(shape, size, 1.3, boundary);
    QVERIFY(op);
    const std::size_t n = shape.imageSize();
    const std::vector<double> x = RandomValues<double>(n, 17);
    std::vector<double> ax(n, 1e30);
    op->apply(0, x.data(), ax.data());
    const std::vector<double> expected =
        NaiveBlur(x.data(), shape.c, shape.h, shape.w, op->kernel(), size, boundary);
    BILEVEL_CHECK_ERROR(RelativeError(std::vector<double>(ax), expected), 1e-13,
                        "blur vs naive correlation");
  }

  void blurPreservesConstants() {
    const Shape shape{1, 3, 12, 10};
    const std::size_t n = shape.imageSize();
    const std::vector<double> ones(n, 0.75);
    std::vector<double> out(n);
    auto reflect = MakeBlur<double>(shape, 7, 2.0, Boundary::kReflect101);
    QVERIFY(reflect);
    reflect->apply(0, ones.data(), out.data());
    BILEVEL_CHECK_ERROR(MaxAbsDiff(out.data(), ones.data(), n), 1e-14,
                        "reflect blur of a constant");
    auto zero = MakeBlur<double>(shape, 7, 2.0, Boundary::kZero);
    QVERIFY(zero);
    zero->apply(0, ones.data(), out.data());
    // Interior pixel: unchanged; corner pixel: loses the mass outside the image.
    QVERIFY(std::abs(out[5 * 10 + 5] - 0.75) <= 1e-14);
    QVERIFY(out[0] < 0.75 * 0.6);
  }

  void invalidBlurOptions_data() {
    QTest::addColumn<int>("size");
    QTest::addColumn<double>("sigma");
    QTest::addColumn<QString>("keyword");
    QTest::newRow("even size") << 4 << 1.0 << "size";
    QTest::newRow("zero size") << 0 << 1.0 << "size";
    QTest::newRow("negative size") << -3 << 1.0 << "size";
    QTest::newRow("zero sigma") << 5 << 0.0 << "sigma";
    QTest::newRow("negative sigma") << 5 << -1.0 << "sigma";
    QTest::newRow("nan sigma") << 5 << std::numeric_limits<double>::quiet_NaN() << "sigma";
  }
  void invalidBlurOptions() {
    QFETCH(int, size);
    QFETCH(double, sigma);
    QFETCH(QString, keyword);
    const std::string word = keyword.toStdString();
    GaussianBlurOptions options;
    options.size = size;
    options.sigma = sigma;
    const Status v = options.validate();
    BILEVEL_CHECK_REJECTED(v.ok(), v.message(), word.c_str());

    Status status;
    auto op = GaussianBlurOperator<double>::Create(Shape{1, 3, 16, 16}, options, &status);
    QVERIFY2(!op, "Create() returned an operator for invalid options");
    BILEVEL_CHECK_REJECTED(status.ok(), status.message(), word.c_str());
  }

  void validBlurOptions() {
    GaussianBlurOptions options;  // defaults: 7x7, sigma 2
    QVERIFY2(options.validate().ok(), options.validate().message().c_str());
    options.size = 1;
    options.sigma = 0.5;
    QVERIFY2(options.validate().ok(), options.validate().message().c_str());
  }

  void blurCreateRejectsBadShapes_data() {
    QTest::addColumn<Shape>("shape");
    QTest::newRow("no channels") << Shape{1, 0, 16, 16};
    QTest::newRow("no rows") << Shape{1, 3, 0, 16};
    QTest::newRow("image smaller than the mirror") << Shape{1, 3, 2, 2};
  }
  void blurCreateRejectsBadShapes() {
    QFETCH(Shape, shape);
    GaussianBlurOptions options;
    options.size = 7;
    options.boundary = Boundary::kReflect101;
    Status status;
    auto op = GaussianBlurOperator<double>::Create(shape, options, &status);
    QVERIFY2(!op, "Create() accepted an unusable image shape");
    QVERIFY(!status.ok());
    QVERIFY(!status.message().empty());
  }

  void inpaintingMasks() {
    const Shape shape{3, 3, 32, 32};
    const Batch<double> m = InpaintingOperator<double>::RandomMasks(shape, 0.4, 5);
    QCOMPARE(m.shape(), shape);
    for (int i = 0; i < shape.n; ++i) {
      int kept = 0;
      for (int y = 0; y < shape.h; ++y)
        for (int x = 0; x < shape.w; ++x) {
          const double v = m.at(i, 0, y, x);
          QVERIFY2(v == 0.0 || v == 1.0, "mask is not binary");
          for (int c = 1; c < shape.c; ++c)
            QVERIFY2(m.at(i, c, y, x) == v, "mask differs between channels of one pixel");
          kept += v == 1.0;
        }
      const double fraction = double(kept) / (shape.h * shape.w);
      QVERIFY2(std::abs(fraction - 0.4) < 0.08,
               qPrintable(QStringLiteral("kept fraction %1, wanted 0.4").arg(fraction)));
    }
    // Deterministic per seed, different across seeds and images.
    const Batch<double> again = InpaintingOperator<double>::RandomMasks(shape, 0.4, 5);
    QVERIFY(again.values() == m.values());
    const Batch<double> other = InpaintingOperator<double>::RandomMasks(shape, 0.4, 6);
    QVERIFY(other.values() != m.values());
    QVERIFY(!std::equal(m.image(0), m.image(0) + m.imageSize(), m.image(1)));

    const Batch<float> all = InpaintingOperator<float>::RandomMasks(shape, 1.0, 1);
    for (float v : all.values())
      QCOMPARE(v, 1.0f);
    const Batch<float> none = InpaintingOperator<float>::RandomMasks(shape, 0.0, 1);
    for (float v : none.values())
      QCOMPARE(v, 0.0f);
  }

  void inpaintingOperator() {
    const Shape shape{2, 3, 10, 13};
    const Batch<double> masks = InpaintingOperator<double>::RandomMasks(shape, 0.5, 2);
    InpaintingOperator<double> op(masks);
    QCOMPARE(op.kind(), OperatorKind::kInpainting);
    QCOMPARE(op.imageCount(), 2);
    QCOMPARE(op.normalLowerBound(), 0.0);
    QCOMPARE(op.imageShape().c, 3);
    QCOMPARE(op.imageShape().h, 10);
    QCOMPARE(op.imageShape().w, 13);
    QVERIFY(op.masks().values() == masks.values());
    const std::size_t n = shape.imageSize();
    for (int i = 0; i < 2; ++i) {
      const std::vector<double> x = RandomValues<double>(n, 10 + i);
      std::vector<double> ax(n, 1e30), atx(n, 1e30);
      op.apply(i, x.data(), ax.data());
      op.applyAdjoint(i, x.data(), atx.data());
      for (std::size_t k = 0; k < n; ++k) {
        QCOMPARE(ax[k], masks.image(i)[k] * x[k]);
        QCOMPARE(atx[k], ax[k]);
      }
      BILEVEL_CHECK_ERROR(OperatorAdjointMismatch(op, i, 20 + i), 1e-14, "inpainting adjoint");
    }
  }

  void applyToBatch() {
    const Shape shape{3, 2, 11, 9};
    const Batch<double> in = RandomData<double>(shape, 4);
    auto blur = MakeBlur<double>(shape, 5, 1.0, Boundary::kReflect101);
    QVERIFY(blur);
    InpaintingOperator<double> mask(InpaintingOperator<double>::RandomMasks(shape, 0.6, 3));
    const ForwardOperator<double>* ops[] = {blur.get(), &mask};
    for (const ForwardOperator<double>* op : ops)
      for (bool adjoint : {false, true}) {
        Batch<double> out(shape, 1e30);
        ApplyToBatch(*op, in, out, adjoint);
        Batch<double> expected(shape);
        for (int i = 0; i < shape.n; ++i) {
          if (adjoint)
            op->applyAdjoint(i, in.image(i), expected.image(i));
          else
            op->apply(i, in.image(i), expected.image(i));
        }
        QCOMPARE(MaxAbsDiff(out.data(), expected.data(), out.size()), 0.0);
      }
  }

  void checkOperatorShape_data() {
    QTest::addColumn<int>("op_kind");  // 0 identity, 1 blur, 2 inpainting (2 masks)
    QTest::addColumn<Shape>("images");
    QTest::addColumn<bool>("fits");
    for (int kind : {0, 1, 2}) {
      const char* name = kind == 0 ? "identity" : kind == 1 ? "blur" : "inpainting";
      QTest::addRow("%s matching", name) << kind << Shape{2, 3, 16, 16} << true;
      QTest::addRow("%s channels", name) << kind << Shape{2, 1, 16, 16} << false;
      QTest::addRow("%s rows", name) << kind << Shape{2, 3, 15, 16} << false;
      QTest::addRow("%s columns", name) << kind << Shape{2, 3, 16, 17} << false;
    }
    QTest::newRow("inpainting too many images") << 2 << Shape{5, 3, 16, 16} << false;
  }
  void checkOperatorShape() {
    QFETCH(int, op_kind);
    QFETCH(Shape, images);
    QFETCH(bool, fits);
    const Shape own{2, 3, 16, 16};
    std::unique_ptr<ForwardOperator<double>> op;
    if (op_kind == 0) op = std::make_unique<IdentityOperator<double>>(own);
    if (op_kind == 1) op = MakeBlur<double>(own, 5, 1.0, Boundary::kReflect101);
    if (op_kind == 2)
      op = std::make_unique<InpaintingOperator<double>>(
          InpaintingOperator<double>::RandomMasks(own, 0.5, 1));
    QVERIFY(op);
    const Status status = CheckOperatorShape(*op, images);
    if (fits) {
      QVERIFY2(status.ok(), status.message().c_str());
    } else {
      BILEVEL_CHECK_REJECTED(status.ok(), status.message(), "shape", "channel", "size", "image",
                             "height", "width", "row", "column", "mask");
    }
  }
};

QTEST_GUILESS_MAIN(OperatorsTest)
#include "test_operators.moc"
