#include "set_evaluation_dialog.h"

#include <QCloseEvent>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <limits>

#include "background_work.h"
#include "bilevel/backend_info.h"
#include "bilevel/reconstruct.h"
#include "scientific_spin_box.h"
#include "string_conversion.h"
#include "wheel_guard.h"
#include "zoom_image_view.h"

namespace studio {
namespace {

QWidget* Row(std::initializer_list<QWidget*> widgets) {
  auto* w = new QWidget;
  auto* h = new QHBoxLayout(w);
  h->setContentsMargins(0, 0, 0, 0);
  bool first = true;
  for (QWidget* widget : widgets) {
    h->addWidget(widget, first ? 1 : 0);
    first = false;
  }
  return w;
}

}  // namespace

SetEvaluationDialog::SetEvaluationDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Evaluate on a Folder"));
  setObjectName(QStringLiteral("setEvaluationDialog"));
  auto* layout = new QVBoxLayout(this);
  auto* inputs = new QHBoxLayout;

  // The regularizers and the folder of clean images.
  auto* files = new QFormLayout;
  regularizers_ = new QListWidget;
  regularizers_->setObjectName(QStringLiteral("regularizers"));
  regularizers_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  regularizers_->setToolTip(
      tr("Learned regularizers (regularizer.json or .npz), each evaluated "
         "on every image and given its columns in the table."));
  auto* add = new QPushButton(tr("Add…"));
  add->setObjectName(QStringLiteral("addRegularizer"));
  auto* remove = new QPushButton(tr("Remove"));
  remove->setObjectName(QStringLiteral("removeRegularizer"));
  auto* list_buttons = new QVBoxLayout;
  list_buttons->addWidget(add);
  list_buttons->addWidget(remove);
  list_buttons->addStretch(1);
  auto* list_row = new QHBoxLayout;
  list_row->addWidget(regularizers_, 1);
  list_row->addLayout(list_buttons);
  files->addRow(tr("Regularizers"), list_row);
  folder_ = new QLineEdit;
  folder_->setObjectName(QStringLiteral("folder"));
  folder_->setPlaceholderText(tr("a folder of clean images (and its subfolders)"));
  auto* browse = new QPushButton(tr("Browse…"));
  files->addRow(tr("Clean images"), Row({folder_, browse}));
  inputs->addLayout(files, 3);

