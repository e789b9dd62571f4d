// The main window's actions, menus and tool bar, and the handlers that ask for file names.
#include <QActionGroup>
#include <QApplication>
#include <QCheckBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QMenuBar>
#include <QMessageBox>
#include <QRegularExpression>
#include <QStyle>
#include <QToolBar>

#include "app_settings.h"
#include "apply_dialog.h"
#include "budget_limits.h"
#include "exporters.h"
#include "figure_export_dialog.h"
#include "help_dialogs.h"
#include "main_window.h"
#include "run_list_panel.h"
#include "run_store.h"
#include "string_conversion.h"
#include "version_info.h"

namespace studio {

void MainWindow::createActions() {
  const auto add = [this](const QString& name, const QString& text, const QKeySequence& key,
                          const QString& tip, auto&& slot) {
    auto* a = new QAction(text, this);
    a->setObjectName(name);
    if (!key.isEmpty()) a->setShortcut(key);
    a->setStatusTip(tip);
    a->setToolTip(key.isEmpty()
                      ? tip
                      : tip + QStringLiteral(" (") + key.toString(QKeySequence::NativeText) + ')');
    a->setProperty("plainToolTip", a->toolTip());
    connect(a, &QAction::triggered, this, slot);
    actions_[name] = a;
    return a;
  };
  QStyle* s = style();
  add(QStringLiteral("actionStart"), tr("&Start"), QKeySequence(Qt::CTRL | Qt::Key_Return),
      tr("Train with the current dataset and method"), [this] { startRun(); })
      ->setIcon(s->standardIcon(QStyle::SP_MediaPlay));
  add(QStringLiteral("actionPause"), tr("&Pause"), QKeySequence(Qt::Key_F6),
      tr("Pause the run (it continues where it stopped)"), [this] { run_queue_->pause(); })
      ->setIcon(s->standardIcon(QStyle::SP_MediaPause));
  add(QStringLiteral("actionResume"), tr("&Resume"), QKeySequence(Qt::Key_F7),
      tr("Resume the paused run"), [this] { run_queue_->resume(); })
      ->setIcon(s->standardIcon(QStyle::SP_MediaSeekForward));
  add(QStringLiteral("actionStop"), tr("S&top"), QKeySequence(Qt::SHIFT | Qt::Key_F5),
      tr("Stop the run; its folder stays resumable"), [this] { run_queue_->stop(); })
      ->setIcon(s->standardIcon(QStyle::SP_MediaStop));
  add(QStringLiteral("actionCompare"), tr("ISGD vs &MAID"), QKeySequence(Qt::CTRL | Qt::Key_M),
      tr("Train ISGD, then MAID, on the same data and seed, and overlay them"),
      [this] { startComparison(); })
      ->setIcon(s->standardIcon(QStyle::SP_BrowserReload));
  add(QStringLiteral("actionContinue"), tr("&Continue Selected Run"),
      QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R),
      tr("Continue the selected run from its checkpoint, up to the budget in the Method panel"),
      [this] { onContinueRun(); });
  add(QStringLiteral("actionNewStudy"), tr("New &Study…"), QKeySequence(),
      tr("Run a grid of settings, each for several seeds, one run after another"),
      [this] { onNewStudy(); });
  add(QStringLiteral("actionOpenStudy"), tr("Open St&udy…"), QKeySequence(),
      tr("Show a study's curves, table and heat map from its folder"), [this] { onOpenStudy(); });
  add(QStringLiteral("actionBudgetTable"), tr("Table at a &Budget…"), QKeySequence(),
      tr("Chosen runs' test PSNRs at one budget, with their differences, to copy or export"),
      [this] { showBudgetTable(); });
  add(QStringLiteral("actionFilters"), tr("&Filters…"),
      QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K),
      tr("The selected run's filters at a readable size, initial beside learned"),
      [this] { showFiltersDialog(); });
  add(QStringLiteral("actionOpenData"), tr("Open &Data Folder…"),
      QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), tr("Train on the images of a folder"),
      [this] { onOpenDataFolder(); })
      ->setIcon(s->standardIcon(QStyle::SP_DirOpenIcon));
  add(QStringLiteral("actionBuiltinData"), tr("Use &Built-in Images"), QKeySequence(),
      tr("Train on the embedded photographs"), [this] { showDataFolder(QString()); });
  add(QStringLiteral("actionOpenRun"), tr("&Open Run…"), QKeySequence::Open,
      tr("Re-open a run folder (from this program or bilevel-cli)"), [this] { onOpenRun(); })
      ->setIcon(s->standardIcon(QStyle::SP_DialogOpenButton));
  add(QStringLiteral("actionExportRegularizer"), tr("Export &Regularizer…"),
      QKeySequence(Qt::CTRL | Qt::Key_E), tr("Save the selected run's regularizer as JSON or NPZ"),
      [this] { onExportRegularizer(); })
      ->setIcon(s->standardIcon(QStyle::SP_DialogSaveButton));
  add(QStringLiteral("actionExportPlots"), tr("Export &Plots…"),
      QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E),
      tr("Save the four plots and the Inner Solvers plot as PNG, SVG or PDF, in one style"),
      [this] { onExportPlots(); });
  add(QStringLiteral("actionExportCurves"), tr("Export &Curves as CSV…"), QKeySequence(),
      tr("Save every visible run's log in one CSV file"), [this] { onExportCurves(); });
  add(QStringLiteral("actionExportSummary"), tr("Export Run &Summary…"), QKeySequence(),
      tr("One line per visible run: method, regularizer, problem, data, best and final test "
         "PSNR, computations, time; as CSV or Markdown"),
      [this] { onExportSummary(); });
  add(QStringLiteral("actionExportReconstruction"), tr("Export Re&construction…"), QKeySequence(),
      tr("Save the previewed reconstruction, ground truth and measurement as PNG"),
      [this] { onExportReconstruction(); });
  add(QStringLiteral("actionCopyRun"), tr("Copy Run &Folder…"), QKeySequence(),
      tr("Copy the selected run's folder (config, log, checkpoint, regularizer)"),
      [this] { onCopyRunFolder(); });
  add(QStringLiteral("actionEvaluateSet"), tr("E&valuate on a Folder…"), QKeySequence(),
      tr("PSNR and SSIM of regularizers on a folder of whole images, by the literature's protocol, "
         "with a before/after viewer"),
      [this] { showSetEvaluationDialog(); });
  add(QStringLiteral("actionApply"), tr("&Apply Regularizer…"),
      QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A),
      tr("Denoise or deblur an image with a learned regularizer"), [this] { showApplyDialog(); })
      ->setIcon(s->standardIcon(QStyle::SP_FileDialogContentsView));
  add(QStringLiteral("actionRunsFolder"), tr("Runs &Folder…"), QKeySequence(),
      tr("Where new runs are recorded"), [this] { onChooseRunsFolder(); });
  add(QStringLiteral("actionQuit"), tr("&Quit"), QKeySequence::Quit, tr("Quit Bilevel Studio"),
      [this] { close(); });
  add(QStringLiteral("actionFit"), tr("&Fit Plots"), QKeySequence(Qt::CTRL | Qt::Key_0),
      tr("Fit every plot to its data"), [this] { plots_->resetViews(); });
  add(QStringLiteral("actionLogX"), tr("&Logarithmic x-Axis"), QKeySequence(Qt::CTRL | Qt::Key_L),
      tr("Logarithmic x-axis on every plot"), [this](bool on) { plots_->setLogX(on); })
      ->setCheckable(true);
  add(QStringLiteral("actionResetLayout"), tr("Reset &Layout"), QKeySequence(),
      tr("Put the panels back where they started"), [this] { resetLayout(); });
  add(QStringLiteral("actionGettingStarted"), tr("&Getting Started"), QKeySequence(),
      tr("A first session in six steps: data, method, start, steer, compare, use the result"),
      [this] { ShowGettingStarted(this); });
  add(QStringLiteral("actionShortcuts"), tr("&Keyboard Shortcuts"), QKeySequence(),
      tr("The keyboard shortcuts of the menus"), [this] { ShowShortcuts(this); });
  add(QStringLiteral("actionAbout"), tr("&About Bilevel Studio"), QKeySequence(Qt::Key_F1),
      tr("Versions of Bilevel Studio and its libraries"), [this] { onAbout(); });
  add(QStringLiteral("actionAboutQt"), tr("About &Qt"), QKeySequence(), tr("About Qt"),
      [] { QApplication::aboutQt(); });

  auto* axes = new QActionGroup(this);
  int key = Qt::Key_1;
  for (XAxis axis : kAllXAxes) {
    const QString label = XAxisLabel(axis);
    QAction* a = add(QStringLiteral("actionX_") + XAxisKey(axis), tr("x: %1").arg(label),
                     QKeySequence(Qt::CTRL | key++), tr("Plot against %1").arg(label),
                     [this, axis] { plots_->setXAxis(axis); });
    a->setCheckable(true);
    a->setChecked(axis == plots_->xAxis());
    axes->addAction(a);
  }
  connect(plots_, &PlotsPanel::xAxisChanged, this, [this](XAxis axis) {
    if (QAction* a = action(QStringLiteral("actionX_") + XAxisKey(axis))) a->setChecked(true);
  });
}

