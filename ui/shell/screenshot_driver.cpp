#include "screenshot_driver.h"

#include <QApplication>
#include <QPixmap>
#include <cstdio>

#include "bilevel/presets.h"
#include "dataset_panel.h"
#include "main_window.h"
#include "method_panel.h"
#include "preview_panel.h"
#include "scientific_spin_box.h"
#include "string_conversion.h"

namespace studio {

ScreenshotDriver::ScreenshotDriver(MainWindow& window, QString path, QObject* parent)
    : QObject(parent), window_(window), path_(std::move(path)) {
  timeout_.setSingleShot(true);
  timeout_.setInterval(240000);
  connect(&timeout_, &QTimer::timeout, this, [this] {
    std::fprintf(stderr, "bilevel-studio: the screenshot run did not finish in time\n");
    emit done(1);
  });
}

void ScreenshotDriver::start(int iterations) {
  bilevel::TrainingConfig config;
  bilevel::LoadPreset("quick", &config);
  config.budget = bilevel::Budget{};
  config.budget.iterations = iterations;
  config.test_interval = 10;
  window_.setConfig(config);
  connect(&window_.training(), &TrainingManager::progressChanged, this,
          [this](const ProgressSnapshot& p) { onProgress(p.iteration); });
  connect(&window_.training(), &TrainingManager::stateChanged, this,
          [this](TrainingManager::State s) {
            if (s == TrainingManager::State::kIdle && started_) onIdle();
          });
  timeout_.start();
  started_ = true;
  const auto [a, b] = window_.startComparison();
  if (a == 0 || b == 0) {
    std::fprintf(stderr, "bilevel-studio: %s\n", qPrintable(window_.lastError()));
    emit done(1);
  }
}

namespace {

// The index of the image with the most detail (largest grey-level variance).
int MostTextured(const std::vector<QImage>& images) {
  int best = 0;
  double best_variance = -1;
  for (std::size_t i = 0; i < images.size(); ++i) {
    double sum = 0, sum2 = 0;
    const QImage grey = images[i].convertToFormat(QImage::Format_Grayscale8);
    const int n = grey.width() * grey.height();
    for (int y = 0; y < grey.height(); ++y)
      for (int x = 0; x < grey.width(); ++x) {
        const double v = grey.constScanLine(y)[x];
        sum += v;
        sum2 += v * v;
      }
    const double variance = n > 0 ? sum2 / n - (sum / n) * (sum / n) : 0;
    if (variance > best_variance) {
      best_variance = variance;
      best = int(i);
    }
  }
  return best;
}

}  // namespace

void ScreenshotDriver::onProgress(long iteration) {
  if (!target_chosen_ && !window_.datasetPanel()->preview().test_thumbnails.empty()) {
    target_chosen_ = true;
    window_.previewPanel()->setTarget(
        true, MostTextured(window_.datasetPanel()->preview().test_thumbnails));
  }
  // Halve the step size part-way through the first run: the plots then show a knob marker.
  if (knob_sent_ || iteration < 45) return;
  knob_sent_ = true;
  if (auto* box = qobject_cast<ScientificSpinBox*>(
          window_.methodPanel()->field(QStringLiteral("step.initial"))))
    box->setValue(box->value() / 2);
}

void ScreenshotDriver::onIdle() {
  // Let the last previews and queued replots land first.
  QTimer::singleShot(600, this, &ScreenshotDriver::grab);
}

void ScreenshotDriver::grab() {
  timeout_.stop();
  QCoreApplication::processEvents();
  const QPixmap pixmap = window_.grab();
  if (pixmap.isNull() || !pixmap.save(path_)) {
    std::fprintf(stderr, "bilevel-studio: could not write %s\n", qPrintable(path_));
    emit done(1);
    return;
  }
  std::printf("wrote %s (%dx%d)\n", qPrintable(path_), pixmap.width(), pixmap.height());
  emit done(0);
}

}  // namespace studio
