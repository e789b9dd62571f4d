// "Evaluate on a Folder": learned regularizers scored on a folder of whole clean images, as
// bilevel-cli evaluate --regularizer does (the same options, defaults, labels and tables), on a
// pool thread. The scores fill a table (a row per image, the means last); selecting a row shows
// that image's measurement and reconstruction side by side, zooming and panning in step.
#pragma once

#include <QDialog>
#include <QFutureWatcher>
#include <QStringList>
#include <atomic>
#include <memory>
#include <vector>

#include "bilevel/set_evaluation_table.h"
#include "bilevel/status.h"
#include "set_evaluation_job.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTimer;

namespace studio {

class ZoomImageView;

class SetEvaluationDialog final : public QDialog {
  Q_OBJECT

 public:
  explicit SetEvaluationDialog(QWidget* parent = nullptr);
  ~SetEvaluationDialog() override;  // cancels and waits for the evaluation

  void setRegularizers(const QStringList& files);
  void addRegularizer(const QString& file);
  QStringList regularizers() const;
  void setFolder(const QString& folder);
  QString folder() const;
  // What Evaluate would run now: the files, the folder and the options of the fields.
  SetEvaluationRequest request() const;

  // As the Evaluate button: starts the evaluation in the background (nothing while one runs).
  // finished() tells the outcome, also for bad input.
  void start();
  void cancel();
  bool running() const { return watcher_.isRunning(); }

  // The last evaluation's scores, one per regularizer (empty after a failure).
  const std::vector<bilevel::LabelledScores>& scores() const { return scores_; }
  QTableWidget* table() const { return table_; }
  ZoomImageView* beforeView() const { return before_; }
  ZoomImageView* afterView() const { return after_; }
  QString statusText() const { return status_text_; }  // the status line, in words
  // Shows image `row` of the table in the viewer (what selecting the row does).
  void showImage(int row);

  // Writes the table as CSV (SetScoresCsv) to csv_path and as Markdown (SetScoresMarkdown)
  // beside it (.md); each file is replaced whole or not at all.
  bilevel::Status saveTable(const QString& csv_path) const;

 signals:
  // ok: the table is filled; message: the status line (the failure's message otherwise).
  void finished(bool ok, const QString& message);

 protected:
  void closeEvent(QCloseEvent* event) override;

 public slots:
  void reject() override;  // cancels and waits

 private:
  void onFinished();
  void updateFields();
  void updateProgress();
  void fillTable();
  QString summary() const;  // the status line after a successful evaluation
  void showFailure(const QString& message);
  void chooseSaveFile();
  void stopAndWait();

  QListWidget* regularizers_ = nullptr;
  QLineEdit* folder_ = nullptr;
  QComboBox* problem_ = nullptr;
  QDoubleSpinBox* sigma_ = nullptr;
  QSpinBox* blur_size_ = nullptr;
  QDoubleSpinBox* blur_sigma_ = nullptr;
  QDoubleSpinBox* keep_fraction_ = nullptr;
  QDoubleSpinBox* mu0_ = nullptr;
  QDoubleSpinBox* epsilon_ = nullptr;
  QSpinBox* max_iterations_ = nullptr;
  QSpinBox* seed_ = nullptr;
  QComboBox* device_ = nullptr;
  QPushButton* evaluate_ = nullptr;
  QPushButton* cancel_ = nullptr;
  QPushButton* save_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* status_ = nullptr;
  QTableWidget* table_ = nullptr;
  QComboBox* after_choice_ = nullptr;
  ZoomImageView* before_ = nullptr;
  ZoomImageView* after_ = nullptr;
  QTimer* progress_timer_ = nullptr;
  QString status_text_;  // the status line in words

  QFutureWatcher<SetEvaluationResult> watcher_;
  std::shared_ptr<std::atomic<bool>> cancel_flag_;
  std::shared_ptr<SetEvaluationProgress> job_progress_;
  std::vector<bilevel::LabelledScores> scores_;
  std::vector<SetEvaluationPictures> pictures_;  // beside scores_
  std::vector<std::string> warnings_;            // the last evaluation's
};

}  // namespace studio
