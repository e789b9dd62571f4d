// Where the training images come from and what inverse problem they pose: the embedded default
// set or a folder; patch size, colour or grey, test fraction, patch limits; denoise, deblur or
// inpaint with noise sigma, blur size and sigma_b, or the kept fraction; mu0. The panel loads a
// preview of the dataset off the GUI thread after each change (a progress bar meanwhile) and shows
// thumbnails of the training and test patches and the files that were skipped, with their names.
#pragma once

#include <QWidget>

#include "bilevel/training_config.h"
#include "dataset_loader.h"

class QButtonGroup;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTimer;

namespace studio {

class ThumbnailStrip;

class DatasetPanel final : public QWidget {
  Q_OBJECT

 public:
  explicit DatasetPanel(QWidget* parent = nullptr);

  void setConfig(const bilevel::TrainingConfig& config);  // dataset and problem
  void applyTo(bilevel::TrainingConfig* config) const;    // also sets regularizer.channels
  // "" for the embedded images; starts a preview load.
  void setFolder(const QString& folder);
  QString folder() const;
  void setRunning(bool running);  // the data cannot change while a run trains
  // Loads the preview now (it is otherwise started 300 ms after the last edit).
  void reload();
  bool loading() const;
  // Why the images cannot be used as set (the last preview's error); "" while a preview loads and
  // when they can.
  QString error() const;
  const DatasetPreview& preview() const { return preview_; }

 signals:
  void changed();
  void folderChosen(const QString& folder);  // from the browse dialog
  void imageActivated(bool test, int index);
  void loadProgress(int done, int total);
  void loadFinished(const QString& summary);

 private:
  void browse();
  void onLoaded(const DatasetPreview& preview);
  void updateProblemFields();
  void updateProblemWarning();  // the configuration's warnings (mu0 = 0 for deblurring)
  void edited();

  DatasetLoader loader_;
  DatasetPreview preview_;
  QTimer* reload_timer_ = nullptr;
  QRadioButton* embedded_ = nullptr;
  QRadioButton* from_folder_ = nullptr;
  QLineEdit* folder_ = nullptr;
  QPushButton* browse_ = nullptr;
  QSpinBox* patch_size_ = nullptr;
  QSpinBox* patches_per_image_ = nullptr;
  QComboBox* color_ = nullptr;
  QDoubleSpinBox* test_fraction_ = nullptr;
  QSpinBox* max_train_ = nullptr;
  QSpinBox* max_test_ = nullptr;
  QComboBox* problem_ = nullptr;
  QDoubleSpinBox* sigma_ = nullptr;
  QSpinBox* blur_size_ = nullptr;
  QDoubleSpinBox* blur_sigma_ = nullptr;
  QDoubleSpinBox* keep_fraction_ = nullptr;
  QDoubleSpinBox* mu0_ = nullptr;
  QLabel* summary_ = nullptr;
  QLabel* problem_warning_ = nullptr;
  QProgressBar* progress_ = nullptr;
  ThumbnailStrip* train_strip_ = nullptr;
  ThumbnailStrip* test_strip_ = nullptr;
  QLabel* train_label_ = nullptr;
  QLabel* test_label_ = nullptr;
  QListWidget* warnings_ = nullptr;
  std::vector<QWidget*> problem_rows_[3];
  bool updating_ = false;
  bool running_ = false;
  // A preview was asked for and has not arrived: preview_ describes older settings.
  bool awaiting_preview_ = false;
};

}  // namespace studio
