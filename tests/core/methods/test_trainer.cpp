// The upper-level methods on problems with known answers: exact schedules, ISGD / Adam / IGD
// convergence to a known optimum, epoch sampling, MAID's acceptance, rejection and adaptation
// on crafted cases, live knob changes and divergence.
#include <QTest>

#include <cmath>
#include <numbers>
#include <set>

#include "bilevel/schedule.h"
#include "bilevel/trainer.h"
#include "bilevel/trainer_options.h"
#include "toy_oracle.h"

using namespace bilevel;
using namespace bilevel::test;

namespace {

// What a trainer takes: its options and its live knobs.
struct ToyRun {
  TrainerOptions trainer;
  LiveKnobs knobs;
};

ToyRun ToyConfig(Method method) {
  ToyRun c;
  c.trainer.method = method;
  c.knobs.batch_size = 4;
  c.knobs.step = {ScheduleKind::kConstant, 0.5, 0.5};
  c.knobs.accuracy = {ScheduleKind::kConstant, 1e-3, 0.5};
  c.trainer.budget.iterations = 1000000;
  return c;
}

Eigen::VectorXd Scalar(double v) {
  return Eigen::VectorXd::Constant(1, v);
}

}  // namespace

class TrainerTest : public QObject {
  Q_OBJECT

 private slots:
  void schedulesProduceTheirExactSequences() {
    const Schedule constant{ScheduleKind::kConstant, 0.3, 2.0};
    const Schedule poly{ScheduleKind::kPolynomial, 0.3, 0.5};
    const Schedule log{ScheduleKind::kLogarithmic, 0.3, 2.0};
    for (long k = 0; k < 6; ++k) {
      QCOMPARE(constant.value(k), 0.3);
      QCOMPARE(poly.value(k), 0.3 / std::sqrt(double(k + 1)));
      const double l = std::log(double(k) + std::numbers::e);
      QCOMPARE(log.value(k), 0.3 / (l * l));
    }
    QCOMPARE(log.value(0), 0.3);  // log(e) = 1
    QCOMPARE(poly.value(3), 0.15);
    const DeltaSetting same{DeltaRule::kEqualEpsilon, 7.0};
    const DeltaSetting scaled{DeltaRule::kScaled, 0.1};
    const DeltaSetting fixed{DeltaRule::kFixed, 1e-4};
    QCOMPARE(same.delta(0.02), 0.02);
    QCOMPARE(scaled.delta(0.02), 0.1 * 0.02);
    QCOMPARE(fixed.delta(0.02), 1e-4);
    const Schedule negative_start{ScheduleKind::kPolynomial, -1.0, 0.5};
    const Schedule negative_power{ScheduleKind::kPolynomial, 1.0, -0.5};
    const DeltaSetting zero_delta{DeltaRule::kFixed, 0.0};
    QVERIFY(!negative_start.validate().ok());
    QVERIFY(!negative_power.validate().ok());
    QVERIFY(!zero_delta.validate().ok());
    QCOMPARE(ScheduleKindFromString(ToString(ScheduleKind::kLogarithmic)).value(),
             ScheduleKind::kLogarithmic);
    QVERIFY(!ScheduleKindFromString("cosine").has_value());
  }

  void recordsFollowTheSchedulesExactly() {
    QuadraticWeightOracle oracle(8, 16, 3);
    ToyRun c = ToyConfig(Method::kIsgd);
    c.knobs.step = {ScheduleKind::kPolynomial, 0.2, 0.5};
    c.knobs.accuracy = {ScheduleKind::kLogarithmic, 0.1, 1.5};
    c.knobs.delta = {DeltaRule::kScaled, 0.5};
    Trainer trainer(c.trainer, c.knobs, oracle);
    QVERIFY(trainer.initialize(Scalar(0.0)).ok());
    long computations = 0;
    for (long k = 0; k < 12; ++k) {
      const StepOutcome out = trainer.step();
      QCOMPARE(int(out.kind), int(StepOutcome::Kind::kStep));
      QCOMPARE(out.record.iteration, k + 1);
      QCOMPARE(out.record.alpha, c.knobs.step.value(k));
      QCOMPARE(out.record.epsilon, c.knobs.accuracy.value(k));
      QCOMPARE(out.record.delta, 0.5 * c.knobs.accuracy.value(k));
      QVERIFY(out.record.computations > computations);
      QCOMPARE(out.record.computations, out.record.lower_iterations + out.record.cg_iterations);
      computations = out.record.computations;
      QCOMPARE(out.record.epoch, double(4 * (k + 1)) / 8.0);
    }
  }

