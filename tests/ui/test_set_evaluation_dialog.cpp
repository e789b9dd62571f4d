// "Evaluate on a Folder": the dialog scores a folder of whole images as bilevel::EvaluateSet
// does (the table of images and means, the options of bilevel-cli evaluate), shows the
// measurement and the reconstruction zooming and panning in step, saves the CLI's tables, and
// reports bad input and cancelling as messages.
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <utility>

#include "bilevel/dataset.h"
#include "bilevel/regularizer_io.h"
#include "bilevel/regularizer_registry.h"
#include "bilevel/set_evaluation.h"
#include "bilevel/set_evaluation_table.h"
#include "data/synthetic.h"
#include "set_evaluation_dialog.h"
#include "zoom_image_view.h"

using namespace studio;

namespace {

bool Close(double a, double b) {
  return std::abs(a - b) <= 1e-6 * std::max(1.0, std::abs(b));
}

QByteArray ReadAll(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

}  // namespace

class SetEvaluationDialogTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;

  QString path(const QString& name) const { return dir_.filePath(name); }

  // The solves of the tests: on the CPU, to a modest accuracy.
  static void Configure(SetEvaluationDialog& dialog) {
    auto* device = dialog.findChild<QComboBox*>("device");
    QVERIFY(device);
    device->setCurrentIndex(device->findData(QStringLiteral("cpu")));
    dialog.findChild<QDoubleSpinBox*>("eps")->setValue(1e-2);
    dialog.findChild<QSpinBox*>("maxIterations")->setValue(3000);
  }

  // Starts the dialog's evaluation and waits for its end: {ok, message}.
  static std::pair<bool, QString> Run(SetEvaluationDialog& dialog, int timeout_ms = 60000) {
    QSignalSpy done(&dialog, &SetEvaluationDialog::finished);
    dialog.start();
    if (done.count() == 0 && !done.wait(timeout_ms)) return {false, QStringLiteral("timed out")};
    return {done.first().at(0).toBool(), done.first().at(1).toString()};
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    QVERIFY(QDir(dir_.path()).mkpath(QStringLiteral("images")));
    // Grey images of two sizes, 40 x 32 and 48 x 48.
    const bilevel::Shape shapes[] = {{1, 1, 32, 40}, {1, 1, 48, 48}, {1, 1, 32, 40}};
    for (int k = 0; k < 3; ++k) {
      const bilevel::Batch<float> image = bilevel::SyntheticImages<float>(shapes[k], 11 + k);
      const std::string file = path(QStringLiteral("images/img%1.png").arg(k)).toStdString();
      QVERIFY(bilevel::WriteImage(file, image, 0).ok());
    }
    // A small grey Field of Experts at its initial parameters: 4 kernels of 3 x 3.
    bilevel::RegularizerSettings foe = bilevel::DefaultRegularizerSettings("field_of_experts");
    QVERIFY(foe.set("regularizer.channels", 1LL).ok());
    QVERIFY(foe.set("regularizer.kernels", 4LL).ok());
    QVERIFY(foe.set("regularizer.kernel_size", 3LL).ok());
    std::unique_ptr<bilevel::Regularizer<double>> reg;
    QVERIFY(bilevel::CreateRegularizer(foe, &reg).ok());
    QVERIFY(
        bilevel::WriteRegularizerJson(path("foe.json").toStdString(), foe, reg->initialParameters())
            .ok());
    // One of two channels fits neither grey nor colour images.
    QVERIFY(foe.set("regularizer.channels", 2LL).ok());
    QVERIFY(bilevel::CreateRegularizer(foe, &reg).ok());
    QVERIFY(
        bilevel::WriteRegularizerJson(path("two.json").toStdString(), foe, reg->initialParameters())
            .ok());
    std::ofstream(path("broken.json").toStdString()) << "not JSON";
  }

  void theDefaultsAreThoseOfTheCommandLine() {
    SetEvaluationDialog dialog;
    const bilevel::SetEvaluationOptions o = dialog.request().options;
    QVERIFY(o.problem.kind == bilevel::OperatorKind::kIdentity);
    QCOMPARE(o.problem.noise_sigma, 25.0);
    QCOMPARE(o.problem.blur.size, 7);
    QCOMPARE(o.problem.blur.sigma, 2.0);
    QCOMPARE(o.problem.keep_fraction, 0.5);
    QCOMPARE(o.problem.seed, 0u);
    QCOMPARE(o.solve.mu0, 0.0);
    QVERIFY(std::abs(o.solve.fista.tolerance - 1e-3) < 1e-15);
    QCOMPARE(o.solve.fista.max_iterations, 5000);
  }

