// ISGD against MAID: the one pairing rule (bilevel/comparison.h) that the application and
// bilevel-cli compare both use.
#include <QTest>

#include "bilevel/comparison.h"
#include "bilevel/presets.h"

using namespace bilevel;

class ComparisonTest : public QObject {
  Q_OBJECT

 private slots:
  void pairsTheSameRunWithMaid() {
    TrainingConfig c;
    QVERIFY(LoadPreset("quick", &c).ok());
    c.trainer.seed = 1234;
    const ComparisonPair pair = PairWithMaid(c);
    QCOMPARE(int(pair.first.trainer.method), int(c.trainer.method));
    QCOMPARE(int(pair.second.trainer.method), int(Method::kMaid));
    QCOMPARE(pair.second.name, c.name + "-maid");
    QCOMPARE(pair.second.trainer.seed, 1234u);
    QCOMPARE(pair.second.dataset.patch_size, c.dataset.patch_size);
    QCOMPARE(pair.second.regularizer.type, c.regularizer.type);

    c.trainer.method = Method::kMaid;  // a MAID configuration is compared with ISGD
    QCOMPARE(int(PairWithMaid(c).first.trainer.method), int(Method::kIsgd));
  }

  // Without a budget in computations MAID gets the computations the first run used, whatever
  // bounded the first run; with one, both runs share it.
  void secondBudgetIsTheFirstsCost() {
    TrainingConfig c;
    c.trainer.budget = Budget{};
    c.trainer.budget.iterations = 7;
    ComparisonPair pair = PairWithMaid(c);
    QVERIFY(pair.second_budget_from_first);
    Budget b = SecondRunBudget(pair, 4321);
    QCOMPARE(b.computations, 4321L);
    QCOMPARE(b.iterations, 0L);
    // A first run that did nothing leaves the configuration's budget.
    QCOMPARE(SecondRunBudget(pair, 0).iterations, 7L);

    c.trainer.budget = Budget{};
    c.trainer.budget.computations = 900;
    pair = PairWithMaid(c);
    QVERIFY(!pair.second_budget_from_first);
    b = SecondRunBudget(pair, 4321);
    QCOMPARE(b.computations, 900L);
  }
};

QTEST_GUILESS_MAIN(ComparisonTest)
#include "test_comparison.moc"
