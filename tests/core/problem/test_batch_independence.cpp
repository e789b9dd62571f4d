// Every per-image result of the engine is what the image gives alone, bit for bit, whatever else
// its batch holds, and the batch's values are reduced from them in the batch's order. A
// data-parallel run relies on both: it solves a batch's images on several processes and reduces
// them in the same order. For every regularizer type, a batch {a, b, c, d} is compared with the
// sub-batches {a, c} and {b, d}: solutions, iterations, losses, PSNRs and z_i, then the reduced
// loss and hypergradient; at several thread counts; through the solvers and through the oracle.
#include <QTest>

#include <cmath>
#include <memory>

#include "bilevel/config_json.h"
#include "bilevel/forward_operator.h"
#include "bilevel/hypergradient.h"
#include "bilevel/prepared_run.h"
#include "bilevel/regularizer_registry.h"
#include "bilevel/thread_pool.h"
#include "data/synthetic.h"
#include "problem/image_problem_oracle.h"
#include "problem/oracle_reduction.h"

using namespace bilevel;

namespace {

const char* const kTypes[] = {"field_of_experts", "total_variation", "convex_ridge",
                              "input_convex"};

std::unique_ptr<Regularizer<float>> MakeSmall(const std::string& type, int channels) {
  RegularizerSettings s = DefaultRegularizerSettings(type);
  if (s.find("regularizer.channels")) s.set("regularizer.channels", (long long)channels);
  if (s.find("regularizer.kernels")) s.set("regularizer.kernels", 3LL);
  if (s.find("regularizer.kernel_size")) s.set("regularizer.kernel_size", 3LL);
  if (type == "input_convex") {
    s.set("regularizer.hidden", 3LL);
    s.set("regularizer.depth", 2LL);
  }
  if (type == "convex_ridge") {
    s.set("regularizer.layers", std::string("2, 3"));
    s.set("regularizer.kernel_sizes", std::string("3, 3"));
  }
  std::unique_ptr<Regularizer<float>> reg;
  if (Status st = CreateRegularizer(s, &reg); !st.ok()) qFatal("%s", st.message().c_str());
  return reg;
}

Batch<float> Pick(const Batch<float>& from, const std::vector<int>& images) {
  Batch<float> out(Shape{int(images.size()), from.c(), from.h(), from.w()});
  for (std::size_t k = 0; k < images.size(); ++k)
    std::copy(from.image(images[k]), from.image(images[k]) + from.imageSize(), out.image(int(k)));
  return out;
}

bool SameImage(const Batch<float>& a, int i, const Batch<float>& b, int j) {
  return std::equal(a.image(i), a.image(i) + a.imageSize(), b.image(j));
}

// Two hypergradient evaluations (the second from the first's warm starts) of some images.
struct Evaluation {
  std::vector<HypergradientResult<float>> results;
  Batch<float> x, q;
};

Evaluation Evaluate(const std::string& type, const ForwardOperator<float>& full_op,
                    const Batch<float>& clean_all, const Batch<float>& measured_all,
                    const std::vector<int>& images) {
  auto reg = MakeSmall(type, clean_all.c());
  const std::unique_ptr<ForwardOperator<float>> op = full_op.select(images);
  const Batch<float> clean = Pick(clean_all, images), measured = Pick(measured_all, images);
  const BatchData<float> data{op.get(), &clean, &measured};
  HypergradientOptions options;
  options.lower.tolerance = 1e-3;
  options.linear.tolerance = 1e-3;
  options.mu0 = full_op.kind() == OperatorKind::kInpainting ? 1e-2 : 0.0;
  Vector<float> theta = reg->initialParameters();
  Evaluation e;
  for (int call = 0; call < 2; ++call) {
    e.results.push_back(ComputeHypergradient(options, *reg, theta, data, e.x, e.q));
    // The next parameters do not depend on the images (each batch would move them differently).
    for (Eigen::Index k = 0; k < theta.size(); ++k)
      theta[k] += 0.01f * float(std::sin(double(k)));
    reg->project(theta);
  }
  return e;
}

}  // namespace

class BatchIndependenceTest : public QObject {
  Q_OBJECT

 private slots:
  void cleanupTestCase() { SetThreadCount(2); }

