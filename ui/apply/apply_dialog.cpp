#include "apply_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <cmath>

#include "background_work.h"
#include "bilevel/dataset.h"
#include "bilevel/reconstruct.h"
#include "image_conversion.h"
#include "image_view.h"
#include "string_conversion.h"
#include "wheel_guard.h"

namespace studio {
namespace {

QWidget* PathRow(QLineEdit* edit, QPushButton* button) {
  auto* w = new QWidget;
  auto* h = new QHBoxLayout(w);
  h->setContentsMargins(0, 0, 0, 0);
  h->addWidget(edit, 1);
  h->addWidget(button);
  return w;
}

QString Db(double v) {
  return std::isnan(v) ? QString() : QStringLiteral("%1 dB").arg(v, 0, 'f', 2);
}

}  // namespace

ApplyDialog::ApplyDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Apply a learned regularizer"));
  setObjectName(QStringLiteral("applyDialog"));
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  regularizer_ = new QLineEdit;
  regularizer_->setObjectName(QStringLiteral("applyRegularizer"));
  regularizer_->setPlaceholderText(tr("regularizer.json or regularizer.npz"));
  auto* browse_reg = new QPushButton(tr("Browse…"));
  image_ = new QLineEdit;
  image_->setObjectName(QStringLiteral("applyImage"));
  image_->setPlaceholderText(tr("PNG, JPEG, BMP or TIFF"));
  auto* browse_image = new QPushButton(tr("Browse…"));
  form->addRow(tr("Regularizer"), PathRow(regularizer_, browse_reg));
  form->addRow(tr("Image"), PathRow(image_, browse_image));
  problem_ = new QComboBox;
  problem_->setObjectName(QStringLiteral("applyProblem"));
  problem_->addItem(tr("Denoise"), QStringLiteral("denoise"));
  problem_->addItem(tr("Deblur (Gaussian)"), QStringLiteral("deblur"));
  problem_->addItem(tr("Inpaint (mask)"), QStringLiteral("inpaint"));
  form->addRow(tr("Problem"), problem_);
  mask_ = new QLineEdit;
  mask_->setObjectName(QStringLiteral("applyMask"));
  mask_->setPlaceholderText(
      tr("white observed, black missing; empty: a random half when simulating"));
  browse_mask_ = new QPushButton(tr("Browse…"));
  form->addRow(tr("Mask"), PathRow(mask_, browse_mask_));
  blur_size_ = new QSpinBox;
  blur_size_->setRange(1, 63);
  blur_size_->setSingleStep(2);
  blur_size_->setValue(7);
  blur_sigma_ = new QDoubleSpinBox;
  blur_sigma_->setRange(0.05, 50);
  blur_sigma_->setValue(2.0);
  form->addRow(tr("Blur size"), blur_size_);
  form->addRow(tr("Blur width σ"), blur_sigma_);
  mu0_ = new QDoubleSpinBox;
  mu0_->setObjectName(QStringLiteral("applyMu0"));
  mu0_->setDecimals(6);
  mu0_->setRange(0, 10);
  mu0_->setSingleStep(1e-4);
  form->addRow(tr("μ₀"), mu0_);
  epsilon_ = new QDoubleSpinBox;
  epsilon_->setDecimals(6);
  epsilon_->setRange(1e-6, 1.0);
  epsilon_->setValue(1e-2);
  epsilon_->setToolTip(
      tr("Accuracy of the reconstruction, stated for a %1×%1 image: an image of N values and C "
         "channels stops at ‖∇h‖ ≤ ε·√(N / (C·%1²)), the same accuracy per pixel at any size. A "
         "solve whose residual can fall no further in single precision stops there and says so.")
          .arg(bilevel::kReferenceSide));
  max_iterations_ = new QSpinBox;
  max_iterations_->setRange(1, 1000000);
  max_iterations_->setValue(3000);
  auto* accuracy = new QWidget;
  auto* acc_row = new QHBoxLayout(accuracy);
  acc_row->setContentsMargins(0, 0, 0, 0);
  acc_row->addWidget(epsilon_, 1);
  acc_row->addWidget(new QLabel(tr("at most")));
  acc_row->addWidget(max_iterations_, 1);
  acc_row->addWidget(new QLabel(tr("iterations")));
  form->addRow(tr("‖∇h‖ ≤ ε"), accuracy);
  device_ = new QComboBox;
  device_->setObjectName(QStringLiteral("applyDevice"));
  device_->addItem(tr("Automatic"), QStringLiteral("auto"));
  device_->addItem(tr("CPU"), QStringLiteral("cpu"));
  device_->addItem(tr("GPU (CUDA), else the CPU"), QStringLiteral("cuda"));
  device_->setToolTip(
      tr("The GPU runs the Field of Experts; other regularizers, and machines without a GPU, "
         "run on the CPU (the result says where it ran)."));
  form->addRow(tr("Device"), device_);
  simulate_ = new QCheckBox(tr("The image is clean: simulate the measurement with noise σ"));
  simulate_->setObjectName(QStringLiteral("applySimulate"));
  simulate_sigma_ = new QDoubleSpinBox;
  simulate_sigma_->setRange(0.1, 255);
  simulate_sigma_->setValue(25);
  simulate_sigma_->setSuffix(tr(" / 255"));
  auto* simulate = new QWidget;
  auto* sim_row = new QHBoxLayout(simulate);
  sim_row->setContentsMargins(0, 0, 0, 0);
  sim_row->addWidget(simulate_, 1);
  sim_row->addWidget(simulate_sigma_);
  form->addRow(simulate);
  layout->addLayout(form);