  void isgdConvergesToTheKnownOptimum() {
    QuadraticWeightOracle oracle(16, 32, 5);
    ToyRun c = ToyConfig(Method::kIsgd);
    c.knobs.step = {ScheduleKind::kPolynomial, 0.5, 0.5};
    c.knobs.accuracy = {ScheduleKind::kPolynomial, 0.1, 1.0};
    Trainer trainer(c.trainer, c.knobs, oracle);
    QVERIFY(trainer.initialize(Scalar(1.5)).ok());
    const double start_error = std::abs(1.5 - oracle.optimum());
    for (int k = 0; k < 3000; ++k)
      QVERIFY(trainer.step().kind == StepOutcome::Kind::kStep);
    const double error = std::abs(trainer.parameters()(0) - oracle.optimum());
    QVERIFY2(
        error < 0.02 && error < 0.05 * start_error,
        qPrintable(
            QString("theta %1, optimum %2").arg(trainer.parameters()(0)).arg(oracle.optimum())));
  }

  void igdAndAdamConvergeToTheKnownOptimum() {
    for (Method method : {Method::kIgd, Method::kAdam}) {
      QuadraticWeightOracle oracle(16, 32, 6);
      ToyRun c = ToyConfig(method);
      c.knobs.step = method == Method::kIgd ? Schedule{ScheduleKind::kConstant, 0.5, 0.0}
                                            : Schedule{ScheduleKind::kPolynomial, 0.05, 0.5};
      c.knobs.accuracy = {ScheduleKind::kPolynomial, 0.1, 1.0};
      Trainer trainer(c.trainer, c.knobs, oracle);
      QVERIFY(trainer.initialize(Scalar(-1.0)).ok());
      for (int k = 0; k < 2000; ++k)
        QVERIFY(trainer.step().kind == StepOutcome::Kind::kStep);
      const double error = std::abs(trainer.parameters()(0) - oracle.optimum());
      QVERIFY2(error < (method == Method::kIgd ? 1e-3 : 0.02),
               qPrintable(QString("%1: theta %2, optimum %3")
                              .arg(ToString(method))
                              .arg(trainer.parameters()(0))
                              .arg(oracle.optimum())));
    }
  }

  void isgdVisitsEveryImageOncePerEpoch() {
    ScriptedOracle oracle(Scalar(0.0), 10);
    ToyRun c = ToyConfig(Method::kIsgd);
    c.knobs.step.initial = 1e-3;
    Trainer trainer(c.trainer, c.knobs, oracle);
    QVERIFY(trainer.initialize(Scalar(1.0)).ok());
    for (int k = 0; k < 9; ++k)
      QVERIFY(trainer.step().kind == StepOutcome::Kind::kStep);
    // Batches of 4, 4, 2 per epoch of 10 images, three epochs.
    QCOMPARE(int(oracle.requests.size()), 9);
    std::vector<int> orders[3];
    for (int e = 0; e < 3; ++e) {
      std::multiset<int> seen;
      for (int b = 0; b < 3; ++b) {
        const auto& images = oracle.requests[std::size_t(3 * e + b)].images;
        QCOMPARE(int(images.size()), b < 2 ? 4 : 2);
        seen.insert(images.begin(), images.end());
        orders[e].insert(orders[e].end(), images.begin(), images.end());
      }
      QCOMPARE(int(seen.size()), 10);
      QCOMPARE(int(std::set<int>(seen.begin(), seen.end()).size()), 10);
    }
    QVERIFY(orders[0] != orders[1] || orders[1] != orders[2]);  // reshuffled
    QCOMPARE(trainer.epoch(), 3.0);
  }

