// The Preview and Kernels docks follow the selected run, not only the one training: a finished
// run, a run re-opened in a new window, and another image of it chosen while idle each show a
// reconstruction made with that run's parameters, and the default image is one with detail.
#include <QCheckBox>
#include <QLabel>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <numeric>

#include "bilevel/metrics.h"
#include "bilevel/prepared_run.h"
#include "bilevel/regularizer_registry.h"
#include "filter_sheet.h"
#include "filters_dialog.h"
#include "kernel_view.h"
#include "preview_maker.h"
#include "preview_panel.h"
#include "run_list_panel.h"
#include "ui_test_support.h"

using namespace studio;
using namespace studio::test;

namespace {

std::shared_ptr<const PreviewSnapshot> Shown(MainWindow& window) {
  return window.previewPanel()->snapshot();
}

bool Shows(MainWindow& window, int run, bool test, int index) {
  const auto p = Shown(window);
  return p && p->run_id == run && p->test == test && (index < 0 || p->index == index) &&
         !p->reconstruction.isNull();
}

}  // namespace

class RunPreviewTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  std::unique_ptr<MainWindow> window_;
  int first_ = 0, second_ = 0;
  std::shared_ptr<const PreviewSnapshot> final_;  // the worker's preview at the end of second_

 private slots:
  void initTestCase() {
    IsolateSettings();
    QVERIFY(dir_.isValid());
    window_ = std::make_unique<MainWindow>();
    window_->setInteractive(false);
    window_->setRunsFolder(dir_.filePath("runs"));
    window_->resize(1200, 800);
    window_->show();
    // Two runs that learn different parameters: 2 and 6 upper iterations.
    window_->setConfig(FastConfig(2));
    window_->action("actionStart")->trigger();
    first_ = window_->selectedRun();
    QTRY_VERIFY_WITH_TIMEOUT(Idle(*window_), 30000);
    window_->setConfig(FastConfig(6));
    window_->action("actionStart")->trigger();
    second_ = window_->selectedRun();
    QTRY_VERIFY_WITH_TIMEOUT(Idle(*window_), 30000);
    QVERIFY(first_ != second_);
    QVERIFY(window_->lastError().isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(Shows(*window_, second_, false, -1), 10000);
    final_ = Shown(*window_);
  }

  void cleanupTestCase() { window_.reset(); }

  void theDefaultImageHasDetail() {
    // Without a choice the preview shows the training patch of largest variance.
    bilevel::PreparedRun prepared;
    bilevel::PrepareOptions options;
    options.measure_initial_test = false;
    QVERIFY(bilevel::PrepareRun(FastConfig(1), options, &prepared).ok());
    const bilevel::Batch<float>& train = prepared.oracle->dataset().train;
    const int detailed = MostDetailedImage(train);
    QCOMPARE(final_->index, detailed);
    QCOMPARE(window_->previewPanel()->targetIndex(), -1);  // the controls follow, unchosen
    // It is the patch of largest grey-level variance (grey: the mean of the channels).
    const std::size_t plane = std::size_t(train.h()) * std::size_t(train.w());
    std::vector<double> variances;
    for (int i = 0; i < train.n(); ++i) {
      std::vector<double> grey(plane, 0.0);
      for (int c = 0; c < train.c(); ++c)
        for (std::size_t k = 0; k < plane; ++k)
          grey[k] += train.image(i)[std::size_t(c) * plane + k] / double(train.c());
      const double mean = std::accumulate(grey.begin(), grey.end(), 0.0) / double(plane);
      double v = 0;
      for (double g : grey)
        v += (g - mean) * (g - mean);
      variances.push_back(v / double(plane));
    }
    const auto max = std::max_element(variances.begin(), variances.end());
    QCOMPARE(int(max - variances.begin()), detailed);
    QVERIFY(*max > 2 * variances[0]);  // the first patch, the old default, is flatter
  }

  void selectingAnotherRunShowsItsReconstruction() {
    window_->runList()->setCurrentRun(first_);
    QTRY_VERIFY_WITH_TIMEOUT(Shows(*window_, first_, false, final_->index), 20000);
    const auto first = Shown(*window_);
    QVERIFY(first->theta == Run(*window_, first_)->theta);
    QVERIFY(first->theta != final_->theta);  // another run's parameters, so another result
    QVERIFY(first->reconstruction_psnr != final_->reconstruction_psnr);
    QCOMPARE(first->iteration, 2L);
    QVERIFY(window_->kernelView()->kernelCount() == 4);
    // And back: the same image under the second run's parameters, as the worker made it.
    window_->runList()->setCurrentRun(second_);
    QTRY_VERIFY_WITH_TIMEOUT(Shows(*window_, second_, false, final_->index), 20000);
    QCOMPARE(Shown(*window_)->reconstruction_psnr, final_->reconstruction_psnr);
  }

  void choosingAnotherImageWhileIdle() {
    window_->previewPanel()->setTarget(true, 2);
    QTRY_VERIFY_WITH_TIMEOUT(Shows(*window_, second_, true, 2), 20000);
    const auto p = Shown(*window_);
    QVERIFY(p->reconstruction_psnr > p->measured_psnr);  // a denoiser, even a barely trained one
  }

  void aFilterChannelIsDrawnOnTheFiltersScale() {
    bilevel::FilterImage f;
    f.channels = 2;
    f.height = 1;
    f.width = 3;
    f.values = {-2, 0, 2, 1, -1, 0.5};
    const QImage first = FilterChannelImage(f, 0, 2.0);
    QCOMPARE(qGray(first.pixel(0, 0)), 0);
    QCOMPARE(qGray(first.pixel(1, 0)), 128);
    QCOMPARE(qGray(first.pixel(2, 0)), 255);
    const QImage second = FilterChannelImage(f, 1, 2.0);  // on the first channel's scale
    QCOMPARE(qGray(second.pixel(0, 0)), 191);
    QCOMPARE(qGray(second.pixel(1, 0)), 64);
  }

  void theFiltersDialogShowsInitialBesideLearned() {
    window_->runList()->setCurrentRun(second_);
    QTRY_VERIFY_WITH_TIMEOUT(Shows(*window_, second_, true, 2), 20000);
    FiltersDialog* dialog = window_->showFiltersDialog();
    const QImage sheet = dialog->sheet();
    QVERIFY(!sheet.isNull());
    // Initial and learned filters differ after 6 steps, so the two columns do.
    const RunSeries* run = Run(*window_, second_);
    std::unique_ptr<bilevel::Regularizer<double>> reg;
    QVERIFY(bilevel::CreateRegularizer(run->regularizer, &reg).ok());
    const auto learned = reg->filters(run->theta);
    const auto initial = reg->filters(reg->initialParameters());
    QCOMPARE(int(learned.size()), 4);
    QCOMPARE(sheet, RenderFilterSheet(initial, learned, {16, false}));
    QVERIFY(sheet != RenderFilterSheet(learned, learned, {16, false}));
    // Colour filters channel by channel take three cells each; more pixels per tap, a larger sheet.
    QCOMPARE(learned.front().channels, 3);
    dialog->perChannelBox()->setChecked(true);
    QVERIFY(dialog->sheet().width() > sheet.width());
    dialog->pixelBox()->setValue(32);
    QVERIFY(dialog->sheet().height() > sheet.height());
    // It follows the selected run.
    window_->runList()->setCurrentRun(first_);
    QTRY_VERIFY_WITH_TIMEOUT(Shows(*window_, first_, true, 2), 20000);
    const auto first = reg->filters(Run(*window_, first_)->theta);
    QCOMPARE(dialog->sheet(), RenderFilterSheet(initial, first, {32, true}));
    dialog->close();
  }

  void aReopenedRunShowsItsPreviewAndFilters() {
    const QString folder = Run(*window_, second_)->folder;
    window_.reset();
    IsolateSettings();  // a new window that has never seen the run
    window_ = std::make_unique<MainWindow>();
    window_->setInteractive(false);
    window_->show();
    QVERIFY(window_->openRun(folder).ok());
    const int id = window_->selectedRun();
    QTRY_VERIFY_WITH_TIMEOUT(Shows(*window_, id, false, -1), 20000);
    const auto p = Shown(*window_);
    QCOMPARE(p->index, final_->index);
    // regularizer.json holds the parameters as written, so the reconstruction is the same.
    QVERIFY(std::abs(p->reconstruction_psnr - final_->reconstruction_psnr) < 1e-4);
    QCOMPARE(window_->kernelView()->kernelCount(), 4);
  }

  void aRunWhoseDataIsGoneSaysSo() {
    bilevel::TrainingConfig config = FastConfig(1);
    config.dataset.folder = dir_.filePath("no-such-folder").toStdString();
    RunSeries run;
    run.name = "orphan";
    run.config = config;
    run.regularizer = Shown(*window_)->regularizer;
    run.theta = Shown(*window_)->theta;
    run.records.push_back({});
    const int id = window_->store().add(run);
    window_->runList()->setCurrentRun(id);
    QTRY_VERIFY_WITH_TIMEOUT(!Shown(*window_), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(
        window_->previewPanel()->findChild<QLabel*>("previewInfo")->text().contains("no-such"),
        20000);
  }
};

QTEST_MAIN(RunPreviewTest)
#include "test_run_preview.moc"