  // The problem and the solve: bilevel-cli evaluate's options and defaults.
  auto* form = new QFormLayout;
  problem_ = new QComboBox;
  problem_->setObjectName(QStringLiteral("problem"));
  problem_->addItem(tr("Denoise"), QStringLiteral("denoise"));
  problem_->addItem(tr("Deblur (Gaussian)"), QStringLiteral("deblur"));
  problem_->addItem(tr("Inpaint (random mask)"), QStringLiteral("inpaint"));
  form->addRow(tr("Problem"), problem_);
  sigma_ = new QDoubleSpinBox;
  sigma_->setObjectName(QStringLiteral("sigma"));
  sigma_->setRange(0, 255);
  sigma_->setValue(25);
  sigma_->setSuffix(tr(" / 255"));
  sigma_->setToolTip(
      tr("Noise standard deviation on the 0–255 scale, in floating point (not "
         "rounded, not clipped)."));
  form->addRow(tr("Noise σ"), sigma_);
  blur_size_ = new QSpinBox;
  blur_size_->setObjectName(QStringLiteral("blurSize"));
  blur_size_->setRange(1, 63);
  blur_size_->setSingleStep(2);
  blur_size_->setValue(7);
  blur_sigma_ = new QDoubleSpinBox;
  blur_sigma_->setObjectName(QStringLiteral("blurSigma"));
  blur_sigma_->setRange(0.05, 50);
  blur_sigma_->setValue(2.0);
  blur_sigma_->setSuffix(tr(" px"));
  form->addRow(tr("Blur size, width σ"), Row({blur_size_, blur_sigma_}));
  keep_fraction_ = new QDoubleSpinBox;
  keep_fraction_->setObjectName(QStringLiteral("keepFraction"));
  keep_fraction_->setRange(0.01, 1.0);
  keep_fraction_->setSingleStep(0.05);
  keep_fraction_->setValue(0.5);
  form->addRow(tr("Kept fraction"), keep_fraction_);
  mu0_ = new QDoubleSpinBox;
  mu0_->setObjectName(QStringLiteral("mu0"));
  mu0_->setDecimals(6);
  mu0_->setRange(0, 10);
  mu0_->setSingleStep(1e-4);
  form->addRow(tr("μ₀"), mu0_);
  epsilon_ = new ScientificSpinBox;
  epsilon_->setObjectName(QStringLiteral("eps"));
  epsilon_->setRange(1e-9, 1.0);
  epsilon_->setValue(1e-3);
  epsilon_->setToolTip(
      tr("Accuracy of every solve, stated for a %1×%1 image: an image of N values and C channels "
         "stops at ‖∇h‖ ≤ ε·√(N / (C·%1²)), the same accuracy per pixel at any size.")
          .arg(bilevel::kReferenceSide));
  max_iterations_ = new QSpinBox;
  max_iterations_->setObjectName(QStringLiteral("maxIterations"));
  max_iterations_->setRange(1, 1000000);
  max_iterations_->setValue(5000);
  max_iterations_->setPrefix(tr("at most "));
  max_iterations_->setSuffix(tr(" iterations"));
  form->addRow(tr("‖∇h‖ ≤ ε"), Row({epsilon_, max_iterations_}));
  seed_ = new QSpinBox;
  seed_->setObjectName(QStringLiteral("seed"));
  seed_->setRange(0, std::numeric_limits<int>::max());
  seed_->setValue(0);
  seed_->setToolTip(tr("Seed of the noise and masks: image k (in sorted order) uses seed + k."));
  device_ = new QComboBox;
  device_->setObjectName(QStringLiteral("device"));
  device_->addItem(tr("Automatic"), QStringLiteral("auto"));
  device_->addItem(tr("CPU"), QStringLiteral("cpu"));
  device_->addItem(tr("GPU (CUDA), else the CPU"), QStringLiteral("cuda"));
  form->addRow(tr("Seed"), Row({seed_, new QLabel(tr("Device")), device_}));
  inputs->addLayout(form, 2);
  layout->addLayout(inputs);

  // Evaluate, its progress and the status line.
  evaluate_ = new QPushButton(tr("Evaluate"));
  evaluate_->setObjectName(QStringLiteral("evaluateButton"));
  evaluate_->setDefault(true);
  cancel_ = new QPushButton(tr("Cancel"));
  cancel_->setObjectName(QStringLiteral("cancelButton"));
  cancel_->setEnabled(false);
  progress_ = new QProgressBar;
  progress_->setObjectName(QStringLiteral("progress"));
  progress_->hide();
  save_ = new QPushButton(tr("Save Table…"));
  save_->setObjectName(QStringLiteral("saveTable"));
  save_->setEnabled(false);
  auto* actions = new QHBoxLayout;
  actions->addWidget(evaluate_);
  actions->addWidget(cancel_);
  actions->addWidget(progress_, 1);
  actions->addStretch();
  actions->addWidget(save_);
  layout->addLayout(actions);
  status_ = new QLabel;
  status_->setObjectName(QStringLiteral("status"));
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(status_);

