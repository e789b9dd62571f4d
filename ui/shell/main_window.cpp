#include "main_window.h"

#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QMessageBox>
#include <QMimeData>
#include <QRegularExpression>
#include <QStatusBar>
#include <QUrl>
#include <QVBoxLayout>

#include "app_settings.h"
#include "apply_dialog.h"
#include "bilevel/backend_info.h"
#include "bilevel/config_json.h"
#include "bilevel/presets.h"
#include "bilevel/run_folder.h"
#include "comparison_bar.h"
#include "curve_plot.h"
#include "dataset_panel.h"
#include "exporters.h"
#include "file_checks.h"
#include "image_conversion.h"
#include "kernel_view.h"
#include "method_panel.h"
#include "preview_panel.h"
#include "run_folder_loader.h"
#include "run_list_panel.h"
#include "run_status_bar.h"
#include "run_store.h"
#include "set_evaluation_dialog.h"
#include "string_conversion.h"

namespace studio {
namespace {

bool IsImageFile(const QString& path) {
  static const QStringList suffixes = {"png", "jpg", "jpeg", "bmp", "tif", "tiff"};
  return suffixes.contains(QFileInfo(path).suffix().toLower());
}

}  // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      store_(std::make_unique<RunStore>()),
      run_queue_(std::make_unique<RunQueue>(*store_)) {
  setWindowTitle(tr("Bilevel Studio"));
  setWindowIcon(QIcon(QStringLiteral(":/icons/bilevel-studio.svg")));
  setObjectName(QStringLiteral("mainWindow"));
  setAcceptDrops(true);
  setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks |
                 QMainWindow::AllowNestedDocks);
  runs_folder_ = settings::DefaultRunsFolder();
  bilevel::LoadPreset("quick", &base_config_);

  plots_ = new PlotsPanel(*store_);
  comparison_bar_ = new ComparisonBar(*store_);
  auto* centre = new QWidget;
  auto* column = new QVBoxLayout(centre);
  column->setContentsMargins(0, 0, 0, 0);
  column->setSpacing(0);
  column->addWidget(comparison_bar_);
  column->addWidget(plots_, 1);
  setCentralWidget(centre);
  createDocks();
  status_info_ = new RunStatusBar(statusBar());
  status_info_->setBackend(ToQString(bilevel::CpuBackendDescription()));
  createActions();
  createMenus();
  createToolBar();
  connectTraining();
  default_state_ = saveState();
  setConfig(base_config_);
  restoreSettings();
  updateActions();
  resize(1440, 900);
  if (const QByteArray geometry = settings::kWindowGeometry.get(); !geometry.isEmpty())
    restoreGeometry(geometry);
}

MainWindow::~MainWindow() {
  run_queue_->shutdown();
  // The panels refer to the store and the run queue: take them down first.
  const QList<QDockWidget*> docks = findChildren<QDockWidget*>();
  for (QDockWidget* dock : docks)
    delete dock;
  delete takeCentralWidget();
  delete apply_dialog_;
  run_queue_.reset();
  store_.reset();
}

void MainWindow::connectTraining() {
  RunQueue* t = run_queue_.get();
  connect(t, &RunQueue::stateChanged, this, &MainWindow::onStateChanged);
  connect(t, &RunQueue::previewChanged, this, &MainWindow::onPreview);
  connect(t, &RunQueue::progressChanged, this, [this](const ProgressSnapshot& p) {
    status_info_->setProgress(p);
    method_panel_->setCurrentIteration(p.iteration);
  });
  connect(t, &RunQueue::loadProgress, this, [this](int done, int total) {
    if (done < total)
      status_info_->setBusy(tr("loading images"), done, total);
    else  // then the measurements, the problem and the initial test PSNR
      status_info_->setBusy(tr("preparing the problem"), 0, 0);
  });
  connect(t, &RunQueue::backendChanged, this, [this](const QString& backend) {
    status_info_->setBackend(
        backend, {tr("the GPU failed during the run; running on the CPU from here on (the Events "
                     "panel says why)")});
  });
  connect(t, &RunQueue::runStarted, this, [this](const RunStarted& info) {
    status_info_->clearBusy();
    status_info_->resetRun();
    status_info_->setBackend(info.backend, info.warnings);
    preview_panel_->setImageCounts(info.train_images, info.test_images);
    run_queue_->setPreviewTarget(preview_panel_->targetIsTest(), preview_panel_->targetIndex());
    run_list_->setCurrentRun(info.run_id);
    if (!info.folder.isEmpty()) addRecentRun(info.folder);
    if (const RunSeries* run = store_->find(info.run_id))
      showMessage(tr("%1: training on %2 images (%3)")
                      .arg(run->name)
                      .arg(info.train_images)
                      .arg(info.backend));
  });
  connect(t, &RunQueue::runFinished, this, [this](const RunFinished& info) {
    status_info_->clearBusy();
    // The run folder holds the final regularizer.
    if (const RunSeries* run = store_->find(info.run_id); run && !run->folder.isEmpty()) {
      bilevel::RegularizerSettings settings;
      Eigen::VectorXd theta;
      const QString file = run->folder + QStringLiteral("/regularizer.json");
      if (QFileInfo::exists(file) && ReadRegularizerFile(file, &settings, &theta).ok())
        store_->setParameters(info.run_id, settings, theta);
    }
    updateActions();
  });
  connect(t, &RunQueue::message, this, [this](const QString& text) { showMessage(text); });
  connect(t, &RunQueue::errorOccurred, this,
          [this](const QString& text) { showError(tr("Training"), text); });
}