  auto* images = new QHBoxLayout;
  clean_ = new ImageView(tr("Clean"));
  before_ = new ImageView(tr("Before"));
  after_ = new ImageView(tr("After"));
  after_->setObjectName(QStringLiteral("applyAfter"));
  before_->setObjectName(QStringLiteral("applyBefore"));
  for (ImageView* view : {clean_, before_, after_}) {
    view->setMinimumSize(220, 240);
    images->addWidget(view);
  }
  layout->addLayout(images, 1);
  info_ = new QLabel;
  info_->setObjectName(QStringLiteral("applyInfo"));
  info_->setWordWrap(true);
  layout->addWidget(info_);
  progress_ = new QProgressBar;
  progress_->setRange(0, 0);
  progress_->hide();
  layout->addWidget(progress_);
  progress_timer_ = new QTimer(this);
  progress_timer_->setInterval(100);
  connect(progress_timer_, &QTimer::timeout, this, [this] {
    if (solve_progress_) info_->setText(ProgressText());
  });

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  run_ = buttons->addButton(tr("Reconstruct"), QDialogButtonBox::ActionRole);
  run_->setObjectName(QStringLiteral("applyRunButton"));
  run_->setDefault(true);
  cancel_ = buttons->addButton(tr("Cancel"), QDialogButtonBox::ActionRole);
  cancel_->setEnabled(false);
  save_ = buttons->addButton(tr("Save result…"), QDialogButtonBox::ActionRole);
  save_->setEnabled(false);
  layout->addWidget(buttons);
  resize(980, 680);

  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(run_, &QPushButton::clicked, this, &ApplyDialog::run);
  connect(cancel_, &QPushButton::clicked, this, &ApplyDialog::cancel);
  connect(save_, &QPushButton::clicked, this, &ApplyDialog::saveResult);
  connect(browse_reg, &QPushButton::clicked, this, [this] {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Learned regularizer"), regularizer_->text(),
                                     tr("Regularizers (*.json *.npz);;All files (*)"));
    if (!path.isEmpty()) regularizer_->setText(path);
  });
  connect(browse_image, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Image"), image_->text(),
        tr("Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff);;All files (*)"));
    if (!path.isEmpty()) image_->setText(path);
  });
  connect(browse_mask_, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Mask of the observed pixels"), mask_->text(),
        tr("Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff);;All files (*)"));
    if (!path.isEmpty()) mask_->setText(path);
  });
  connect(problem_, &QComboBox::currentIndexChanged, this, &ApplyDialog::updateFields);
  connect(simulate_, &QCheckBox::toggled, this, &ApplyDialog::updateFields);
  connect(&watcher_, &QFutureWatcher<ApplyResult>::finished, this, &ApplyDialog::onFinished);
  updateFields();
  GuardWheel(this);
}

