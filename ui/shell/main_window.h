// The main window: plots in the middle; dataset, method, preview, kernels and runs in dock panels
// that can be rearranged; menus and a tool bar with keyboard shortcuts; a status bar with the
// backend, iteration, speed and ETA. It wires the panels to the RunQueue and the RunStore
// and keeps settings, window layout and recent folders between sessions.
#pragma once

#include <QMainWindow>
#include <QUrl>
#include <map>
#include <memory>

#include "bilevel/study.h"
#include "bilevel/training_config.h"
#include "plots_panel.h"
#include "run_queue.h"
#include "snapshot.h"

class QMenu;
class QScrollArea;

namespace studio {

class ApplyDialog;
class ComparisonBar;
class DatasetPanel;
class EventsPanel;
class FiltersDialog;
class KernelView;
class ActivationView;
class MethodPanel;
class PreviewPanel;
class RunListPanel;
class RunPreviewer;
struct RunPreviewResult;
class RunStatusBar;
class RunStore;
class StudyView;
class SetEvaluationDialog;
class SolverPanel;
class BudgetTableDialog;

// The run folders directly inside dir (a comparison's isgd/ and maid/).
QStringList RunsInside(const QString& dir);

class MainWindow final : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // The configuration the panels describe: the last loaded preset or configuration, with the
  // dataset and method panels' fields applied.
  bilevel::TrainingConfig currentConfig() const;
  void setConfig(const bilevel::TrainingConfig& config);
  QString runsFolder() const { return runs_folder_; }
  // Where this session records new runs; refused, with the previous folder kept, when the folder
  // cannot be created or written. With remember, later sessions start there too (File ▸ Runs
  // Folder…); a command line's --runs-dir is for its session only.
  bilevel::Status setRunsFolder(const QString& folder, bool remember = false);

  // The window's actions by object name ("actionStart", "actionPause", "actionResume",
  // "actionStop", "actionCompare", ...).
  QAction* action(const QString& name) const;

  // What the actions do, with the paths given (the actions ask for them with file dialogs).
  int startRun();  // the run's id; 0 when the configuration is refused (the error is shown)
  // Why the panels' settings cannot start a run (Start is disabled then); "" when they can.
  QString startBlocker() const;
  std::pair<int, int> startComparison();
  bilevel::Status openRun(const QString& dir);
  // Continues the run to budget (the Method panel's when none is given); refused, naming the
  // limit, when the run has reached it already.
  bilevel::Status continueRun(int run_id, std::optional<bilevel::Budget> budget = std::nullopt);
  bilevel::Status exportRegularizer(int run_id, const QString& path);      // .json or .npz
  bilevel::Status exportPlot(PlotsPanel::Plot plot, const QString& path);  // .png .svg .pdf
  // The four training plots and the Inner Solvers plot (solvers.<suffix>) in one style, in each
  // format; the files written.
  bilevel::Status exportFigures(const QString& folder, const QStringList& formats,
                                const FigureStyle& style, QStringList* written);
  bilevel::Status exportCurves(const QString& path);
  bilevel::Status exportRunSummary(const QString& path);  // the visible runs, CSV or Markdown
  // The latest reconstruction to path, and its ground truth and measurement beside it
  // (NAME-truth.png, NAME-measured.png).
  bilevel::Status exportReconstruction(const QString& path);
  bilevel::Status exportKernels(const QString& path);
  bilevel::Status copyRunFolder(int run_id, const QString& destination);
  void removeRun(int run_id, bool move_folder_to_trash);
  ApplyDialog* showApplyDialog();
  // File ▸ Evaluate on a Folder…: the selected run's regularizer on whole images (PSNR, SSIM).
  SetEvaluationDialog* showSetEvaluationDialog();
  // View ▸ Filters: the shown run's filters, initial and learned, at a readable size.
  FiltersDialog* showFiltersDialog();
  // Studies (main_window_study.cpp). startStudy writes DIR/study.json and queues every run of the
  // study not finished yet (a stopped one continues from its checkpoint), one after another, and
  // shows the study window; openStudy shows a study's results. Both refuse a folder that holds
  // another study.
  bilevel::Status startStudy(const bilevel::StudySpec& spec, const QString& dir);
  bilevel::Status openStudy(const QString& dir);
  StudyView* studyView() const { return study_view_; }
  // View ▸ Table at a Budget…: the runs' test PSNRs at one budget on the plots' x-axis.
  BudgetTableDialog* showBudgetTable();
  void showDataFolder(const QString& folder);  // "" for the built-in images
  // What dropping files on the window does: a run folder is re-opened, another folder becomes the
  // dataset, an image or a regularizer goes to the Apply dialog.
  void openDropped(const QList<QUrl>& urls);