  // f(theta) = theta^2 from theta = 1, z = 2, L_g = 2, eta = 1e-4, rho = 1/2.
  void maidAcceptsTheFirstTrialWhenItDecreasesEnough() {
    ScriptedOracle oracle(Scalar(0.0));
    ToyRun c = ToyConfig(Method::kMaid);
    c.trainer.maid.step = 0.25;
    c.trainer.maid.epsilon = 1e-6;
    c.trainer.maid.delta = 2e-6;
    Trainer trainer(c.trainer, c.knobs, oracle);
    QVERIFY(trainer.initialize(Scalar(1.0)).ok());
    const StepOutcome out = trainer.step();
    QVERIFY(out.kind == StepOutcome::Kind::kStep);
    QCOMPARE(out.record.accepted, 1);
    QCOMPARE(out.record.rejected, 0);
    QCOMPARE(out.record.alpha, 0.25);
    QCOMPARE(trainer.parameters()(0), 0.5);
    QCOMPARE(out.record.loss, 0.25);
    QCOMPARE(out.record.epsilon, 1e-6);
    QCOMPARE(out.record.delta, 2e-6);
    QCOMPARE(trainer.maidEpsilon(), 1e-6 * 1.05);
    QCOMPARE(trainer.maidStep(), 0.25 * 1.1);
    QCOMPARE(out.record.computations, 15L + 10L);  // hypergradient + one trial
    QCOMPARE(int(oracle.requests.size()), 2);
    QVERIFY(oracle.requests[0].gradient && !oracle.requests[1].gradient);
    QCOMPARE(oracle.requests[1].epsilon, 1e-6);
    QCOMPARE(int(oracle.requests[0].images.size()), 4);  // the full batch
  }

  void maidBacktracksOnceThenAccepts() {
    ScriptedOracle oracle(Scalar(0.0));
    ToyRun c = ToyConfig(Method::kMaid);
    c.trainer.maid.step = 1.0;  // theta+ = -1: no decrease; then 0.5 gives theta+ = 0
    c.trainer.maid.epsilon = 1e-6;
    Trainer trainer(c.trainer, c.knobs, oracle);
    QVERIFY(trainer.initialize(Scalar(1.0)).ok());
    const StepOutcome out = trainer.step();
    QCOMPARE(out.record.accepted, 1);
    QCOMPARE(out.record.rejected, 1);
    QCOMPARE(out.record.alpha, 0.5);
    QCOMPARE(trainer.parameters()(0), 0.0);
    QCOMPARE(trainer.maidStep(), 0.5 * 1.1);
    QCOMPARE(oracle.thetas[1](0), -1.0);
    QCOMPARE(oracle.thetas[2](0), 0.0);
    QCOMPARE(out.record.computations, 15L + 2 * 10L);
  }

  void maidRejectsEveryTrialAndTightensTheAccuracy() {
    ScriptedOracle oracle(Scalar(0.0));
    ToyRun c = ToyConfig(Method::kMaid);
    c.trainer.maid.step = 0.5;
    c.trainer.maid.epsilon = 1.0;  // L_g eps^2 = 2 exceeds any possible decrease (at most 1)
    c.trainer.maid.delta = 0.1;
    Trainer trainer(c.trainer, c.knobs, oracle);
    QVERIFY(trainer.initialize(Scalar(1.0)).ok());
    const StepOutcome out = trainer.step();
    QCOMPARE(out.record.accepted, 0);
    QCOMPARE(out.record.rejected, c.trainer.maid.max_backtracks);
    QCOMPARE(trainer.parameters()(0), 1.0);
    QCOMPARE(out.record.loss, 1.0);
    QCOMPARE(trainer.maidEpsilon(), 0.5);
    QCOMPARE(trainer.maidStep(), 0.5);  // unchanged after a failure
    QCOMPARE(out.record.computations, 15L + 10L * c.trainer.maid.max_backtracks);
    // Trial steps rho^i beta.
    for (int i = 0; i < c.trainer.maid.max_backtracks; ++i)
      QCOMPARE(oracle.thetas[std::size_t(1 + i)](0), 1.0 - 2.0 * 0.5 * std::pow(0.5, i));
    // The next iteration recomputes the hypergradient at the tighter accuracy.
    const StepOutcome next = trainer.step();
    QCOMPARE(next.record.epsilon, 0.5);
    QCOMPARE(next.record.delta, 0.05);
    QVERIFY(oracle.requests[std::size_t(1 + c.trainer.maid.max_backtracks)].gradient);
  }

