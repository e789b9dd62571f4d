// MainWindow: comparing many runs. Studies, a grid of settings over several seeds
// (bilevel/study.h), run one after another on the run queue, with their results in a window of
// their own; and the table of chosen runs' test PSNRs at one budget.
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QPushButton>
#include <QVBoxLayout>

#include "bilevel/config_json.h"
#include "bilevel/run_folder.h"
#include "budget_table_dialog.h"
#include "main_window.h"
#include "new_study_dialog.h"
#include "run_store.h"
#include "string_conversion.h"
#include "study_view.h"

namespace studio {

bilevel::Status MainWindow::startStudy(const bilevel::StudySpec& spec, const QString& dir) {
  if (bilevel::Status s = bilevel::ValidateStudy(spec); !s.ok()) return s;
  if (run_queue_->busy()) return bilevel::Status::Error("stop the training run first");
  const std::string root = ToStd(QDir::cleanPath(dir));
  if (bilevel::Status s = bilevel::CheckStudyFolder(root, spec); !s.ok()) return s;
  if (!QDir().mkpath(dir)) return bilevel::Status::Error("cannot create the folder " + root);
  if (bilevel::Status s = bilevel::SaveStudy(root, spec); !s.ok()) return s;
  int queued = 0;
  for (const bilevel::StudyRun& run : bilevel::StudyRuns(spec)) {
    const bilevel::StudyStep step = bilevel::NextStudyStep(root, run);
    if (step == bilevel::StudyStep::kDone) continue;
    const QString folder = ToQString(root + "/" + run.folder);
    if (step == bilevel::StudyStep::kResume) {
      if (bilevel::Status s = openRun(folder); !s.ok()) return s;
      if (bilevel::Status s = run_queue_->continueRun(selectedRun(), std::nullopt, true); !s.ok())
        return s;
    } else {
      bilevel::TrainingConfig config;
      if (bilevel::Status s = bilevel::StudyRunConfig(spec, run, &config); !s.ok()) return s;
      run_queue_->start(config, folder, uniqueRunName(ToQString(config.name)), true);
    }
    ++queued;
  }
  if (bilevel::Status s = showStudyWindow()->open(ToQString(root)); !s.ok()) return s;
  showMessage(tr("Study %1: %2 runs queued in %3")
                  .arg(ToQString(spec.name))
                  .arg(queued)
                  .arg(QDir::toNativeSeparators(ToQString(root))));
  return bilevel::Status::Ok();
}

bilevel::Status MainWindow::openStudy(const QString& dir) {
  StudyView* view = showStudyWindow();
  return view->open(dir);
}

StudyView* MainWindow::showStudyWindow() {
  if (!study_window_) {
    study_window_ = new QDialog(this);
    study_window_->setObjectName(QStringLiteral("studyWindow"));
    study_window_->setWindowTitle(tr("Study"));
    auto* layout = new QVBoxLayout(study_window_);
    study_view_ = new StudyView;
    layout->addWidget(study_view_, 1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    QPushButton* save = buttons->addButton(tr("Save All Figures…"), QDialogButtonBox::ActionRole);
    QPushButton* refresh = buttons->addButton(tr("Refresh"), QDialogButtonBox::ActionRole);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, study_window_, &QDialog::hide);
    connect(save, &QPushButton::clicked, this, &MainWindow::onSaveStudyFigures);
    connect(refresh, &QPushButton::clicked, study_view_, &StudyView::refresh);
    // Each run of the study that ends adds to its curves and table.
    connect(run_queue_.get(), &RunQueue::runFinished, study_view_, [this](const RunFinished& f) {
      const RunSeries* run = store_->find(f.run_id);
      const QString dir = study_view_->folder();
      if (run && !dir.isEmpty() && QDir::cleanPath(run->folder).startsWith(dir + '/'))
        study_view_->refresh();
    });
    study_window_->resize(1400, 760);
  }
  study_window_->show();
  study_window_->raise();
  return study_view_;
}

void MainWindow::onNewStudy() {
  const QString stamp = QFileInfo(newRunFolder(QStringLiteral("study"))).fileName();
  NewStudyDialog dialog(currentConfig(), QDir(runs_folder_).filePath(stamp), this);
  if (dialog.exec() != QDialog::Accepted) return;
  bilevel::StudySpec spec;
  bilevel::Status s = dialog.study(&spec);
  if (s.ok()) s = startStudy(spec, dialog.folder());
  if (!s.ok()) showError(tr("New study"), Message(s));
}

void MainWindow::onOpenStudy() {
  const QString dir = QFileDialog::getExistingDirectory(
      this, tr("Open a study folder"), runs_folder_,
      QFileDialog::ShowDirsOnly | QFileDialog::DontResolveSymlinks);
  if (dir.isEmpty()) return;
  if (bilevel::Status s = openStudy(dir); !s.ok()) showError(tr("Open study"), Message(s));
}

void MainWindow::onSaveStudyFigures() {
  if (!study_view_ || study_view_->folder().isEmpty()) return;
  const QString dir =
      QFileDialog::getExistingDirectory(study_window_, tr("Folder for the study's figures"),
                                        study_view_->folder(), QFileDialog::ShowDirsOnly);
  if (dir.isEmpty()) return;
  QStringList written;
  if (bilevel::Status s = study_view_->saveFigures(dir, QStringLiteral("pdf"), &written); !s.ok())
    showError(tr("Save figures"), Message(s));
  else
    showMessage(tr("Wrote %1").arg(written.join(QStringLiteral(", "))));
}

BudgetTableDialog* MainWindow::showBudgetTable() {
  auto* dialog = new BudgetTableDialog(*store_, this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setAxis(plots_->xAxis());
  dialog->show();
  return dialog;
}

}  // namespace studio
