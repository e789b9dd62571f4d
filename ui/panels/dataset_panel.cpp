#include "dataset_panel.h"

#include <QButtonGroup>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>
#include <climits>

#include "bilevel/dataset.h"
#include "field_help.h"
#include "string_conversion.h"
#include "thumbnail_strip.h"
#include "wheel_guard.h"

namespace studio {
namespace {

QGroupBox* Group(const QString& title, QFormLayout** form) {
  auto* group = new QGroupBox(title);
  *form = new QFormLayout(group);
  (*form)->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  (*form)->setContentsMargins(6, 4, 6, 4);
  (*form)->setVerticalSpacing(3);
  return group;
}

}  // namespace

DatasetPanel::DatasetPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(6);

  QFormLayout* form = nullptr;
  QGroupBox* source = Group(tr("Images"), &form);
  embedded_ = new QRadioButton(
      tr("Built-in photographs (%1)").arg(int(bilevel::EmbeddedImageNames().size())));
  embedded_->setObjectName(QStringLiteral("embeddedRadio"));
  from_folder_ = new QRadioButton(tr("Folder"));
  from_folder_->setObjectName(QStringLiteral("folderRadio"));
  auto* group = new QButtonGroup(this);
  group->addButton(embedded_);
  group->addButton(from_folder_);
  embedded_->setChecked(true);
  folder_ = new QLineEdit;
  folder_->setObjectName(QStringLiteral("dataset.folder"));
  folder_->setPlaceholderText(tr("a folder of PNG, JPEG, BMP or TIFF images (or drop one here)"));
  browse_ = new QPushButton(tr("Browse…"));
  auto* folder_row = new QHBoxLayout;
  folder_row->addWidget(from_folder_);
  folder_row->addWidget(folder_, 1);
  folder_row->addWidget(browse_);
  form->addRow(embedded_);
  form->addRow(folder_row);

  patch_size_ = new QSpinBox;
  patch_size_->setObjectName(QStringLiteral("dataset.patch_size"));
  patch_size_->setRange(3, 1024);
  patch_size_->setSuffix(tr(" px"));
  patches_per_image_ = new QSpinBox;
  patches_per_image_->setObjectName(QStringLiteral("dataset.patches_per_image"));
  patches_per_image_->setRange(1, 100000);
  color_ = new QComboBox;
  color_->setObjectName(QStringLiteral("dataset.color"));
  color_->addItem(tr("colour (RGB)"), QStringLiteral("color"));
  color_->addItem(tr("grey"), QStringLiteral("grey"));
  test_fraction_ = new QDoubleSpinBox;
  test_fraction_->setObjectName(QStringLiteral("dataset.test_fraction"));
  test_fraction_->setRange(0.0, 0.95);
  test_fraction_->setSingleStep(0.05);
  max_train_ = new QSpinBox;
  max_train_->setObjectName(QStringLiteral("dataset.max_train_patches"));
  max_train_->setRange(0, INT_MAX);
  max_train_->setSpecialValueText(tr("all"));
  max_test_ = new QSpinBox;
  max_test_->setObjectName(QStringLiteral("dataset.max_test_patches"));
  max_test_->setRange(0, INT_MAX);
  max_test_->setSpecialValueText(tr("all"));
  auto* patch_row = new QHBoxLayout;
  patch_row->addWidget(patch_size_, 1);
  patch_row->addWidget(new QLabel(tr("× per image")));
  patch_row->addWidget(patches_per_image_, 1);
  form->addRow(tr("Patches"), patch_row);
  form->addRow(tr("Colour"), color_);
  form->addRow(tr("Test fraction"), test_fraction_);
  auto* limit_row = new QHBoxLayout;
  limit_row->addWidget(max_train_, 1);
  limit_row->addWidget(new QLabel(tr("test")));
  limit_row->addWidget(max_test_, 1);
  form->addRow(tr("At most: train"), limit_row);
  layout->addWidget(source);