  void solversGiveEachImageItsOwnResult_data() {
    QTest::addColumn<QString>("type");
    QTest::addColumn<int>("channels");
    QTest::addColumn<bool>("inpainting");
    for (const char* type : kTypes) {
      QTest::addRow("%s grey denoising", type) << QString(type) << 1 << false;
      QTest::addRow("%s colour inpainting", type) << QString(type) << 3 << true;
    }
  }
  void solversGiveEachImageItsOwnResult() {
    QFETCH(QString, type);
    QFETCH(int, channels);
    QFETCH(bool, inpainting);
    const Shape shape{4, channels, 14, 14};
    const Batch<float> clean = SyntheticImages<float>(shape, 5);
    std::unique_ptr<ForwardOperator<float>> op;
    if (inpainting)
      op = std::make_unique<InpaintingOperator<float>>(
          InpaintingOperator<float>::RandomMasks(shape, 0.6, 4));
    else
      op = std::make_unique<IdentityOperator<float>>(Shape{1, channels, 14, 14});
    Batch<float> measured(shape);
    ApplyToBatch(*op, clean, measured);
    AddGaussianNoise(measured, 25.0, 6);

    SetThreadCount(1);
    const Evaluation whole = Evaluate(type.toStdString(), *op, clean, measured, {0, 1, 2, 3});
    for (int threads : {1, 2, 3}) {
      SetThreadCount(threads);
      const Evaluation again = Evaluate(type.toStdString(), *op, clean, measured, {0, 1, 2, 3});
      const Evaluation ac = Evaluate(type.toStdString(), *op, clean, measured, {0, 2});
      const Evaluation bd = Evaluate(type.toStdString(), *op, clean, measured, {1, 3});
      for (int call = 0; call < 2; ++call) {
        const HypergradientResult<float>& w = whole.results[std::size_t(call)];
        QVERIFY2(w.usable(), w.message.c_str());
        QVERIFY(again.results[std::size_t(call)].gradient == w.gradient);
        ImageOutcomes merged;
        for (int i = 0; i < 4; ++i) {
          const Evaluation& part = i % 2 == 0 ? ac : bd;
          const HypergradientResult<float>& r = part.results[std::size_t(call)];
          QVERIFY2(r.usable(), r.message.c_str());
          const int k = i / 2;
          QCOMPARE(r.losses[std::size_t(k)], w.losses[std::size_t(i)]);
          QCOMPARE(r.psnr[std::size_t(k)], w.psnr[std::size_t(i)]);
          QCOMPARE(r.lower.images[std::size_t(k)].iterations,
                   w.lower.images[std::size_t(i)].iterations);
          QCOMPARE(r.lower.images[std::size_t(k)].lipschitz,
                   w.lower.images[std::size_t(i)].lipschitz);
          QCOMPARE(r.linear.images[std::size_t(k)].iterations,
                   w.linear.images[std::size_t(i)].iterations);
          QVERIFY2(
              r.image_gradients.col(k) == w.image_gradients.col(i),
              qPrintable(QString("z_%1 at %2 threads, call %3").arg(i).arg(threads).arg(call)));
          const ImageOutcomes one = OutcomesOf(r, true);
          std::vector<double> values;
          one.pack(k, true, &values);
          merged.unpackAppend(values.data(), int(w.gradient.size()), true);
        }
        // The reduction of the gathered images in the batch's order is the batch's.
        OracleRequest with_gradient;
        with_gradient.gradient = true;
        const OracleResult reduced = ReduceOutcomes(merged, with_gradient);
        const OracleResult direct = ReduceOutcomes(OutcomesOf(w, true), with_gradient);
        QCOMPARE(reduced.unconverged, direct.unconverged);
        QCOMPARE(reduced.loss, w.loss);
        QCOMPARE(reduced.loss, direct.loss);
        QCOMPARE(reduced.psnr, direct.psnr);
        QCOMPARE(reduced.loss_gradient_norm, direct.loss_gradient_norm);
        QVERIFY(reduced.gradient == direct.gradient);
        QVERIFY(reduced.gradient.cast<float>() == w.gradient);
        QCOMPARE(reduced.lower_iterations, w.lower.totalIterations());
        QCOMPARE(reduced.cg_iterations, w.linear.totalIterations());
      }
      for (int i = 0; i < 4; ++i) {
        const Evaluation& part = i % 2 == 0 ? ac : bd;
        QVERIFY(SameImage(part.x, i / 2, whole.x, i));
        QVERIFY(SameImage(part.q, i / 2, whole.q, i));
      }
    }
  }

