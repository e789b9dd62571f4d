// Ground truth | measurement | current reconstruction, side by side with their PSNRs, for a chosen
// training or test image, updated as the worker publishes new previews.
#pragma once

#include <QWidget>
#include <memory>

#include "snapshot.h"

class QComboBox;
class QLabel;
class QSpinBox;

namespace studio {

class ImageView;

class PreviewPanel final : public QWidget {
  Q_OBJECT

 public:
  explicit PreviewPanel(QWidget* parent = nullptr);
  void setSnapshot(std::shared_ptr<const PreviewSnapshot> snapshot);
  std::shared_ptr<const PreviewSnapshot> snapshot() const { return snapshot_; }
  // Empties the views and says why (a run without parameters, a run whose data cannot be read).
  void setMessage(const QString& text);
  void setImageCounts(int train, int test);
  // Chooses the image (index -1: the one with the most detail) and says so through targetChanged.
  void setTarget(bool test, int index);
  bool targetIsTest() const;
  // -1 until an image is chosen: the preview then shows the one with the most detail, and the
  // controls follow what it shows.
  int targetIndex() const;
  ImageView* truthView() const { return truth_; }
  ImageView* measuredView() const { return measured_; }
  ImageView* reconstructionView() const { return reconstruction_; }

 signals:
  void targetChanged(bool test, int index);

 private:
  void emitTarget();

  std::shared_ptr<const PreviewSnapshot> snapshot_;
  QComboBox* split_ = nullptr;
  QSpinBox* index_ = nullptr;
  QLabel* info_ = nullptr;
  ImageView* truth_ = nullptr;
  ImageView* measured_ = nullptr;
  ImageView* reconstruction_ = nullptr;
  int train_count_ = 0, test_count_ = 0;
  bool index_chosen_ = false;
};

}  // namespace studio
