// MainWindow: what the Preview and Kernels docks show. The selected run's live previews while it
// trains; for any other run (finished, re-opened, or chosen while another trains) a preview made
// by the RunPreviewer from the run's config and latest parameters.
#include "activation_view.h"
#include "filters_dialog.h"
#include "kernel_view.h"
#include "main_window.h"
#include "preview_panel.h"
#include "run_previewer.h"
#include "run_queue.h"
#include "run_store.h"

namespace studio {

void MainWindow::showPreview(const std::shared_ptr<const PreviewSnapshot>& preview) {
  preview_panel_->setSnapshot(preview);
  if (!preview) return;
  if (filters_dialog_ && filters_dialog_->isVisible()) showFilters(*preview);
  kernel_view_->setSummary(preview->summary);
  kernel_view_->setKernels(preview->kernels, preview->weights, preview->smoothing,
                           preview->iteration);
  activation_view_->setCurves(preview->curves, preview->iteration);
  activation_view_->setVisible(!preview->curves.empty());
}

void MainWindow::showFilters(const PreviewSnapshot& preview) {
  const RunSeries* run = store_->find(preview.run_id);
  filters_dialog_->setRun(run ? run->name : QString(), preview.regularizer, preview.theta,
                          preview.iteration);
}

FiltersDialog* MainWindow::showFiltersDialog() {
  if (!filters_dialog_) filters_dialog_ = new FiltersDialog(this);
  if (const auto shown = preview_panel_->snapshot()) {
    showFilters(*shown);
  } else if (const RunSeries* run = store_->find(selectedRun())) {
    const long iteration = run->records.empty() ? 0 : run->records.back().iteration;
    filters_dialog_->setRun(run->name, run->regularizer, run->theta, iteration);
  }
  filters_dialog_->show();
  filters_dialog_->raise();
  return filters_dialog_;
}

bool MainWindow::isLivePreview(int run_id) const {
  return run_queue_->busy() && run_id == run_queue_->currentRun();
}

void MainWindow::onPreview(std::shared_ptr<const PreviewSnapshot> preview) {
  if (preview && preview->run_id == selectedRun()) showPreview(preview);
}

void MainWindow::refreshPreview() {
  const int id = selectedRun();
  const RunSeries* run = store_->find(id);
  if (!run) {
    previewed_ = {};
    showPreview(nullptr);
    kernel_view_->clear();
    activation_view_->setVisible(false);
    return;
  }
  if (isLivePreview(id)) {  // the worker's next preview follows the target
    run_queue_->setPreviewTarget(preview_panel_->targetIsTest(), preview_panel_->targetIndex());
    if (auto live = run_queue_->latestPreview(); live && live->run_id == id) showPreview(live);
    return;
  }
  if (run->theta.size() == 0) {
    previewed_ = {};
    preview_panel_->setMessage(tr("%1 has no learned parameters yet.").arg(run->name));
    return;
  }
  const long iteration = run->records.empty() ? 0 : run->records.back().iteration;
  const PreviewKey key{id, iteration, preview_panel_->targetIsTest(),
                       preview_panel_->targetIndex()};
  if (key == previewed_) return;
  previewed_ = key;
  // The worker's last preview of this run, made with the same parameters, needs no new solve.
  if (auto last = run_queue_->latestPreview();
      last && last->run_id == id && last->theta.size() == run->theta.size() &&
      last->theta == run->theta && last->test == key.test &&
      (key.index < 0 || key.index == last->index)) {
    showPreview(last);
    return;
  }
  RunPreviewRequest request;
  request.run_id = id;
  request.iteration = iteration;
  request.config = run->config;
  request.theta = run->theta;
  request.test = key.test;
  request.index = key.index;
  preview_panel_->setMessage(tr("Reconstructing with the parameters of %1…").arg(run->name));
  run_previewer_->request(std::move(request));
}

void MainWindow::onRunPreview(const RunPreviewResult& result) {
  if (result.run_id != selectedRun() || isLivePreview(result.run_id)) return;
  preview_panel_->setImageCounts(result.train_count, result.test_count);
  if (!result.preview) {
    previewed_ = {};  // try again when asked again
    preview_panel_->setMessage(tr("No preview: %1").arg(result.error));
    return;
  }
  showPreview(result.preview);
}

}  // namespace studio
