// "Apply regularizer…": pick a learned regularizer (.json or .npz) and an image, denoise or deblur
// it with the lower-level solver on a pool thread, and show before and after with PSNRs when the
// image is taken as clean and the measurement simulated.
#pragma once

#include <QDialog>
#include <QFutureWatcher>
#include <atomic>
#include <memory>

#include "apply_job.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTimer;

namespace studio {

class ImageView;

class ApplyDialog final : public QDialog {
  Q_OBJECT

 public:
  explicit ApplyDialog(QWidget* parent = nullptr);
  ~ApplyDialog() override;  // cancels and waits for the solve

  void setRegularizerPath(const QString& path);
  void setImagePath(const QString& path);
  // > 0: treat the image as clean and simulate the measurement with this noise (0-255 scale).
  void setSimulatedNoise(double sigma);
  ApplyRequest request() const;
  bool running() const { return watcher_.isRunning(); }
  const ApplyResult& result() const { return result_; }
  // While a solve runs: its step and ||grad h|| against eps, as the dialog shows them.
  QString ProgressText() const;
  // Writes the reconstruction to path, and the measurement (and the clean image, when simulated)
  // beside it as <name>-measured and <name>-clean.
  bilevel::Status saveResultTo(const QString& path) const;

 public slots:
  void run();
  void cancel();

 signals:
  void finished(bool ok);

 private:
  void onFinished();
  void saveResult();
  void updateFields();

  QLineEdit* regularizer_ = nullptr;
  QLineEdit* image_ = nullptr;
  QLineEdit* mask_ = nullptr;
  QPushButton* browse_mask_ = nullptr;
  QComboBox* problem_ = nullptr;
  QSpinBox* blur_size_ = nullptr;
  QDoubleSpinBox* blur_sigma_ = nullptr;
  QDoubleSpinBox* mu0_ = nullptr;
  QDoubleSpinBox* epsilon_ = nullptr;
  QSpinBox* max_iterations_ = nullptr;
  QComboBox* device_ = nullptr;
  QCheckBox* simulate_ = nullptr;
  QDoubleSpinBox* simulate_sigma_ = nullptr;
  QPushButton* run_ = nullptr;
  QPushButton* cancel_ = nullptr;
  QPushButton* save_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* info_ = nullptr;
  ImageView* before_ = nullptr;
  ImageView* after_ = nullptr;
  ImageView* clean_ = nullptr;
  QFutureWatcher<ApplyResult> watcher_;
  std::shared_ptr<std::atomic<bool>> cancel_flag_;
  std::shared_ptr<ApplyProgress> solve_progress_;
  QTimer* progress_timer_ = nullptr;
  ApplyResult result_;
};

}  // namespace studio
