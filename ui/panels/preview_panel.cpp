#include "preview_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>
#include <cmath>

#include "image_view.h"

namespace studio {
namespace {

QString Db(double psnr) {
  if (std::isnan(psnr)) return {};
  if (std::isinf(psnr)) return QStringLiteral("∞ dB");
  return QStringLiteral("%1 dB").arg(psnr, 0, 'f', 2);
}

}  // namespace

PreviewPanel::PreviewPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);
  auto* bar = new QHBoxLayout;
  split_ = new QComboBox;
  split_->setObjectName(QStringLiteral("previewSplit"));
  split_->addItem(tr("Training image"));
  split_->addItem(tr("Test image"));
  index_ = new QSpinBox;
  index_->setObjectName(QStringLiteral("previewIndex"));
  index_->setRange(1, 1);
  index_->setPrefix(QStringLiteral("# "));
  info_ = new QLabel;
  info_->setObjectName(QStringLiteral("previewInfo"));
  info_->setForegroundRole(QPalette::PlaceholderText);
  info_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);  // never widens the dock
  info_->setWordWrap(true);  // a long source name takes a second line rather than being cut
  bar->addWidget(split_);
  bar->addWidget(index_);
  bar->addWidget(info_, 1);
  layout->addLayout(bar);

  auto* images = new QHBoxLayout;
  images->setSpacing(6);
  truth_ = new ImageView(tr("Ground truth"));
  measured_ = new ImageView(tr("Measurement"));
  reconstruction_ = new ImageView(tr("Reconstruction"));
  truth_->setObjectName(QStringLiteral("truthView"));
  measured_->setObjectName(QStringLiteral("measuredView"));
  reconstruction_->setObjectName(QStringLiteral("reconstructionView"));
  images->addWidget(truth_);
  images->addWidget(measured_);
  images->addWidget(reconstruction_);
  layout->addLayout(images, 1);

  connect(split_, &QComboBox::currentIndexChanged, this, [this] {
    const int count = split_->currentIndex() == 1 ? test_count_ : train_count_;
    index_->setRange(1, std::max(1, count));
    emitTarget();
  });
  connect(index_, &QSpinBox::valueChanged, this, [this] {
    index_chosen_ = true;
    emitTarget();
  });
  info_->setText(tr("Start a run to see its reconstructions."));
}

void PreviewPanel::emitTarget() {
  emit targetChanged(targetIsTest(), targetIndex());
}

bool PreviewPanel::targetIsTest() const {
  return split_->currentIndex() == 1;
}

int PreviewPanel::targetIndex() const {
  return index_chosen_ ? index_->value() - 1 : -1;
}

void PreviewPanel::setImageCounts(int train, int test) {
  train_count_ = train;
  test_count_ = test;
  split_->setItemData(1, test > 0 ? QVariant() : QVariant(0), Qt::UserRole - 1);  // disable
  const int count = split_->currentIndex() == 1 ? test : train;
  index_->setRange(1, std::max(1, count));
}

void PreviewPanel::setTarget(bool test, int index) {
  const QSignalBlocker block_split(split_);
  const QSignalBlocker block_index(index_);
  split_->setCurrentIndex(test ? 1 : 0);
  index_chosen_ = index >= 0;
  const int count = test ? test_count_ : train_count_;
  index_->setRange(1, std::max({1, count, index + 1}));
  if (index_chosen_) index_->setValue(index + 1);
  emitTarget();
}

void PreviewPanel::setMessage(const QString& text) {
  snapshot_.reset();
  for (ImageView* v : {truth_, measured_, reconstruction_}) {
    v->setImage({});
    v->setCaption({});
  }
  info_->setText(text);
  info_->setToolTip(text);
}

void PreviewPanel::setSnapshot(std::shared_ptr<const PreviewSnapshot> snapshot) {
  if (!snapshot) {
    setMessage(tr("Start a run to see its reconstructions."));
    return;
  }
  snapshot_ = std::move(snapshot);
  if (!index_chosen_ && snapshot_->test == targetIsTest()) {  // show which image was chosen
    const QSignalBlocker block(index_);
    index_->setRange(1, std::max(index_->maximum(), snapshot_->index + 1));
    index_->setValue(snapshot_->index + 1);
  }
  truth_->setImage(snapshot_->truth);
  measured_->setImage(snapshot_->measured);
  measured_->setCaption(Db(snapshot_->measured_psnr));
  reconstruction_->setImage(snapshot_->reconstruction);
  reconstruction_->setCaption(Db(snapshot_->reconstruction_psnr));
  QString info =
      tr("%1 #%2").arg(snapshot_->test ? tr("test") : tr("training")).arg(snapshot_->index + 1);
  if (!snapshot_->source.isEmpty()) info += tr(" from %1").arg(snapshot_->source);
  info +=
      tr(" · iteration %1 · ε = %2").arg(snapshot_->iteration).arg(snapshot_->epsilon, 0, 'g', 3);
  info_->setText(info);
  info_->setToolTip(info);
}

}  // namespace studio