  int selectedRun() const;
  RunStore& store() { return *store_; }
  RunQueue& runQueue() { return *run_queue_; }
  PlotsPanel* plots() const { return plots_; }
  ComparisonBar* comparisonBar() const { return comparison_bar_; }
  DatasetPanel* datasetPanel() const { return dataset_panel_; }
  MethodPanel* methodPanel() const { return method_panel_; }
  PreviewPanel* previewPanel() const { return preview_panel_; }
  KernelView* kernelView() const { return kernel_view_; }
  RunListPanel* runList() const { return run_list_; }
  EventsPanel* eventsPanel() const { return events_panel_; }
  RunStatusBar* statusInfo() const { return status_info_; }

  // Without interaction (tests, --screenshot) errors go to the status bar and lastError()
  // instead of message boxes.
  void setInteractive(bool interactive) { interactive_ = interactive; }
  QString lastError() const { return last_error_; }

 protected:
  void closeEvent(QCloseEvent* event) override;
  void showEvent(QShowEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  // main_window_docks.cpp
  void createDocks();
  // main_window.cpp
  void connectTraining();
  void restoreSettings();
  void saveSettings();
  // The run list across sessions: its folders, visibility and names (a rename is kept in the run
  // folder as a "name" event).
  void restoreRuns();
  void rememberRuns();
  void onStateChanged(RunQueue::State state);

  // main_window_preview.cpp
  void onPreview(std::shared_ptr<const PreviewSnapshot> preview);
  void showPreview(const std::shared_ptr<const PreviewSnapshot>& preview);
  // The run trains, and its worker makes the previews.
  bool isLivePreview(int run_id) const;
  void showFilters(const PreviewSnapshot& preview);
  // Shows the selected run's preview for the chosen image: live, or made by the RunPreviewer.
  void refreshPreview();
  void onRunPreview(const RunPreviewResult& result);
  // A live knob edited in the method panel during a run (field: the one edited).
  void onKnobsChanged(const bilevel::LiveKnobs& knobs, const QString& field);
  void onPresetChosen(const QString& name);
  void showError(const QString& title, const QString& text);
  void showMessage(const QString& text, int milliseconds = 6000);
  QString newRunFolder(const QString& base) const;
  QString uniqueRunName(const QString& base) const;
  void addRecentRun(const QString& dir);
  void addRecentFolder(const QString& dir);

  // main_window_actions.cpp
  void createActions();
  void createMenus();
  void createToolBar();
  void updateActions();
  void rebuildRecentMenus();
  void onOpenRun();
  void onOpenDataFolder();
  void onExportRegularizer();
  void onExportPlots();
  void onExportCurves();
  void onExportSummary();
  void onExportReconstruction();
  void onCopyRunFolder();
  void onRemoveRun(int run_id);
  void onChooseRunsFolder();
  void onContinueRun();
  void onPanelsEdited();  // the preset box and Start follow the panels' fields
  void onAbout();
  void resetLayout();
  // main_window_study.cpp
  void onNewStudy();
  void onOpenStudy();
  void onSaveStudyFigures();
  StudyView* showStudyWindow();

  std::unique_ptr<RunStore> store_;
  std::unique_ptr<RunQueue> run_queue_;
  bilevel::TrainingConfig base_config_;
  QString runs_folder_;
  // Kept here and written to the settings on close: a settings file is synced to disk on every
  // write, which must not happen on the GUI thread while a run trains.
  QStringList recent_runs_, recent_folders_;
  QString last_error_;
  bool interactive_ = true;
  bool shown_ = false;
  bool layout_restored_ = false;
  QByteArray default_state_;

  PlotsPanel* plots_ = nullptr;
  ComparisonBar* comparison_bar_ = nullptr;
  DatasetPanel* dataset_panel_ = nullptr;
  MethodPanel* method_panel_ = nullptr;
  PreviewPanel* preview_panel_ = nullptr;
  KernelView* kernel_view_ = nullptr;
  ActivationView* activation_view_ = nullptr;
  RunListPanel* run_list_ = nullptr;
  EventsPanel* events_panel_ = nullptr;
  RunStatusBar* status_info_ = nullptr;
  ApplyDialog* apply_dialog_ = nullptr;
  RunPreviewer* run_previewer_ = nullptr;
  FiltersDialog* filters_dialog_ = nullptr;
  SolverPanel* solver_panel_ = nullptr;
  QDialog* study_window_ = nullptr;
  StudyView* study_view_ = nullptr;
  // What the preview shows for a run that is not training, so that a repeated request costs
  // nothing.
  struct PreviewKey {
    int run = 0;
    long iteration = -1;
    bool test = false;
    int index = -1;
    bool operator==(const PreviewKey&) const = default;
  };
  PreviewKey previewed_;
  QMenu* recent_folders_menu_ = nullptr;
  QMenu* recent_runs_menu_ = nullptr;
  QMenu* view_menu_ = nullptr;
  std::map<QString, QAction*> actions_;
};

}  // namespace studio