  // Through ImageProblemOracle: solve() of {0, 2} and {1, 3}, gathered in request order and
  // reduced, is evaluate() of {3, 0, 2, 1} (a request in any order), warm starts included.
  void oracleReducesInRequestOrder_data() {
    QTest::addColumn<QString>("type");
    for (const char* type : kTypes)
      QTest::newRow(type) << QString(type);
  }
  void oracleReducesInRequestOrder() {
    QFETCH(QString, type);
    TrainingConfig c;
    c.dataset.color = ColorMode::kGrey;
    c.dataset.patch_size = 16;
    c.dataset.patches_per_image = 1;
    c.dataset.max_train_patches = 4;
    c.dataset.max_test_patches = 2;
    c.trainer.budget.iterations = 1;
    c.backend.device = DevicePreference::kCpu;
    QVERIFY(SetConfigField(&c, "regularizer.type", type.toStdString()).ok());
    QVERIFY(SetConfigField(&c, "regularizer.channels", "1").ok());
    if (type == "input_convex") QVERIFY(SetConfigField(&c, "regularizer.depth", "2").ok());
    PreparedRun whole, parts;
    PrepareOptions options;
    options.measure_initial_test = false;
    const Status prepared = PrepareRun(c, options, &whole);
    QVERIFY2(prepared.ok(), prepared.message().c_str());
    QVERIFY(PrepareRun(c, options, &parts).ok());
    auto* split = dynamic_cast<ImageProblemOracle*>(parts.oracle.get());
    QVERIFY(split);
    Eigen::VectorXd theta = whole.oracle->initialParameters();
    whole.oracle->project(theta);
    const std::vector<int> order = {3, 0, 2, 1};
    for (bool gradient : {true, false, true}) {
      OracleRequest request;
      request.images = order;
      request.gradient = gradient;
      request.epsilon = request.delta = 1e-3;
      const OracleResult want = whole.oracle->evaluate(theta, request);
      QVERIFY2(want.ok(), want.message.c_str());
      request.images = {0, 2};
      const ImageProblemOracle::Solution even = split->solve(theta, request);
      request.images = {3, 1};
      const ImageProblemOracle::Solution odd = split->solve(theta, request);
      QVERIFY(even.failure.ok() && odd.failure.ok());
      ImageOutcomes merged;
      std::vector<double> values;
      const int d = int(theta.size());
      for (int i : order) {
        const ImageProblemOracle::Solution& s = i % 2 == 0 ? even : odd;
        const int k = int(std::find(s.indices.begin(), s.indices.end(), i) - s.indices.begin());
        values.clear();
        s.images.pack(k, gradient, &values);
        merged.unpackAppend(values.data(), d, gradient);
      }
      split->commit(even);
      split->commit(odd);
      request.images = order;
      const OracleResult got = ReduceOutcomes(merged, request);
      QCOMPARE(got.unconverged, want.unconverged);
      QCOMPARE(got.message, want.message);
      QCOMPARE(got.loss, want.loss);
      QCOMPARE(got.psnr, want.psnr);
      QCOMPARE(got.loss_gradient_norm, want.loss_gradient_norm);
      QVERIFY(got.gradient == want.gradient);
      QCOMPARE(got.lower_iterations, want.lower_iterations);
      QCOMPARE(got.cg_iterations, want.cg_iterations);
      QCOMPARE(got.power_iterations, want.power_iterations);
      std::vector<float> warm_whole, warm_parts;
      QVERIFY(whole.oracle->warmStarts(&warm_whole).ok());
      QVERIFY(split->warmStarts(&warm_parts).ok());
      QVERIFY(warm_whole == warm_parts);
      if (gradient) theta -= 1e-3 * want.gradient;
      whole.oracle->project(theta);
    }
  }
};

QTEST_GUILESS_MAIN(BatchIndependenceTest)
#include "test_batch_independence.moc"
