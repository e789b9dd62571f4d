// dataset.format "synthetic": a data set of a chosen size with no files, for benchmarks. Its
// images are SyntheticImages (image k from seed + k) in 8-bit steps, split and shaped like any
// other format; without dataset.max_images it is refused.
#include <QTest>
#include <cmath>

#include "bilevel/dataset.h"
#include "data/synthetic.h"

using namespace bilevel;

class SyntheticDatasetTest : public QObject {
  Q_OBJECT

  static DatasetOptions Options() {
    DatasetOptions o;
    o.format = DatasetFormat::kSynthetic;
    o.max_images = 6;
    o.max_test_images = 2;
    o.split = DatasetSplit::kOrdered;
    o.whole_images = true;
    o.image_side = 40;
    o.seed = 11;
    return o;
  }

 private slots:
  void namesRoundTrip() {
    QCOMPARE(QString(ToString(DatasetFormat::kSynthetic)), QString("synthetic"));
    QVERIFY(DatasetFormatFromString("synthetic") == DatasetFormat::kSynthetic);
  }

  void imagesAreTheGeneratedOnes() {
    Dataset data;
    const Status s = LoadDataset(Options(), &data);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(data.train.shape(), (Shape{4, 3, 40, 40}));
    QCOMPARE(data.test.shape(), (Shape{2, 3, 40, 40}));
    // The ordered split: images 0..3 train, 4 and 5 test.
    for (int k = 0; k < 6; ++k) {
      const Batch<float> expected = SyntheticImages<float>(Shape{1, 3, 40, 40}, 11u + unsigned(k));
      const Batch<float>& got = k < 4 ? data.train : data.test;
      const int i = k < 4 ? k : k - 4;
      double worst = 0;
      for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 40; ++y)
          for (int x = 0; x < 40; ++x) {
            const double e = std::clamp(double(expected.at(0, c, y, x)), 0.0, 1.0);
            worst = std::max(worst, std::abs(got.at(i, c, y, x) - e));
          }
      QVERIFY2(worst <= 0.5 / 255 + 1e-6, qPrintable(QString("image %1: %2").arg(k).arg(worst)));
    }
    Dataset again;
    QVERIFY(LoadDataset(Options(), &again).ok());
    QVERIFY(again.train.values() == data.train.values());
  }

  void greyPatchesAndErrors() {
    DatasetOptions o = Options();
    o.color = ColorMode::kGrey;
    o.whole_images = false;
    o.patch_size = 16;
    o.patches_per_image = 3;
    Dataset data;
    QVERIFY(LoadDataset(o, &data).ok());
    QCOMPARE(data.train.shape(), (Shape{12, 1, 16, 16}));
    o.max_images = 0;
    const Status s = o.validate();
    QVERIFY(!s.ok());
    QVERIFY2(QString::fromStdString(s.message()).contains("dataset.max_images"),
             s.message().c_str());
  }
};

QTEST_MAIN(SyntheticDatasetTest)
#include "test_synthetic_dataset.moc"
