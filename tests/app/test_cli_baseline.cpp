// bilevel-cli baseline --evaluate: the tuned baseline scored on a folder of whole images by the
// protocol of `evaluate --regularizer`, its table printed and written as CSV and Markdown.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "bilevel/dataset.h"
#include "data/synthetic.h"
#include "support/cli_process.h"

using namespace bilevel;
using bilevel::test::Cli;
using bilevel::test::Describe;

class CliBaselineTest : public QObject {
  Q_OBJECT

 private slots:
  void aTunedBaselineIsScoredOnWholeImages() {
    QTemporaryDir tmp;
    QVERIFY(QDir().mkpath(tmp.filePath("set")));
    for (unsigned k = 0; k < 2; ++k) {
      const Batch<float> image = SyntheticImages<float>(Shape{1, 3, 40 + 8 * int(k), 48}, 20 + k);
      QVERIFY(WriteImage(tmp.filePath("set/%1.png").arg(k).toStdString(), image, 0).ok());
    }
    const test::CliResult r =
        Cli({"baseline", "--preset", "quick", "--method", "nlm", "--tune-images", "4", "--evaluate",
             tmp.filePath("set"), "--out", tmp.filePath("nlm.csv")});
    QVERIFY2(r.code == 0, qPrintable(Describe(r)));
    QVERIFY2(r.out.contains("| nlm PSNR | SSIM |"), qPrintable(r.out));
    QFile csv(tmp.filePath("nlm.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QStringList rows = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(rows.size(), 4);  // header, two images, mean
    QVERIFY(rows[1].startsWith("nlm,0.png,"));
    QVERIFY(rows[3].startsWith("nlm,mean,"));
    QVERIFY(QFile::exists(tmp.filePath("nlm.md")));
    const test::CliResult missing = Cli({"baseline", "--preset", "quick", "--tune-images", "2",
                                         "--evaluate", tmp.filePath("none")});
    QCOMPARE(missing.code, 1);
    QVERIFY(missing.err.contains("none"));
  }
};

QTEST_GUILESS_MAIN(CliBaselineTest)
#include "test_cli_baseline.moc"