void MainWindow::onStateChanged(RunQueue::State state) {
  const bool busy = state != RunQueue::State::kIdle;
  dataset_panel_->setRunning(busy);
  method_panel_->setRunning(busy);
  status_info_->setState(RunQueue::StateText(state));
  if (!busy) status_info_->clearBusy();
  updateActions();
}

void MainWindow::onKnobsChanged(const bilevel::LiveKnobs& knobs, const QString& field) {
  const QString value = method_panel_->knobText(field);
  const bilevel::Status s = run_queue_->changeKnobs(knobs);
  if (!s.ok()) {
    showError(tr("Live change"), tr("%1 = %2 was refused: %3").arg(field, value, Message(s)));
    return;
  }
  showMessage(tr("%1 = %2 from the next iteration").arg(field, value));
}

void MainWindow::onPresetChosen(const QString& name) {
  bilevel::TrainingConfig config;
  if (bilevel::Status s = bilevel::LoadPreset(ToStd(name), &config); !s.ok()) {
    showError(tr("Preset"), Message(s));
    return;
  }
  setConfig(config);
  showMessage(tr("Loaded the preset %1: %2").arg(name, ToQString(config.description)));
}

bilevel::TrainingConfig MainWindow::currentConfig() const {
  bilevel::TrainingConfig config = base_config_;
  dataset_panel_->applyTo(&config);
  method_panel_->applyTo(&config);
  // An edited preset no longer is what its description says.
  if (!base_config_.description.empty() &&
      bilevel::ConfigToJson(config) != bilevel::ConfigToJson(base_config_))
    config.description = "edited from " + base_config_.name + ": " + base_config_.description;
  return config;
}

void MainWindow::onPanelsEdited() {
  method_panel_->setEdited(currentConfig().description != base_config_.description);
  updateActions();
}

void MainWindow::setConfig(const bilevel::TrainingConfig& config) {
  base_config_ = config;
  dataset_panel_->setConfig(config);
  method_panel_->setConfig(config);
  method_panel_->setEdited(false);
}

bilevel::Status MainWindow::setRunsFolder(const QString& folder, bool remember) {
  const QString dir = QDir::cleanPath(QDir(folder).absolutePath());
  if (bilevel::Status s = CheckWritableFolder(dir); !s.ok()) {
    showError(tr("Runs folder"), tr("%1\nNew runs are still recorded in %2.")
                                     .arg(Message(s), QDir::toNativeSeparators(runs_folder_)));
    return s;
  }
  runs_folder_ = dir;
  if (remember) settings::kRunsFolder.set(dir == settings::DefaultRunsFolder() ? QString() : dir);
  return bilevel::Status::Ok();
}

QAction* MainWindow::action(const QString& name) const {
  const auto it = actions_.find(name);
  return it == actions_.end() ? nullptr : it->second;
}

int MainWindow::selectedRun() const {
  if (const int id = run_list_->currentRun()) return id;
  const auto runs = store_->runs();
  return runs.empty() ? 0 : runs.back()->id;
}

void MainWindow::showError(const QString& title, const QString& text) {
  last_error_ = text;
  statusBar()->showMessage(text, 10000);
  if (interactive_) QMessageBox::warning(this, title, text);
}

void MainWindow::showMessage(const QString& text, int milliseconds) {
  statusBar()->showMessage(text, milliseconds);
}

ApplyDialog* MainWindow::showApplyDialog() {
  if (!apply_dialog_) apply_dialog_ = new ApplyDialog(this);
  const RunSeries* run = store_->find(selectedRun());
  if (run && !run->folder.isEmpty()) {
    const QString file = run->folder + QStringLiteral("/regularizer.json");
    if (QFileInfo::exists(file) && apply_dialog_->request().regularizer.empty())
      apply_dialog_->setRegularizerPath(file);
  }
  apply_dialog_->show();
  apply_dialog_->raise();
  return apply_dialog_;
}