  void maidBoundsUseTheLossGradientNorm() {
    for (double norm : {0.0, 1.0}) {
      ScriptedOracle oracle(Scalar(0.0));
      oracle.loss_gradient_norm = norm;
      ToyRun c = ToyConfig(Method::kMaid);
      c.trainer.maid.step = 0.5;
      c.trainer.maid.epsilon = 0.5;  // L_g eps^2 = 0.5; with ||grad g|| = 1 the terms add 1 more
      Trainer trainer(c.trainer, c.knobs, oracle);
      QVERIFY(trainer.initialize(Scalar(1.0)).ok());
      const StepOutcome out = trainer.step();
      QCOMPARE(out.record.accepted, norm == 0.0 ? 1 : 0);
    }
  }

  void knobChangesApplyFromTheNextStep() {
    QuadraticWeightOracle oracle(8, 8, 1);
    Trainer trainer(ToyConfig(Method::kIsgd).trainer, ToyConfig(Method::kIsgd).knobs, oracle);
    QVERIFY(trainer.initialize(Scalar(0.0)).ok());
    QCOMPARE(trainer.step().record.alpha, 0.5);
    LiveKnobs knobs = trainer.knobs();
    knobs.step.initial = 0.125;
    knobs.batch_size = 2;
    trainer.setKnobs(knobs);
    const StepOutcome out = trainer.step();
    QCOMPARE(out.record.alpha, 0.125);
    QCOMPARE(out.record.batch_size, 2);
    QCOMPARE(trainer.knobs().step.initial, 0.125);
    knobs.step.initial = -3;
    const Status bad = knobs.validate();
    QVERIFY(!bad.ok());
    QVERIFY2(bad.message().find("step.initial") != std::string::npos, bad.message().c_str());
  }

  void divergenceKeepsTheLastFiniteParameters() {
    ScriptedOracle oracle(Scalar(0.0));
    ToyRun c = ToyConfig(Method::kIsgd);
    c.knobs.step.initial = 1e200;
    Trainer trainer(c.trainer, c.knobs, oracle);
    QVERIFY(trainer.initialize(Scalar(1.0)).ok());
    StepOutcome out;
    int steps = 0;
    do {
      out = trainer.step();
    } while (out.kind == StepOutcome::Kind::kStep && ++steps < 10);
    QCOMPARE(int(out.kind), int(StepOutcome::Kind::kDiverged));
    QVERIFY(trainer.parameters().allFinite());
    QVERIFY2(out.message.find("diverged") != std::string::npos, out.message.c_str());
  }

  void budgetsAreReported() {
    QuadraticWeightOracle oracle(8, 8, 1);
    ToyRun c = ToyConfig(Method::kIsgd);
    c.trainer.budget.iterations = 3;
    Trainer trainer(c.trainer, c.knobs, oracle);
    QVERIFY(trainer.initialize(Scalar(0.0)).ok());
    for (int k = 0; k < 3; ++k) {
      QVERIFY(trainer.budgetReached().empty());
      trainer.step();
    }
    QVERIFY(trainer.budgetReached().find("3 iterations") != std::string::npos);
    ToyRun e = ToyConfig(Method::kIsgd);
    e.trainer.budget.epochs = 1.0;
    Trainer by_epoch(e.trainer, e.knobs, oracle);
    QVERIFY(by_epoch.initialize(Scalar(0.0)).ok());
    by_epoch.step();
    QVERIFY(by_epoch.budgetReached().empty());
    by_epoch.step();
    QVERIFY(by_epoch.budgetReached().find("epochs") != std::string::npos);
  }

  void initializeRejectsBadParameters() {
    QuadraticWeightOracle oracle(4, 4, 1);
    Trainer trainer(ToyConfig(Method::kIsgd).trainer, ToyConfig(Method::kIsgd).knobs, oracle);
    QVERIFY(!trainer.initialize(Eigen::VectorXd::Zero(2)).ok());
    QVERIFY(!trainer.initialize(Scalar(std::nan(""))).ok());
    QCOMPARE(int(trainer.step().kind), int(StepOutcome::Kind::kError));
  }
};

QTEST_APPLESS_MAIN(TrainerTest)
#include "test_trainer.moc"