ApplyDialog::~ApplyDialog() {
  if (cancel_flag_) *cancel_flag_ = true;
  watcher_.waitForFinished();
}

void ApplyDialog::updateFields() {
  const bool deblur = problem_->currentIndex() == 1, inpaint = problem_->currentIndex() == 2;
  mask_->setEnabled(inpaint);
  browse_mask_->setEnabled(inpaint);
  blur_size_->setEnabled(deblur);
  blur_sigma_->setEnabled(deblur);
  simulate_sigma_->setEnabled(simulate_->isChecked());
  clean_->setVisible(simulate_->isChecked());
}

void ApplyDialog::setRegularizerPath(const QString& path) {
  regularizer_->setText(path);
}

void ApplyDialog::setImagePath(const QString& path) {
  image_->setText(path);
}

void ApplyDialog::setSimulatedNoise(double sigma) {
  simulate_->setChecked(sigma > 0);
  if (sigma > 0) simulate_sigma_->setValue(sigma);
}

ApplyRequest ApplyDialog::request() const {
  ApplyRequest r;
  r.regularizer = ToStd(regularizer_->text().trimmed());
  r.image = ToStd(image_->text().trimmed());
  const int problem = problem_->currentIndex();
  r.problem = problem == 1   ? bilevel::OperatorKind::kGaussianBlur
              : problem == 2 ? bilevel::OperatorKind::kInpainting
                             : bilevel::OperatorKind::kIdentity;
  r.mask = ToStd(mask_->text().trimmed());
  r.blur.size = blur_size_->value();
  r.blur.sigma = blur_sigma_->value();
  r.mu0 = mu0_->value();
  r.epsilon = epsilon_->value();
  r.max_iterations = max_iterations_->value();
  r.simulate_sigma = simulate_->isChecked() ? simulate_sigma_->value() : 0.0;
  r.device = bilevel::DevicePreferenceFromString(ToStd(device_->currentData().toString()))
                 .value_or(bilevel::DevicePreference::kAuto);
  return r;
}

QString ApplyDialog::ProgressText() const {
  QString text = tr("Solving the lower-level problem… step %1 of at most %2")
                     .arg(solve_progress_->steps.load(std::memory_order_relaxed))
                     .arg(max_iterations_->value());
  if (const double r = solve_progress_->residual.load(std::memory_order_relaxed); !std::isnan(r))
    text += tr(" · ‖∇h‖ = %1, stops at %2 (ε = %3 per %4×%4 image)")
                .arg(r, 0, 'e', 2)
                .arg(solve_progress_->stop_at.load(std::memory_order_relaxed), 0, 'e', 2)
                .arg(epsilon_->value(), 0, 'g', 3)
                .arg(bilevel::kReferenceSide);
  return text;
}

void ApplyDialog::run() {
  if (watcher_.isRunning()) return;
  const ApplyRequest r = request();
  cancel_flag_ = std::make_shared<std::atomic<bool>>(false);
  const std::shared_ptr<std::atomic<bool>> flag = cancel_flag_;
  solve_progress_ = std::make_shared<ApplyProgress>();
  const std::shared_ptr<ApplyProgress> progress = solve_progress_;
  run_->setEnabled(false);
  cancel_->setEnabled(true);
  save_->setEnabled(false);
  progress_->show();
  info_->setText(tr("Solving the lower-level problem…"));
  // The input at once, where it will be shown once solved (an image Qt cannot read, such as a
  // float TIFF or .npy, waits for the result).
  const QImage input(ToQString(r.image));
  const bool simulated = r.simulate_sigma > 0.0;
  clean_->setImage(simulated ? input : QImage());
  before_->setImage(simulated ? QImage() : input);
  after_->setImage(QImage());
  before_->setCaption(simulated ? QString() : tr("solving…"));
  after_->setCaption(QString());
  progress_timer_->start();
  watcher_.setFuture(QtConcurrent::run(
      BackgroundPool(), [r, flag, progress] { return RunApply(r, flag.get(), progress.get()); }));
}