void MainWindow::createMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(action(QStringLiteral("actionOpenData")));
  file->addAction(action(QStringLiteral("actionBuiltinData")));
  recent_folders_menu_ = file->addMenu(tr("Recent Data Folders"));
  file->addSeparator();
  file->addAction(action(QStringLiteral("actionOpenRun")));
  recent_runs_menu_ = file->addMenu(tr("Recent Runs"));
  file->addAction(action(QStringLiteral("actionOpenStudy")));
  file->addSeparator();
  for (const char* name : {"actionExportRegularizer", "actionExportPlots", "actionExportCurves",
                           "actionExportSummary", "actionExportReconstruction", "actionCopyRun"})
    file->addAction(action(QString::fromLatin1(name)));
  file->addSeparator();
  file->addAction(action(QStringLiteral("actionApply")));
  file->addAction(action(QStringLiteral("actionEvaluateSet")));
  file->addSeparator();
  file->addAction(action(QStringLiteral("actionRunsFolder")));
  file->addAction(action(QStringLiteral("actionQuit")));

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  for (const char* name :
       {"actionStart", "actionPause", "actionResume", "actionStop", "actionCompare"})
    run->addAction(action(QString::fromLatin1(name)));
  run->addSeparator();
  run->addAction(action(QStringLiteral("actionContinue")));
  run->addAction(action(QStringLiteral("actionNewStudy")));

  view_menu_ = menuBar()->addMenu(tr("&View"));
  for (XAxis axis : kAllXAxes)
    view_menu_->addAction(action(QStringLiteral("actionX_") + XAxisKey(axis)));
  view_menu_->addAction(action(QStringLiteral("actionLogX")));
  view_menu_->addAction(action(QStringLiteral("actionFit")));
  view_menu_->addAction(action(QStringLiteral("actionFilters")));
  view_menu_->addAction(action(QStringLiteral("actionBudgetTable")));
  view_menu_->addSeparator();
  for (QDockWidget* dock : findChildren<QDockWidget*>())
    view_menu_->addAction(dock->toggleViewAction());
  view_menu_->addAction(action(QStringLiteral("actionResetLayout")));

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(action(QStringLiteral("actionGettingStarted")));
  help->addAction(action(QStringLiteral("actionShortcuts")));
  help->addSeparator();
  help->addAction(action(QStringLiteral("actionAbout")));
  help->addAction(action(QStringLiteral("actionAboutQt")));
}