SetEvaluationDialog* MainWindow::showSetEvaluationDialog() {
  auto* dialog = new SetEvaluationDialog(this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  const RunSeries* run = store_->find(selectedRun());
  if (run && !run->folder.isEmpty() &&
      QFileInfo::exists(run->folder + QStringLiteral("/regularizer.json")))
    dialog->addRegularizer(run->folder + QStringLiteral("/regularizer.json"));
  dialog->show();
  return dialog;
}

void MainWindow::showDataFolder(const QString& folder) {
  dataset_panel_->setFolder(folder);
  if (!folder.isEmpty()) addRecentFolder(folder);
  if (auto* dock = findChild<QDockWidget*>(QStringLiteral("datasetDock"))) dock->raise();
}

void MainWindow::addRecentRun(const QString& dir) {
  recent_runs_ = PushRecent(recent_runs_, dir);  // written with the other settings on close
  rebuildRecentMenus();
}

void MainWindow::addRecentFolder(const QString& dir) {
  recent_folders_ = PushRecent(recent_folders_, dir);
  rebuildRecentMenus();
}

void MainWindow::restoreSettings() {
  if (const QString folder = settings::kRunsFolder.get(); !folder.isEmpty()) runs_folder_ = folder;
  if (const QString json = settings::kLastConfig.get(); !json.isEmpty()) {
    bilevel::TrainingConfig config;
    if (bilevel::ConfigFromJson(ToStd(json), &config, nullptr).ok()) setConfig(config);
  }
  if (auto axis = XAxisFromKey(settings::kXAxis.get())) plots_->setXAxis(*axis);
  plots_->setLogX(settings::kLogX.get());
  plots_->setLogLoss(settings::kLogLoss.get());
  if (const QByteArray state = settings::kWindowState.get(); !state.isEmpty())
    layout_restored_ = restoreState(state);
  recent_runs_ = settings::kRecentRuns.get();
  recent_folders_ = settings::kRecentDataFolders.get();
  rebuildRecentMenus();
  restoreRuns();
}

void MainWindow::saveSettings() {
  settings::kWindowGeometry.set(saveGeometry());
  settings::kWindowState.set(saveState());
  settings::kLastConfig.set(ToQString(bilevel::ConfigToJson(currentConfig())));
  settings::kXAxis.set(XAxisKey(plots_->xAxis()));
  settings::kLogX.set(plots_->logX());
  settings::kLogLoss.set(plots_->logLoss());
  settings::kRecentRuns.set(recent_runs_);
  settings::kRecentDataFolders.set(recent_folders_);
}

void MainWindow::showEvent(QShowEvent* event) {
  QMainWindow::showEvent(event);
  if (shown_) return;
  shown_ = true;
  if (layout_restored_) return;
  // Sizes of the first layout, once the window has its size.
  auto* method = findChild<QDockWidget*>(QStringLiteral("methodDock"));
  auto* preview = findChild<QDockWidget*>(QStringLiteral("previewDock"));
  auto* kernels = findChild<QDockWidget*>(QStringLiteral("kernelDock"));
  auto* runs = findChild<QDockWidget*>(QStringLiteral("runsDock"));
  resizeDocks({method, preview}, {width() * 21 / 100, width() * 31 / 100}, Qt::Horizontal);
  resizeDocks({preview, kernels, runs},
              {height() * 32 / 100, height() * 28 / 100, height() * 26 / 100}, Qt::Vertical);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  saveSettings();
  if (run_queue_->busy()) {
    showMessage(tr("Stopping the run…"));
    run_queue_->shutdown();  // stop, wait; the run folder stays resumable
  }
  rememberRuns();  // after the runs have stopped writing their folders
  if (apply_dialog_) apply_dialog_->close();
  event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls())
    for (const QUrl& url : event->mimeData()->urls())
      if (url.isLocalFile()) {
        event->acceptProposedAction();
        return;
      }
}

void MainWindow::dropEvent(QDropEvent* event) {
  openDropped(event->mimeData()->urls());
  event->acceptProposedAction();
}

void MainWindow::openDropped(const QList<QUrl>& urls) {
  for (const QUrl& url : urls) {
    if (!url.isLocalFile()) continue;
    const QString path = url.toLocalFile();
    const QFileInfo info(path);
    if (info.isDir()) {
      if (bilevel::RunFolder::IsRunFolder(ToStd(path)) || !RunsInside(path).isEmpty()) {
        if (bilevel::Status s = openRun(path); !s.ok()) showError(tr("Open run"), Message(s));
      } else if (!run_queue_->busy()) {
        showDataFolder(path);
      } else {
        showError(tr("Dataset"), tr("The dataset cannot change while a run trains."));
      }
    } else if (IsImageFile(path)) {
      showApplyDialog()->setImagePath(path);
    } else if (info.suffix() == QLatin1String("npz") || info.suffix() == QLatin1String("json")) {
      showApplyDialog()->setRegularizerPath(path);
    }
  }
}

}  // namespace studio
