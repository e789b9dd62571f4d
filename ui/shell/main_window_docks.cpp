// MainWindow: the panels around the plots, as dock widgets, and how they are wired.
#include <QDockWidget>
#include <QScrollArea>
#include <QSplitter>

#include "activation_view.h"
#include "dataset_panel.h"
#include "events_panel.h"
#include "kernel_view.h"
#include "main_window.h"
#include "method_panel.h"
#include "preview_panel.h"
#include "run_list_panel.h"
#include "run_previewer.h"
#include "run_status_bar.h"
#include "run_store.h"
#include "solver_panel.h"

namespace studio {
namespace {

QDockWidget* Dock(const QString& title, const QString& name, QWidget* content, bool scroll) {
  auto* dock = new QDockWidget(title);
  dock->setObjectName(name);
  if (scroll) {
    auto* area = new QScrollArea;
    area->setMinimumWidth(content->minimumSizeHint().width() + 18);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    area->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    area->setWidget(content);
    dock->setWidget(area);
  } else {
    dock->setWidget(content);
  }
  return dock;
}

}  // namespace

void MainWindow::createDocks() {
  dataset_panel_ = new DatasetPanel;
  method_panel_ = new MethodPanel;
  preview_panel_ = new PreviewPanel;
  kernel_view_ = new KernelView;
  kernel_view_->setObjectName(QStringLiteral("kernelView"));
  connect(kernel_view_, &KernelView::enlargeRequested, this, [this] { showFiltersDialog(); });
  activation_view_ = new ActivationView;
  activation_view_->setObjectName(QStringLiteral("activationView"));
  activation_view_->hide();
  auto* filters = new QSplitter(Qt::Vertical);
  filters->addWidget(kernel_view_);
  filters->addWidget(activation_view_);
  run_list_ = new RunListPanel(*store_);
  solver_panel_ = new SolverPanel(*store_);
  auto* solvers = solver_panel_;
  events_panel_ = new EventsPanel(*store_);

  QDockWidget* data = Dock(tr("Dataset"), QStringLiteral("datasetDock"), dataset_panel_, true);
  QDockWidget* method = Dock(tr("Method"), QStringLiteral("methodDock"), method_panel_, true);
  QDockWidget* preview = Dock(tr("Preview"), QStringLiteral("previewDock"), preview_panel_, false);
  QDockWidget* kernels = Dock(tr("Kernels"), QStringLiteral("kernelDock"), filters, false);
  QDockWidget* runs = Dock(tr("Runs"), QStringLiteral("runsDock"), run_list_, false);
  QDockWidget* inner = Dock(tr("Inner Solvers"), QStringLiteral("solverDock"), solvers, false);
  QDockWidget* events = Dock(tr("Events"), QStringLiteral("eventsDock"), events_panel_, false);
  addDockWidget(Qt::LeftDockWidgetArea, method);
  addDockWidget(Qt::LeftDockWidgetArea, data);
  tabifyDockWidget(method, data);
  method->raise();
  addDockWidget(Qt::RightDockWidgetArea, preview);
  addDockWidget(Qt::RightDockWidgetArea, kernels);
  addDockWidget(Qt::RightDockWidgetArea, runs);
  tabifyDockWidget(runs, inner);
  tabifyDockWidget(inner, events);
  runs->raise();
  resizeDocks({method, preview}, {370, 440}, Qt::Horizontal);
  resizeDocks({preview, kernels, runs}, {300, 190, 220}, Qt::Vertical);

  connect(dataset_panel_, &DatasetPanel::folderChosen, this, &MainWindow::addRecentFolder);
  connect(dataset_panel_, &DatasetPanel::imageActivated, preview_panel_, &PreviewPanel::setTarget);
  connect(dataset_panel_, &DatasetPanel::loadProgress, this, [this](int done, int total) {
    if (!run_queue_->busy()) status_info_->setBusy(tr("images"), done, total);
  });
  connect(dataset_panel_, &DatasetPanel::loadFinished, this, [this](const QString& summary) {
    if (!run_queue_->busy()) status_info_->clearBusy();
    showMessage(summary);
    updateActions();
  });
  connect(dataset_panel_, &DatasetPanel::changed, this, &MainWindow::onPanelsEdited);
  connect(method_panel_, &MethodPanel::changed, this, &MainWindow::onPanelsEdited);
  connect(preview_panel_, &PreviewPanel::targetChanged, this, &MainWindow::refreshPreview);
  connect(method_panel_, &MethodPanel::knobsChanged, this, &MainWindow::onKnobsChanged);
  connect(method_panel_, &MethodPanel::presetChosen, this, &MainWindow::onPresetChosen);
  connect(run_list_, &RunListPanel::openRequested, this, &MainWindow::onOpenRun);
  connect(run_list_, &RunListPanel::removeRequested, this, &MainWindow::onRemoveRun);
  connect(run_list_, &RunListPanel::currentRunChanged, this, &MainWindow::updateActions);
  connect(run_list_, &RunListPanel::currentRunChanged, this, &MainWindow::refreshPreview);
  // The events pane shows the selected run (the newest one while none is selected).
  const auto follow = [this] { events_panel_->setRun(selectedRun()); };
  connect(run_list_, &RunListPanel::currentRunChanged, events_panel_, follow);
  connect(store_.get(), &RunStore::runAdded, events_panel_, follow);
  connect(store_.get(), &RunStore::runRemoved, events_panel_, follow);
  connect(events_panel_, &EventsPanel::eventActivated, plots_, &PlotsPanel::jumpToIteration);
  run_previewer_ = new RunPreviewer(this);
  connect(run_previewer_, &RunPreviewer::finished, this, &MainWindow::onRunPreview);
  connect(store_.get(), &RunStore::runChanged, this, [this](int id) {
    if (id == selectedRun()) refreshPreview();  // e.g. its final parameters arrived
  });
  connect(plots_, &PlotsPanel::exportCurvesRequested, this, &MainWindow::onExportCurves);
}

}  // namespace studio