void MainWindow::createToolBar() {
  QToolBar* bar = addToolBar(tr("Training"));
  bar->setObjectName(QStringLiteral("trainingToolBar"));
  bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  bar->setIconSize(QSize(18, 18));
  for (const char* name :
       {"actionStart", "actionPause", "actionResume", "actionStop", "actionCompare"})
    bar->addAction(action(QString::fromLatin1(name)));
  bar->addSeparator();
  for (const char* name : {"actionOpenRun", "actionApply", "actionExportRegularizer"})
    bar->addAction(action(QString::fromLatin1(name)));
  view_menu_->insertAction(action(QStringLiteral("actionResetLayout")), bar->toggleViewAction());
}

void MainWindow::updateActions() {
  using State = RunQueue::State;
  const State state = run_queue_->state();
  const bool idle = state == State::kIdle;
  const QString blocker = idle ? startBlocker() : QString();
  for (const char* name : {"actionStart", "actionCompare"}) {
    QAction* a = action(QString::fromLatin1(name));
    a->setEnabled(idle && blocker.isEmpty());
    a->setToolTip(blocker.isEmpty() ? a->property("plainToolTip").toString()
                                    : tr("Cannot start: %1").arg(blocker));
  }
  action(QStringLiteral("actionContinue"))->setEnabled(idle && selectedRun() != 0);
  action(QStringLiteral("actionPause"))
      ->setEnabled(state == State::kRunning || state == State::kPreparing);
  action(QStringLiteral("actionResume"))->setEnabled(state == State::kPaused);
  action(QStringLiteral("actionStop"))->setEnabled(!idle && state != State::kStopping);
  action(QStringLiteral("actionOpenData"))->setEnabled(idle);
  action(QStringLiteral("actionNewStudy"))->setEnabled(idle);
  action(QStringLiteral("actionBuiltinData"))->setEnabled(idle);
  const bool has_run = selectedRun() != 0;
  for (const char* name : {"actionExportRegularizer", "actionCopyRun"})
    action(QString::fromLatin1(name))->setEnabled(has_run);
}

