#include "filters_dialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>
#include <memory>

#include "bilevel/regularizer_registry.h"
#include "exporters.h"
#include "filter_sheet.h"
#include "string_conversion.h"

namespace studio {

FiltersDialog::FiltersDialog(QWidget* parent) : QDialog(parent) {
  setObjectName(QStringLiteral("filtersDialog"));
  setWindowTitle(tr("Filters"));
  auto* layout = new QVBoxLayout(this);
  title_ = new QLabel;
  title_->setWordWrap(true);
  layout->addWidget(title_);

  auto* bar = new QHBoxLayout;
  per_channel_ = new QCheckBox(tr("Channel by channel"));
  per_channel_->setToolTip(
      tr("Colour filters as one grey image per channel (R, G, B), all three on the scale of the "
         "filter's largest tap, so that the channel carrying the filter stands out"));
  pixel_ = new QSpinBox;
  pixel_->setRange(2, 48);
  pixel_->setValue(16);
  pixel_->setSuffix(tr(" px per tap"));
  pixel_->setToolTip(tr("Screen pixels per filter tap"));
  auto* save = new QPushButton(tr("Save PNG…"));
  bar->addWidget(per_channel_);
  bar->addWidget(pixel_);
  bar->addStretch(1);
  bar->addWidget(save);
  layout->addLayout(bar);

  canvas_ = new QLabel;
  canvas_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
  auto* scroll = new QScrollArea;
  scroll->setWidget(canvas_);
  scroll->setWidgetResizable(true);
  layout->addWidget(scroll, 1);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  layout->addWidget(buttons);

  connect(per_channel_, &QCheckBox::toggled, this, &FiltersDialog::render);
  connect(pixel_, &QSpinBox::valueChanged, this, &FiltersDialog::render);
  connect(save, &QPushButton::clicked, this, &FiltersDialog::save);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
  resize(760, 640);
}

void FiltersDialog::setRun(const QString& name, const bilevel::RegularizerSettings& settings,
                           const Eigen::VectorXd& theta, long iteration) {
  settings_ = settings;
  theta_ = theta;
  title_->setText(tr("%1 · iteration %2 · each filter normalised on its own, 0 at mid-grey")
                      .arg(name)
                      .arg(iteration));
  render();
}

void FiltersDialog::render() {
  sheet_ = QImage();
  std::unique_ptr<bilevel::Regularizer<double>> reg;
  if (theta_.size() == 0 || !bilevel::CreateRegularizer(settings_, &reg).ok() ||
      reg->parameterCount() != theta_.size()) {
    canvas_->setText(tr("The selected run has no learned parameters yet."));
    return;
  }
  const std::vector<bilevel::FilterImage> after = reg->filters(theta_);
  if (after.empty()) {
    canvas_->setText(tr("This regularizer has no filters."));
    return;
  }
  const std::vector<bilevel::FilterImage> before = reg->filters(reg->initialParameters());
  per_channel_->setEnabled(after.front().channels > 1);
  sheet_ = RenderFilterSheet(before, after, {pixel_->value(), per_channel_->isChecked()});
  canvas_->setPixmap(QPixmap::fromImage(sheet_));
}

void FiltersDialog::save() {
  if (sheet_.isNull()) return;
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Save filters"), QStringLiteral("filters.png"), tr("PNG images (*.png)"));
  if (path.isEmpty()) return;
  if (const bilevel::Status s = SaveImage(sheet_, path); !s.ok())
    QMessageBox::warning(this, tr("Save filters"), Message(s));
}

}  // namespace studio