  void scoresTheFolderAsTheEngineDoes() {
    SetEvaluationDialog dialog;
    dialog.resize(1000, 700);
    dialog.show();
    dialog.setRegularizers({path("foe.json")});
    dialog.setFolder(path("images"));
    Configure(dialog);
    const std::pair<bool, QString> run = Run(dialog);
    QVERIFY2(run.first, qPrintable(run.second));
    QVERIFY(!dialog.running());

    // A row per image and the means; the image, its measurement's PSNR, PSNR and SSIM.
    QTableWidget* table = dialog.table();
    QCOMPARE(table->rowCount(), 3 + 1);
    QCOMPARE(table->columnCount(), 2 + 2);
    QCOMPARE(table->horizontalHeaderItem(2)->text(), QStringLiteral("foe PSNR"));
    QCOMPARE(table->horizontalHeaderItem(3)->text(), QStringLiteral("foe SSIM"));
    QCOMPARE(table->item(3, 0)->text(), QStringLiteral("mean"));
    double sum = 0.0;
    for (int row = 0; row < 3; ++row)
      sum += table->item(row, 2)->data(Qt::UserRole).toDouble();
    QVERIFY(std::abs(table->item(3, 2)->data(Qt::UserRole).toDouble() - sum / 3) <= 0.01);

    // The engine's own scores of the same options.
    const SetEvaluationRequest request = dialog.request();
    std::vector<bilevel::NamedImage> images;
    std::vector<std::string> warnings;
    QVERIFY(
        bilevel::ReadImageSet(request.folder, bilevel::ColorMode::kGrey, &images, &warnings).ok());
    bilevel::RegularizerSettings settings;
    Eigen::VectorXd theta;
    QVERIFY(bilevel::ReadRegularizerFile(path("foe.json").toStdString(), &settings, &theta).ok());
    bilevel::SetScores direct;
    const bilevel::Status s =
        bilevel::EvaluateSet(settings, theta, images, request.options, &direct);
    QVERIFY2(s.ok(), s.message().c_str());
    const std::vector<bilevel::LabelledScores>& scores = dialog.scores();
    QCOMPARE(int(scores.size()), 1);
    QCOMPARE(scores[0].label, std::string("foe"));
    QCOMPARE(int(scores[0].scores.images.size()), 3);
    for (int row = 0; row < 3; ++row) {
      const bilevel::ImageScore& got = scores[0].scores.images[std::size_t(row)];
      const bilevel::ImageScore& want = direct.images[std::size_t(row)];
      QCOMPARE(got.name, want.name);
      QVERIFY2(Close(got.psnr, want.psnr), qPrintable(QString::number(got.psnr - want.psnr)));
      QVERIFY(Close(got.ssim, want.ssim));
      QVERIFY(Close(got.measured_psnr, want.measured_psnr));
      QCOMPARE(table->item(row, 0)->text(), QString::fromStdString(want.name));
      QVERIFY(Close(table->item(row, 1)->data(Qt::UserRole).toDouble(), want.measured_psnr));
      QVERIFY(Close(table->item(row, 2)->data(Qt::UserRole).toDouble(), want.psnr));
      QVERIFY(Close(table->item(row, 3)->data(Qt::UserRole).toDouble(), want.ssim));
      // 2 decimals for PSNR (after the mark of an unconverged solve), 4 for SSIM.
      QVERIFY(table->item(row, 2)->text().endsWith(QString::number(got.psnr, 'f', 2)));
      QCOMPARE(table->item(row, 3)->text(), QString::number(got.ssim, 'f', 4));
      QCOMPARE(table->item(row, 2)->text().startsWith(QStringLiteral("⚠")), !got.converged);
    }
    QVERIFY(Close(scores[0].scores.mean_psnr, direct.mean_psnr));

    // The viewer: the first image, then the one of the selected row.
    ZoomImageView* before = dialog.beforeView();
    ZoomImageView* after = dialog.afterView();
    QCOMPARE(before->image().size(), QSize(40, 32));
    QCOMPARE(after->image().size(), QSize(40, 32));
    QVERIFY(before->image() != after->image());
    table->setCurrentCell(1, 0);
    QCOMPARE(after->image().size(), QSize(48, 48));
    QVERIFY(after->caption().contains(QString::number(direct.images[1].psnr, 'f', 2)));
    QVERIFY(before->caption().contains(QString::number(direct.images[1].measured_psnr, 'f', 2)));

    // Two notches of the wheel over the before view zoom both by 1.25^2, around the cursor.
    const QPointF at = before->toWidget(QPointF(12, 10));
    const QPointF under = before->toImage(at);
    QWheelEvent wheel(at, before->mapToGlobal(at), QPoint(), QPoint(0, 240), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(before, &wheel);
    QVERIFY(std::abs(before->view().zoom - 1.5625) < 1e-9);
    QVERIFY((before->toImage(at) - under).manhattanLength() < 1e-6);
    QCOMPARE(after->view().zoom, before->view().zoom);
    QCOMPARE(after->view().centre, before->view().centre);
    // Panning the after view moves the before view too; a new image of the same size keeps it.
    after->panBy(QPointF(12, -7));
    QCOMPARE(before->view().centre, after->view().centre);
    after->zoomAt(QPointF(10, 10), -100);  // no further out than the least zoom
    QCOMPARE(after->view().zoom, ZoomImageView::kMinZoom);
    QCOMPARE(before->view().zoom, ZoomImageView::kMinZoom);

    // Save Table: the CLI's CSV and, beside it, its Markdown.
    QVERIFY(dialog.saveTable(path("table.csv")).ok());
    QCOMPARE(ReadAll(path("table.csv")).toStdString(), bilevel::SetScoresCsv(scores));
    QCOMPARE(ReadAll(path("table.md")).toStdString(), bilevel::SetScoresMarkdown(scores));
    const bilevel::Status unwritable = dialog.saveTable(path("no/such/folder/table.csv"));
    QVERIFY(!unwritable.ok() && unwritable.message().find("table.csv") != std::string::npos);
  }

  void badInputIsAMessage() {
    SetEvaluationDialog dialog;
    Configure(dialog);
    dialog.setRegularizers({path("foe.json")});
    const QString missing = path("no-such-folder");
    dialog.setFolder(missing);
    std::pair<bool, QString> run = Run(dialog, 10000);
    QVERIFY(!run.first);
    QVERIFY2(run.second.contains(missing), qPrintable(run.second));
    QVERIFY(dialog.statusText().contains(missing));
    QCOMPARE(dialog.table()->rowCount(), 0);
    QVERIFY(dialog.scores().empty());
    QVERIFY(!dialog.saveTable(path("none.csv")).ok());

    dialog.setFolder(path("images"));
    dialog.setRegularizers({});
    run = Run(dialog, 10000);
    QVERIFY2(!run.first && run.second.contains("regularizer"), qPrintable(run.second));
    dialog.setRegularizers({path("broken.json")});
    run = Run(dialog, 10000);
    QVERIFY2(!run.first && run.second.contains("broken.json"), qPrintable(run.second));
    dialog.setRegularizers({path("foe.json"), path("two.json")});
    run = Run(dialog, 10000);
    QVERIFY2(!run.first && run.second.contains("two.json") && run.second.contains("2 channels"),
             qPrintable(run.second));
  }

  void cancellingStopsTheSolves() {
    auto dialog = std::make_unique<SetEvaluationDialog>();
    Configure(*dialog);
    dialog->setRegularizers({path("foe.json")});
    dialog->setFolder(path("images"));
    dialog->findChild<QDoubleSpinBox*>("eps")->setValue(1e-8);
    dialog->findChild<QSpinBox*>("maxIterations")->setValue(1000000);
    QSignalSpy done(dialog.get(), &SetEvaluationDialog::finished);
    dialog->start();
    dialog->cancel();
    QVERIFY(done.count() == 1 || done.wait(30000));
    QCOMPARE(done.first().at(0).toBool(), false);
    QCOMPARE(done.first().at(1).toString(), QStringLiteral("Cancelled."));
    // Closing while it runs cancels and waits.
    dialog->start();
    dialog.reset();
  }
};

QTEST_MAIN(SetEvaluationDialogTest)
#include "test_set_evaluation_dialog.moc"