void MainWindow::rebuildRecentMenus() {
  recent_folders_menu_->clear();
  for (const QString& dir : recent_folders_)
    recent_folders_menu_->addAction(dir, this, [this, dir] {
      if (!run_queue_->busy()) showDataFolder(dir);
    });
  recent_folders_menu_->setEnabled(!recent_folders_menu_->isEmpty());
  recent_runs_menu_->clear();
  for (const QString& dir : recent_runs_)
    recent_runs_menu_->addAction(dir, this, [this, dir] {
      if (bilevel::Status s = openRun(dir); !s.ok()) showError(tr("Open run"), Message(s));
    });
  recent_runs_menu_->setEnabled(!recent_runs_menu_->isEmpty());
}

void MainWindow::onOpenRun() {
  const QString dir =
      QFileDialog::getExistingDirectory(this, tr("Open a run folder"), runs_folder_);
  if (dir.isEmpty()) return;
  if (bilevel::Status s = openRun(dir); !s.ok()) showError(tr("Open run"), Message(s));
}

void MainWindow::onOpenDataFolder() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder of training images"));
  if (!dir.isEmpty()) showDataFolder(dir);
}

void MainWindow::onExportRegularizer() {
  const RunSeries* run = store_->find(selectedRun());
  if (!run) return;
  QString name = run->name;
  name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("-"));
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Export the learned regularizer"), name + QStringLiteral("-regularizer.json"),
      tr("Self-describing JSON (*.json);;NumPy arrays (*.npz)"));
  if (path.isEmpty()) return;
  if (bilevel::Status s = exportRegularizer(run->id, path); !s.ok())
    showError(tr("Export regularizer"), Message(s));
  else
    showMessage(tr("Wrote %1").arg(path));
}

void MainWindow::onExportPlots() {
  FigureExportDialog dialog(runs_folder_, this);
  if (dialog.exec() != QDialog::Accepted) return;
  QStringList written;
  if (bilevel::Status s =
          exportFigures(dialog.folder(), dialog.formats(), dialog.style(), &written);
      !s.ok())
    showError(tr("Export plots"), Message(s));
  else
    showMessage(tr("Wrote %1 files to %2").arg(written.size()).arg(dialog.folder()));
}

void MainWindow::onExportCurves() {
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Export curves"), QStringLiteral("curves.csv"), tr("CSV (*.csv)"));
  if (path.isEmpty()) return;
  if (bilevel::Status s = exportCurves(path); !s.ok())
    showError(tr("Export curves"), Message(s));
  else
    showMessage(tr("Wrote %1").arg(path));
}