  QFormLayout* problem_form = nullptr;
  QGroupBox* problem = Group(tr("Inverse problem"), &problem_form);
  problem_ = new QComboBox;
  problem_->setObjectName(QStringLiteral("problem.operator"));
  problem_->addItem(tr("Denoise"), QStringLiteral("denoise"));
  problem_->addItem(tr("Deblur (Gaussian)"), QStringLiteral("deblur"));
  problem_->addItem(tr("Inpaint (random mask)"), QStringLiteral("inpaint"));
  sigma_ = new QDoubleSpinBox;
  sigma_->setObjectName(QStringLiteral("problem.noise_sigma"));
  sigma_->setRange(0.0, 255.0);
  sigma_->setDecimals(1);
  sigma_->setSuffix(tr(" / 255"));
  blur_size_ = new QSpinBox;
  blur_size_->setObjectName(QStringLiteral("problem.blur.size"));
  blur_size_->setRange(1, 63);
  blur_size_->setSingleStep(2);
  blur_sigma_ = new QDoubleSpinBox;
  blur_sigma_->setObjectName(QStringLiteral("problem.blur.sigma"));
  blur_sigma_->setRange(0.05, 50.0);
  blur_sigma_->setSuffix(tr(" px"));
  keep_fraction_ = new QDoubleSpinBox;
  keep_fraction_->setObjectName(QStringLiteral("problem.keep_fraction"));
  keep_fraction_->setRange(0.01, 1.0);
  keep_fraction_->setSingleStep(0.05);
  mu0_ = new QDoubleSpinBox;
  mu0_->setObjectName(QStringLiteral("problem.mu0"));
  mu0_->setRange(0.0, 10.0);
  mu0_->setDecimals(6);
  mu0_->setSingleStep(1e-4);
  problem_form->addRow(tr("Problem"), problem_);
  problem_form->addRow(tr("Noise σ"), sigma_);
  problem_form->addRow(tr("Blur size"), blur_size_);
  problem_form->addRow(tr("Blur width σ"), blur_sigma_);
  problem_form->addRow(tr("Kept pixels"), keep_fraction_);
  problem_form->addRow(tr("μ₀"), mu0_);
  problem_warning_ = new QLabel;
  problem_warning_->setObjectName(QStringLiteral("problemWarning"));
  problem_warning_->setWordWrap(true);
  problem_warning_->setStyleSheet(QStringLiteral("color: #9a5b00"));
  problem_warning_->hide();
  problem_form->addRow(problem_warning_);
  layout->addWidget(problem);
  problem_rows_[0] = {};
  problem_rows_[1] = {blur_size_, blur_sigma_, mu0_};
  problem_rows_[2] = {keep_fraction_, mu0_};

  summary_ = new QLabel;
  summary_->setObjectName(QStringLiteral("datasetSummary"));
  summary_->setWordWrap(true);
  layout->addWidget(summary_);
  progress_ = new QProgressBar;
  progress_->setObjectName(QStringLiteral("datasetProgress"));
  progress_->setMaximumHeight(12);
  progress_->setTextVisible(false);
  progress_->hide();
  layout->addWidget(progress_);
  train_label_ = new QLabel(tr("Training patches"));
  layout->addWidget(train_label_);
  train_strip_ = new ThumbnailStrip;
  train_strip_->setObjectName(QStringLiteral("trainStrip"));
  layout->addWidget(train_strip_);
  test_label_ = new QLabel(tr("Test patches"));
  layout->addWidget(test_label_);
  test_strip_ = new ThumbnailStrip;
  test_strip_->setObjectName(QStringLiteral("testStrip"));
  layout->addWidget(test_strip_);
  warnings_ = new QListWidget;
  warnings_->setObjectName(QStringLiteral("datasetWarnings"));
  warnings_->setMaximumHeight(90);
  warnings_->setWordWrap(true);
  warnings_->hide();
  layout->addWidget(warnings_);
  layout->addStretch(1);