  // The table beside the viewer.
  auto* results = new QSplitter(Qt::Horizontal);
  table_ = new QTableWidget;
  table_->setObjectName(QStringLiteral("scores"));
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->verticalHeader()->hide();
  results->addWidget(table_);
  auto* viewer = new QWidget;
  auto* viewer_layout = new QVBoxLayout(viewer);
  viewer_layout->setContentsMargins(0, 0, 0, 0);
  after_choice_ = new QComboBox;
  after_choice_->setObjectName(QStringLiteral("afterChoice"));
  after_choice_->setToolTip(tr("The regularizer whose reconstruction is shown after."));
  viewer_layout->addWidget(Row({new QLabel(tr("After:")), after_choice_}));
  auto* views = new QHBoxLayout;
  before_ = new ZoomImageView(tr("Before"));
  before_->setObjectName(QStringLiteral("before"));
  after_ = new ZoomImageView(tr("After"));
  after_->setObjectName(QStringLiteral("after"));
  LinkViews(before_, after_);
  views->addWidget(before_);
  views->addWidget(after_);
  viewer_layout->addLayout(views, 1);
  results->addWidget(viewer);
  results->setStretchFactor(0, 2);
  results->setStretchFactor(1, 3);
  layout->addWidget(results, 1);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  layout->addWidget(buttons);
  resize(1180, 780);

  progress_timer_ = new QTimer(this);
  progress_timer_->setInterval(100);
  connect(progress_timer_, &QTimer::timeout, this, &SetEvaluationDialog::updateProgress);
  connect(buttons, &QDialogButtonBox::rejected, this, &SetEvaluationDialog::reject);
  connect(evaluate_, &QPushButton::clicked, this, &SetEvaluationDialog::start);
  connect(cancel_, &QPushButton::clicked, this, &SetEvaluationDialog::cancel);
  connect(save_, &QPushButton::clicked, this, &SetEvaluationDialog::chooseSaveFile);
  connect(add, &QPushButton::clicked, this, [this] {
    const QStringList paths =
        QFileDialog::getOpenFileNames(this, tr("Learned regularizers"), folder_->text(),
                                      tr("Regularizers (*.json *.npz);;All files (*)"));
    for (const QString& path : paths)
      addRegularizer(path);
  });
  connect(remove, &QPushButton::clicked, this, [this] {
    for (QListWidgetItem* item : regularizers_->selectedItems())
      delete item;
  });
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString dir =
        QFileDialog::getExistingDirectory(this, tr("Folder of clean images"), folder_->text());
    if (!dir.isEmpty()) folder_->setText(dir);
  });
  connect(problem_, &QComboBox::currentIndexChanged, this, &SetEvaluationDialog::updateFields);
  connect(table_, &QTableWidget::currentCellChanged, this,
          [this](int row, int, int, int) { showImage(row); });
  connect(after_choice_, &QComboBox::currentIndexChanged, this,
          [this] { showImage(table_->currentRow()); });
  connect(&watcher_, &QFutureWatcher<SetEvaluationResult>::finished, this,
          &SetEvaluationDialog::onFinished);
  updateFields();
  GuardWheel(this);
}

SetEvaluationDialog::~SetEvaluationDialog() {
  stopAndWait();
}

void SetEvaluationDialog::stopAndWait() {
  if (cancel_flag_) *cancel_flag_ = true;
  watcher_.waitForFinished();
}

void SetEvaluationDialog::closeEvent(QCloseEvent* event) {
  stopAndWait();
  QDialog::closeEvent(event);
}

void SetEvaluationDialog::reject() {
  stopAndWait();
  QDialog::reject();
}

void SetEvaluationDialog::updateFields() {
  const QString problem = problem_->currentData().toString();
  blur_size_->setEnabled(problem == QStringLiteral("deblur"));
  blur_sigma_->setEnabled(problem == QStringLiteral("deblur"));
  keep_fraction_->setEnabled(problem == QStringLiteral("inpaint"));
}

void SetEvaluationDialog::setRegularizers(const QStringList& files) {
  regularizers_->clear();
  for (const QString& file : files)
    addRegularizer(file);
}

void SetEvaluationDialog::addRegularizer(const QString& file) {
  if (file.trimmed().isEmpty()) return;
  auto* item = new QListWidgetItem(file.trimmed(), regularizers_);
  item->setToolTip(file.trimmed());
}

QStringList SetEvaluationDialog::regularizers() const {
  QStringList files;
  for (int i = 0; i < regularizers_->count(); ++i)
    files << regularizers_->item(i)->text();
  return files;
}

void SetEvaluationDialog::setFolder(const QString& folder) {
  folder_->setText(folder);
}