void MainWindow::onExportSummary() {
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Export run summary"), QStringLiteral("runs.md"),
                                   tr("Markdown (*.md);;CSV (*.csv)"));
  if (path.isEmpty()) return;
  if (bilevel::Status s = exportRunSummary(path); !s.ok())
    showError(tr("Export run summary"), Message(s));
  else
    showMessage(tr("Wrote %1").arg(path));
}

void MainWindow::onExportReconstruction() {
  const QString path =
      QFileDialog::getSaveFileName(this, tr("Export the reconstruction"),
                                   QStringLiteral("reconstruction.png"), tr("PNG image (*.png)"));
  if (path.isEmpty()) return;
  if (bilevel::Status s = exportReconstruction(path); !s.ok())
    showError(tr("Export reconstruction"), Message(s));
  else
    showMessage(tr("Wrote %1 with its ground truth and measurement").arg(path));
}

void MainWindow::onCopyRunFolder() {
  const RunSeries* run = store_->find(selectedRun());
  if (!run) return;
  const QString dir = QFileDialog::getSaveFileName(this, tr("Copy the run folder to"),
                                                   QFileInfo(run->folder).fileName());
  if (dir.isEmpty()) return;
  if (bilevel::Status s = copyRunFolder(run->id, dir); !s.ok())
    showError(tr("Copy run folder"), Message(s));
  else
    showMessage(tr("Copied %1 to %2").arg(run->folder, dir));
}

void MainWindow::onRemoveRun(int run_id) {
  const RunSeries* run = store_->find(run_id);
  if (!run) return;
  QMessageBox box(QMessageBox::Question, tr("Remove run"),
                  tr("Remove “%1” from the list?").arg(run->name),
                  QMessageBox::Yes | QMessageBox::Cancel, this);
  QCheckBox* trash = nullptr;
  if (!run->folder.isEmpty()) {
    trash = new QCheckBox(tr("Also move its folder to the trash:\n%1").arg(run->folder));
    box.setCheckBox(trash);
  }
  if (box.exec() != QMessageBox::Yes) return;
  removeRun(run_id, trash && trash->isChecked());
}

void MainWindow::onChooseRunsFolder() {
  // The dialog lists folders only, from a folder that exists: listing files would read special
  // files (FIFOs, devices) on this thread to guess their types.
  const QString start = QFileInfo(runs_folder_).isDir() ? runs_folder_ : QDir::homePath();
  const QString dir = QFileDialog::getExistingDirectory(
      this, tr("Where new runs are recorded"), start,
      QFileDialog::ShowDirsOnly | QFileDialog::DontResolveSymlinks);
  if (dir.isEmpty()) return;
  if (setRunsFolder(dir, true).ok())
    showMessage(tr("New runs are recorded in %1").arg(QDir::toNativeSeparators(dir)));
}

void MainWindow::onContinueRun() {
  const RunSeries* run = store_->find(selectedRun());
  if (!run) return;
  bilevel::Budget budget = currentConfig().trainer.budget;
  if (!run->records.empty())
    if (const auto reached = ReachedLimit(budget, run->records.back()); reached && interactive_) {
      // Ask for a larger limit of the same kind, twice the one reached to begin with.
      bool ok = false;
      const bool whole = reached->axis == bilevel::XAxis::kComputations ||
                         reached->axis == bilevel::XAxis::kIterations;
      const double value =
          QInputDialog::getDouble(this, tr("Continue run"),
                                  tr("“%1” has reached its budget: %2 %3.\nContinue until (%3):")
                                      .arg(run->name)
                                      .arg(reached->reached)
                                      .arg(reached->unit()),
                                  2.0 * reached->limit, reached->reached, 1e12, whole ? 0 : 2, &ok);
      if (!ok) return;
      budget = ExtendedBudget(budget, reached->axis, value, run->records.back());
    }
  if (bilevel::Status s = continueRun(run->id, budget); !s.ok())
    showError(tr("Continue run"), Message(s));
}

void MainWindow::onAbout() {
  QMessageBox::about(this, tr("About Bilevel Studio"), VersionReportHtml());
}

void MainWindow::resetLayout() {
  restoreState(default_state_);
  for (QDockWidget* dock : findChildren<QDockWidget*>())
    dock->show();
}

}  // namespace studio