void ApplyDialog::cancel() {
  if (cancel_flag_) *cancel_flag_ = true;
}

void ApplyDialog::onFinished() {
  result_ = watcher_.result();
  progress_timer_->stop();
  run_->setEnabled(true);
  cancel_->setEnabled(false);
  progress_->hide();
  if (!result_.status.ok()) {
    // No picture of an earlier reconstruction stays beside the error.
    for (ImageView* view : {clean_, before_, after_})
      view->setImage(QImage());
    before_->setCaption(QString());
    after_->setCaption(QString());
    info_->setText(QStringLiteral("<span style='color:#b00020'>%1</span>")
                       .arg(Message(result_.status).toHtmlEscaped()));
    emit finished(false);
    return;
  }
  clean_->setImage(result_.clean.empty() ? QImage() : ToQImage(result_.clean, 0));
  before_->setImage(ToQImage(result_.measured, 0));
  before_->setCaption(Db(result_.measured_psnr));
  after_->setImage(ToQImage(result_.restored, 0));
  after_->setCaption(Db(result_.restored_psnr));
  QString text = tr("%1 FISTA iterations, ‖∇h‖ = %2 (stops at %3), %4 s on %5")
                     .arg(result_.iterations)
                     .arg(result_.residual, 0, 'g', 3)
                     .arg(result_.tolerance, 0, 'g', 3)
                     .arg(result_.seconds, 0, 'f', 2)
                     .arg(ToQString(result_.backend));
  if (!std::isnan(result_.restored_psnr))
    text += tr(" · PSNR %1 → %2 · SSIM %3 → %4")
                .arg(Db(result_.measured_psnr), Db(result_.restored_psnr))
                .arg(result_.measured_ssim, 0, 'f', 4)
                .arg(result_.restored_ssim, 0, 'f', 4);
  if (!result_.note.empty()) text += QStringLiteral(" · ") + ToQString(result_.note);
  for (const std::string& w : result_.warnings)
    text += QStringLiteral(" · ") + ToQString(w);
  info_->setText(text);
  save_->setEnabled(true);
  emit finished(true);
}

void ApplyDialog::saveResult() {
  if (result_.restored.empty()) return;
  const QString path = QFileDialog::getSaveFileName(
      this, tr("Save the reconstruction"),
      QFileInfo(image_->text()).completeBaseName() + QStringLiteral("-restored.png"),
      tr("PNG image (*.png);;TIFF image (*.tif)"));
  if (path.isEmpty()) return;
  if (bilevel::Status s = saveResultTo(path); !s.ok())
    QMessageBox::warning(this, windowTitle(), Message(s));
}

bilevel::Status ApplyDialog::saveResultTo(const QString& path) const {
  if (result_.restored.empty()) return bilevel::Status::Error("there is no reconstruction yet");
  // The reconstruction, and beside it the measurement and, when simulated, the clean image:
  // name.png, name-measured.png, name-clean.png.
  const QFileInfo info(path);
  const QString stem = info.dir().filePath(info.completeBaseName());
  const QString suffix = info.suffix().isEmpty() ? QStringLiteral("png") : info.suffix();
  if (bilevel::Status s = bilevel::WriteImage(ToStd(path), result_.restored, 0); !s.ok()) return s;
  if (bilevel::Status s = bilevel::WriteImage(ToStd(stem + QStringLiteral("-measured.") + suffix),
                                              result_.measured, 0);
      !s.ok())
    return s;
  if (!result_.clean.empty())
    return bilevel::WriteImage(ToStd(stem + QStringLiteral("-clean.") + suffix), result_.clean, 0);
  return bilevel::Status::Ok();
}

}  // namespace studio
