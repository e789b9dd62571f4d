// MainWindow: starting, opening, continuing, exporting, copying and removing runs.
#include "main_window.h"

#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QMessageBox>
#include <QMimeData>
#include <QRegularExpression>
#include <QScrollArea>
#include <QStatusBar>
#include <QUrl>

#include "app_settings.h"
#include "apply_dialog.h"
#include "bilevel/backend_info.h"
#include "bilevel/config_json.h"
#include "bilevel/presets.h"
#include "bilevel/run_folder.h"
#include "budget_limits.h"
#include "comparison_bar.h"
#include "curve_plot.h"
#include "dataset_panel.h"
#include "exporters.h"
#include "image_conversion.h"
#include "kernel_view.h"
#include "method_panel.h"
#include "preview_panel.h"
#include "run_folder_loader.h"
#include "run_labels.h"
#include "run_list_panel.h"
#include "run_status_bar.h"
#include "run_store.h"
#include "run_summary.h"
#include "solver_panel.h"
#include "string_conversion.h"

namespace studio {

QStringList RunsInside(const QString& dir) {
  QStringList runs;
  for (const QFileInfo& sub :
       QDir(dir).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
    if (bilevel::RunFolder::IsRunFolder(ToStd(sub.filePath()))) runs << sub.filePath();
  return runs;
}

QString MainWindow::newRunFolder(const QString& base) const {
  const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
  QString safe = base;
  safe.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("-"));
  const QString stem = QDir(runs_folder_).filePath(safe + '-' + stamp);
  QString dir = stem;
  for (int k = 2; QFileInfo::exists(dir); ++k)
    dir = stem + '-' + QString::number(k);
  return dir;
}

QString MainWindow::uniqueRunName(const QString& base) const {
  const auto taken = [this](const QString& name) {
    for (const RunSeries* r : store_->runs())
      if (r->name == name || r->name.startsWith(name + ' ')) return true;
    return false;
  };
  if (!taken(base)) return base;
  for (int k = 2;; ++k)
    if (!taken(QStringLiteral("%1 (%2)").arg(base).arg(k)))
      return QStringLiteral("%1 (%2)").arg(base).arg(k);
}

QString MainWindow::startBlocker() const {
  if (const QString error = dataset_panel_->error(); !error.isEmpty())
    return tr("the images cannot be used: %1").arg(error);
  if (bilevel::Status s = currentConfig().validate(); !s.ok()) return Message(s);
  return {};
}

int MainWindow::startRun() {
  const bilevel::TrainingConfig config = currentConfig();
  if (const QString blocker = startBlocker(); !blocker.isEmpty()) {
    showError(tr("Start"), tr("Cannot start: %1").arg(blocker));
    return 0;
  }
  const QString name =
      uniqueRunName(ToQString(config.name) + ' ' + MethodLabel(config.trainer.method) +
                    QStringLiteral(" · ") + ProblemLabel(config.problem));
  status_info_->resetRun();
  return run_queue_->start(config, newRunFolder(ToQString(config.name)), name);
}

std::pair<int, int> MainWindow::startComparison() {
  bilevel::TrainingConfig config = currentConfig();
  if (const QString blocker = startBlocker(); !blocker.isEmpty()) {
    showError(tr("Compare"), tr("Cannot start: %1").arg(blocker));
    return {0, 0};
  }
  const QString root = newRunFolder(ToQString(config.name) + QStringLiteral("-compare"));
  const QString name = uniqueRunName(ToQString(config.name));
  plots_->setXAxis(XAxis::kComputations);
  status_info_->resetRun();
  showMessage(tr("ISGD, then MAID on the same data and seed, in %1").arg(root));
  const std::pair<int, int> runs = run_queue_->startComparison(config, root, name);
  if (runs.first && runs.second) comparison_bar_->compare(runs.first, runs.second);
  return runs;
}

bilevel::Status MainWindow::openRun(const QString& dir) {
  // A comparison folder holds its runs (isgd/, maid/): open each of them.
  if (!bilevel::RunFolder::IsRunFolder(ToStd(dir))) {
    const QStringList runs = RunsInside(dir);
    std::vector<int> ids;
    for (const QString& run : runs) {
      if (bilevel::Status s = openRun(run); !s.ok()) return s;
      ids.push_back(selectedRun());
    }
    if (ids.size() == 2) comparison_bar_->compare(ids[0], ids[1]);  // isgd/ and maid/
    if (!runs.isEmpty()) return bilevel::Status::Ok();
  }
  for (const RunSeries* r : store_->runs())
    if (!r->folder.isEmpty() && QDir(r->folder) == QDir(dir)) {
      run_list_->setCurrentRun(r->id);
      return bilevel::Status::Ok();
    }
  RunSeries run;
  QStringList warnings;
  if (bilevel::Status s = LoadRunFolder(dir, &run, &warnings); !s.ok()) return s;
  run.name = uniqueRunName(run.name);
  const int id = store_->add(std::move(run));
  run_list_->setCurrentRun(id);
  addRecentRun(QDir::cleanPath(dir));
  const RunSeries* added = store_->find(id);
  showMessage(
      tr("Opened %1: %2 iterations%3")
          .arg(dir)
          .arg(added->records.empty() ? 0 : added->records.back().iteration)
          .arg(warnings.isEmpty() ? QString() : QStringLiteral(" (") + warnings.join("; ") + ')'));
  return bilevel::Status::Ok();
}

void MainWindow::restoreRuns() {
  const QStringList hidden = settings::kHiddenRuns.get(), colors = settings::kRunColors.get();
  const QStringList open = settings::kOpenRuns.get();
  for (int k = 0; k < open.size(); ++k) {
    const QString& dir = open[k];
    if (!bilevel::RunFolder::IsRunFolder(ToStd(dir))) continue;  // moved or deleted since
    RunSeries run;
    QStringList warnings;
    if (!LoadRunFolder(dir, &run, &warnings).ok()) continue;
    run.name = uniqueRunName(run.name);
    run.visible = !hidden.contains(dir);
    if (k < colors.size() && QColor::isValidColorName(colors[k])) run.color = QColor(colors[k]);
    store_->add(std::move(run));
  }
}

void MainWindow::rememberRuns() {
  QStringList open, hidden, colors;
  for (const RunSeries* r : store_->runs()) {
    if (r->folder.isEmpty() || !bilevel::RunFolder::IsRunFolder(ToStd(r->folder))) continue;
    open << r->folder;
    colors << r->color.name();
    if (!r->visible) hidden << r->folder;
    const std::string stored = bilevel::RunFolder::DisplayName(r->events);
    const QString current = stored.empty() ? RunDisplayName(r->folder) : ToQString(stored);
    if (r->name == current) continue;
    // Best effort: a folder that cannot be written keeps its old name.
    bilevel::RunFolder::AppendEvent(
        ToStd(r->folder),
        {.kind = "name", .value = ToStd(r->name), .message = "named " + ToStd(r->name)});
  }
  settings::kOpenRuns.set(open);
  settings::kHiddenRuns.set(hidden);
  settings::kRunColors.set(colors);
}

bilevel::Status MainWindow::continueRun(int run_id, std::optional<bilevel::Budget> budget) {
  if (!budget) budget = currentConfig().trainer.budget;
  const RunSeries* run = store_->find(run_id);
  if (run && !run->records.empty())
    if (const auto reached = ReachedLimit(*budget, run->records.back()))
      return bilevel::Status::Error(
          ToStd(tr("“%1” has reached the budget of %2 %3 already: give a larger one")
                    .arg(run->name)
                    .arg(reached->limit)
                    .arg(reached->unit())));
  status_info_->resetRun();
  return run_queue_->continueRun(run_id, *budget);
}

bilevel::Status MainWindow::exportRegularizer(int run_id, const QString& path) {
  const RunSeries* run = store_->find(run_id);
  if (!run) return bilevel::Status::Error("choose a run first");
  bilevel::RegularizerSettings foe = run->regularizer;
  Eigen::VectorXd theta = run->theta;
  if (theta.size() == 0 && !run->folder.isEmpty()) {
    const QString file = run->folder + QStringLiteral("/regularizer.json");
    if (QFileInfo::exists(file))
      if (bilevel::Status s = ReadRegularizerFile(file, &foe, &theta); !s.ok()) return s;
  }
  return SaveRegularizer(foe, theta, path);
}

bilevel::Status MainWindow::exportPlot(PlotsPanel::Plot plot, const QString& path) {
  return SavePlot(*plots_->plot(plot), path);
}

bilevel::Status MainWindow::exportFigures(const QString& folder, const QStringList& formats,
                                          const FigureStyle& style, QStringList* written) {
  if (formats.isEmpty()) return bilevel::Status::Error("choose at least one format");
  if (!QDir().mkpath(folder)) return bilevel::Status::Error("cannot create " + ToStd(folder));
  for (const QString& suffix : formats) {
    QString error;
    *written += plots_->exportAll(folder, suffix, &error, style);
    if (!error.isEmpty()) return bilevel::Status::Error(ToStd(error));
    const QString solvers = QDir(folder).filePath(QStringLiteral("solvers.") + suffix);
    if (bilevel::Status s = SaveFigure(*solver_panel_->plot(), solvers, style); !s.ok()) return s;
    *written << solvers;
  }
  return bilevel::Status::Ok();
}

bilevel::Status MainWindow::exportCurves(const QString& path) {
  std::vector<const RunSeries*> runs;
  for (const RunSeries* r : store_->runs())
    if (r->visible) runs.push_back(r);
  if (runs.empty()) return bilevel::Status::Error("there are no curves to export");
  return SaveCurvesCsv(runs, path);
}

bilevel::Status MainWindow::exportRunSummary(const QString& path) {
  std::vector<const RunSeries*> runs;
  for (const RunSeries* r : store_->runs())
    if (r->visible) runs.push_back(r);
  return SaveRunSummary(runs, path);
}

bilevel::Status MainWindow::exportReconstruction(const QString& path) {
  const std::shared_ptr<const PreviewSnapshot> p = preview_panel_->snapshot();
  if (!p || p->reconstruction.isNull())
    return bilevel::Status::Error("there is no reconstruction yet: start a run");
  if (bilevel::Status s = SaveImage(p->reconstruction, path); !s.ok()) return s;
  const QFileInfo info(path);
  const QString stem = info.dir().filePath(info.completeBaseName());
  const QString suffix = info.suffix().isEmpty() ? QStringLiteral("png") : info.suffix();
  if (bilevel::Status s = SaveImage(p->truth, stem + QStringLiteral("-truth.") + suffix); !s.ok())
    return s;
  return SaveImage(p->measured, stem + QStringLiteral("-measured.") + suffix);
}

bilevel::Status MainWindow::exportKernels(const QString& path) {
  return SaveImage(kernel_view_->sheet(), path);
}

bilevel::Status MainWindow::copyRunFolder(int run_id, const QString& destination) {
  const RunSeries* run = store_->find(run_id);
  if (!run) return bilevel::Status::Error("choose a run first");
  if (run->folder.isEmpty()) return bilevel::Status::Error("the run has no folder on disk");
  return CopyFolder(run->folder, destination);
}

void MainWindow::removeRun(int run_id, bool move_folder_to_trash) {
  const RunSeries* run = store_->find(run_id);
  if (!run) return;
  if (run_queue_->busy() && run_queue_->currentRun() == run_id) {
    showError(tr("Remove run"), tr("Stop the run before removing it."));
    return;
  }
  const QString folder = run->folder;
  store_->remove(run_id);
  if (move_folder_to_trash && !folder.isEmpty() && QFileInfo::exists(folder)) {
    if (!QFile::moveToTrash(folder) && !QDir(folder).removeRecursively())
      showError(tr("Remove run"), tr("Could not delete %1").arg(folder));
  }
}

}  // namespace studio