QString SetEvaluationDialog::folder() const {
  return folder_->text().trimmed();
}

SetEvaluationRequest SetEvaluationDialog::request() const {
  SetEvaluationRequest r;
  for (const QString& file : regularizers())
    r.regularizers.push_back(ToStd(file));
  r.folder = ToStd(folder());
  bilevel::ProblemOptions& p = r.options.problem;
  p.kind = bilevel::OperatorKindFromString(ToStd(problem_->currentData().toString()))
               .value_or(bilevel::OperatorKind::kIdentity);
  p.noise_sigma = sigma_->value();
  p.blur.size = blur_size_->value();
  p.blur.sigma = blur_sigma_->value();
  p.keep_fraction = keep_fraction_->value();
  p.seed = unsigned(seed_->value());
  bilevel::ReconstructOptions& solve = r.options.solve;
  solve.mu0 = mu0_->value();
  solve.fista.tolerance = epsilon_->value();
  solve.fista.max_iterations = max_iterations_->value();
  solve.device = bilevel::DevicePreferenceFromString(ToStd(device_->currentData().toString()))
                     .value_or(bilevel::DevicePreference::kAuto);
  return r;
}

void SetEvaluationDialog::start() {
  if (watcher_.isRunning()) return;
  const SetEvaluationRequest r = request();
  cancel_flag_ = std::make_shared<std::atomic<bool>>(false);
  job_progress_ = std::make_shared<SetEvaluationProgress>();
  const std::shared_ptr<std::atomic<bool>> flag = cancel_flag_;
  const std::shared_ptr<SetEvaluationProgress> progress = job_progress_;
  evaluate_->setEnabled(false);
  cancel_->setEnabled(true);
  save_->setEnabled(false);
  progress_->setRange(0, 0);
  progress_->setFormat(QString());
  progress_->show();
  status_text_ = tr("Reading the regularizers and images…");
  status_->setText(status_text_.toHtmlEscaped());
  progress_timer_->start();
  watcher_.setFuture(QtConcurrent::run(BackgroundPool(), [r, flag, progress] {
    return RunSetEvaluationJob(r, flag.get(), progress.get());
  }));
}

void SetEvaluationDialog::cancel() {
  if (cancel_flag_) *cancel_flag_ = true;
}

void SetEvaluationDialog::updateProgress() {
  if (!job_progress_) return;
  const int reg = job_progress_->regularizer.load(), count = job_progress_->regularizers.load();
  const int done = job_progress_->done.load(), total = job_progress_->total.load();
  if (total <= 0 || count <= 0) return;  // still reading: the busy bar
  progress_->setRange(0, count * total);
  progress_->setValue(reg * total + done);
  QString text = tr("%1 of %2 images").arg(done).arg(total);
  if (count > 1) text += tr(" · regularizer %1 of %2").arg(reg + 1).arg(count);
  progress_->setFormat(text);
  status_text_ = tr("Evaluating: %1").arg(text);
  status_->setText(status_text_.toHtmlEscaped());
}

void SetEvaluationDialog::onFinished() {
  const SetEvaluationResult result = watcher_.result();
  progress_timer_->stop();
  progress_->hide();
  evaluate_->setEnabled(true);
  cancel_->setEnabled(false);
  job_progress_.reset();
  if (!result.status.ok()) {
    const QString message = result.cancelled ? tr("Cancelled.") : Message(result.status);
    showFailure(message);
    emit finished(false, message);
    return;
  }
  scores_ = result.scores;
  pictures_ = result.pictures;
  warnings_ = result.warnings;
  fillTable();
  status_text_ = summary();
  int unconverged = 0;
  for (const bilevel::LabelledScores& s : scores_)
    unconverged += s.scores.unconverged;
  QString html = status_text_.toHtmlEscaped();
  if (unconverged > 0) html = QStringLiteral("<span style='color:#b36b00'>%1</span>").arg(html);
  status_->setText(html);
  save_->setEnabled(true);
  emit finished(true, status_text_);
}

}  // namespace studio