  reload_timer_ = new QTimer(this);
  reload_timer_->setSingleShot(true);
  reload_timer_->setInterval(300);
  connect(reload_timer_, &QTimer::timeout, this, &DatasetPanel::reload);
  connect(&loader_, &DatasetLoader::loaded, this, &DatasetPanel::onLoaded);
  connect(&loader_, &DatasetLoader::progress, this, [this](int done, int total) {
    progress_->setRange(0, total);
    progress_->setValue(done);
    emit loadProgress(done, total);
  });
  connect(browse_, &QPushButton::clicked, this, &DatasetPanel::browse);
  connect(train_strip_, &ThumbnailStrip::imageActivated, this,
          [this](int i) { emit imageActivated(false, i); });
  connect(test_strip_, &ThumbnailStrip::imageActivated, this,
          [this](int i) { emit imageActivated(true, i); });
  connect(embedded_, &QRadioButton::toggled, this, &DatasetPanel::edited);
  connect(folder_, &QLineEdit::editingFinished, this, [this] {
    if (!folder_->text().isEmpty()) from_folder_->setChecked(true);
    edited();
  });
  for (QSpinBox* box : {patch_size_, patches_per_image_, max_train_, max_test_, blur_size_})
    connect(box, &QSpinBox::valueChanged, this, &DatasetPanel::edited);
  for (QDoubleSpinBox* box : {test_fraction_, sigma_, blur_sigma_, keep_fraction_, mu0_})
    connect(box, &QDoubleSpinBox::valueChanged, this, &DatasetPanel::edited);
  for (QComboBox* box : {color_, problem_})
    connect(box, &QComboBox::currentIndexChanged, this, &DatasetPanel::edited);
  connect(problem_, &QComboBox::currentIndexChanged, this, &DatasetPanel::updateProblemFields);

  embedded_->setToolTip(tr("The photographs built into the program; no folder needed"));
  from_folder_->setToolTip(FieldHelp(folder_->objectName()));
  browse_->setToolTip(tr("Choose the folder of training images"));
  for (QWidget* w : findChildren<QWidget*>())
    SetFieldHelp(w);  // the editors are named by their config.json paths
  GuardWheel(this);
  setConfig(bilevel::TrainingConfig{});
}

void DatasetPanel::edited() {
  if (updating_) return;
  updateProblemWarning();
  reload_timer_->start();
  emit changed();
}

void DatasetPanel::updateProblemWarning() {
  bilevel::TrainingConfig config;
  applyTo(&config);
  QStringList lines;
  for (const std::string& w : config.warnings())
    lines << QStringLiteral("⚠ ") + ToQString(w);
  problem_warning_->setText(lines.join('\n'));
  problem_warning_->setVisible(!lines.isEmpty());
}

void DatasetPanel::updateProblemFields() {
  auto* form = qobject_cast<QFormLayout*>(problem_->parentWidget()->layout());
  if (!form) return;
  const int kind = std::max(0, problem_->currentIndex());
  for (QWidget* w : {static_cast<QWidget*>(blur_size_), static_cast<QWidget*>(blur_sigma_),
                     static_cast<QWidget*>(keep_fraction_), static_cast<QWidget*>(mu0_)}) {
    const auto& rows = problem_rows_[kind];
    form->setRowVisible(w, std::find(rows.begin(), rows.end(), w) != rows.end());
  }
}

void DatasetPanel::setConfig(const bilevel::TrainingConfig& c) {
  updating_ = true;
  const QString folder = ToQString(c.dataset.folder);
  folder_->setText(folder);
  (folder.isEmpty() ? embedded_ : from_folder_)->setChecked(true);
  patch_size_->setValue(c.dataset.patch_size);
  patches_per_image_->setValue(c.dataset.patches_per_image);
  color_->setCurrentIndex(c.dataset.color == bilevel::ColorMode::kGrey ? 1 : 0);
  test_fraction_->setValue(c.dataset.test_fraction);
  max_train_->setValue(c.dataset.max_train_patches);
  max_test_->setValue(c.dataset.max_test_patches);
  problem_->setCurrentIndex(c.problem.kind == bilevel::OperatorKind::kGaussianBlur ? 1
                            : c.problem.kind == bilevel::OperatorKind::kInpainting ? 2
                                                                                   : 0);
  sigma_->setValue(c.problem.noise_sigma);
  blur_size_->setValue(c.problem.blur.size);
  blur_sigma_->setValue(c.problem.blur.sigma);
  keep_fraction_->setValue(c.problem.keep_fraction);
  mu0_->setValue(c.inner.mu0);
  updating_ = false;
  updateProblemFields();
  updateProblemWarning();
  reload_timer_->start();
}

void DatasetPanel::applyTo(bilevel::TrainingConfig* c) const {
  c->dataset.folder = embedded_->isChecked() ? std::string() : ToStd(folder_->text().trimmed());
  c->dataset.patch_size = patch_size_->value();
  c->dataset.patches_per_image = patches_per_image_->value();
  c->dataset.color =
      color_->currentIndex() == 1 ? bilevel::ColorMode::kGrey : bilevel::ColorMode::kColor;
  if (c->regularizer.find("regularizer.channels"))
    c->regularizer.set("regularizer.channels",
                       c->dataset.color == bilevel::ColorMode::kGrey ? 1LL : 3LL);
  c->dataset.test_fraction = test_fraction_->value();
  c->dataset.max_train_patches = max_train_->value();
  c->dataset.max_test_patches = max_test_->value();
  c->problem.kind = problem_->currentIndex() == 1   ? bilevel::OperatorKind::kGaussianBlur
                    : problem_->currentIndex() == 2 ? bilevel::OperatorKind::kInpainting
                                                    : bilevel::OperatorKind::kIdentity;
  c->problem.noise_sigma = sigma_->value();
  c->problem.blur.size = blur_size_->value();
  c->problem.blur.sigma = blur_sigma_->value();
  c->problem.keep_fraction = keep_fraction_->value();
  c->inner.mu0 = mu0_->value();
}

void DatasetPanel::setFolder(const QString& folder) {
  updating_ = true;
  folder_->setText(folder);
  (folder.isEmpty() ? embedded_ : from_folder_)->setChecked(true);
  updating_ = false;
  reload();
  emit changed();
}

QString DatasetPanel::folder() const {
  return embedded_->isChecked() ? QString() : folder_->text().trimmed();
}

void DatasetPanel::setRunning(bool running) {
  running_ = running;
  for (QWidget* w : std::initializer_list<QWidget*>{
           embedded_, from_folder_, folder_, browse_, patch_size_, patches_per_image_, color_,
           test_fraction_, max_train_, max_test_, problem_, sigma_, blur_size_, blur_sigma_,
           keep_fraction_, mu0_})
    w->setEnabled(!running);
}

bool DatasetPanel::loading() const {
  return awaiting_preview_ || loader_.busy() || reload_timer_->isActive();
}

QString DatasetPanel::error() const {
  return loading() || preview_.ok ? QString() : preview_.error;
}

void DatasetPanel::browse() {
  const QString dir = QFileDialog::getExistingDirectory(
      this, tr("Folder of training images"),
      folder_->text().isEmpty() ? QDir::homePath() : folder_->text());
  if (dir.isEmpty()) return;
  setFolder(dir);
  emit folderChosen(dir);
}

void DatasetPanel::reload() {
  reload_timer_->stop();
  bilevel::TrainingConfig c;
  applyTo(&c);
  progress_->setRange(0, 0);
  progress_->show();
  summary_->setText(tr("Loading…"));
  awaiting_preview_ = true;
  loader_.load(c.dataset);
}

void DatasetPanel::onLoaded(const DatasetPreview& preview) {
  awaiting_preview_ = loader_.busy();  // a newer request is on its way
  preview_ = preview;
  progress_->hide();
  warnings_->clear();
  for (const QString& w : preview.warnings)
    warnings_->addItem(QStringLiteral("⚠ ") + w);
  warnings_->setVisible(!preview.warnings.isEmpty());
  QString summary;
  if (!preview.ok) {
    summary = tr("<span style='color:#b00020'>Cannot use these images: %1</span>")
                  .arg(preview.error.toHtmlEscaped());
    train_strip_->clear();
    test_strip_->clear();
  } else {
    summary = tr("%1 training and %2 test patches of %3×%3×%4 from %5 images (%6 skipped)")
                  .arg(preview.train_count)
                  .arg(preview.test_count)
                  .arg(preview.patch_size)
                  .arg(preview.channels)
                  .arg(preview.source_count)
                  .arg(preview.warnings.size());
    train_strip_->setImages(preview.train_thumbnails, preview.train_names, preview.train_count);
    test_strip_->setImages(preview.test_thumbnails, preview.test_names, preview.test_count);
  }
  train_label_->setText(tr("Training patches (%1)").arg(preview.train_count));
  test_label_->setText(tr("Test patches (%1)").arg(preview.test_count));
  summary_->setText(summary);
  emit loadFinished(preview.ok ? summary : preview.error);
}

}  // namespace studio
