#include "screenshot_driver.h"

#include <QApplication>
#include <QDeadlineTimer>
#include <QDockWidget>
#include <QFileInfo>
#include <QPixmap>
#include <QThread>
#include <cstdio>

#include "bilevel/presets.h"
#include "bilevel/study.h"
#include "comparison_bar.h"
#include "dataset_panel.h"
#include "main_window.h"
#include "method_panel.h"
#include "preview_panel.h"
#include "run_list_panel.h"
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
  config.trainer.budget = bilevel::Budget{};
  config.trainer.budget.iterations = iterations;
  config.trainer.test_interval = 10;
  window_.setConfig(config);
  connect(&window_.runQueue(), &RunQueue::progressChanged, this,
          [this](const ProgressSnapshot& p) { onProgress(p.iteration); });
  connect(&window_.runQueue(), &RunQueue::stateChanged, this, [this](RunQueue::State s) {
    if (s == RunQueue::State::kIdle && started_) onIdle();
  });
  timeout_.start();
  started_ = true;
  const auto [a, b] = window_.startComparison();
  if (a == 0 || b == 0) {
    std::fprintf(stderr, "bilevel-studio: %s\n", qPrintable(window_.lastError()));
    emit done(1);
  }
}

void ScreenshotDriver::onProgress(long iteration) {
  if (!target_chosen_) {  // the test image with the most detail
    target_chosen_ = true;
    window_.previewPanel()->setTarget(true, -1);
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
  QTimer::singleShot(600, this, studying_ ? &ScreenshotDriver::grabStudy : &ScreenshotDriver::grab);
}

void ScreenshotDriver::startStudy() {
  bilevel::StudySpec spec;
  spec.name = "schedules";
  bilevel::LoadPreset("quick", &spec.base);
  spec.base.trainer.budget = bilevel::Budget{};
  spec.base.trainer.budget.iterations = 40;
  spec.base.trainer.test_interval = 4;
  spec.seeds = 2;
  for (const char* grid : {"step.kind=constant,polynomial", "accuracy.kind=constant,polynomial"}) {
    bilevel::StudyAxis axis;
    bilevel::ParseStudyAxis(grid, spec.base, &axis);
    spec.grid.push_back(std::move(axis));
  }
  studying_ = true;
  timeout_.start();
  if (const bilevel::Status s = window_.startStudy(spec, window_.runsFolder() + "/study");
      !s.ok()) {
    std::fprintf(stderr, "bilevel-studio: %s\n", s.message().c_str());
    emit done(1);
  }
}

void ScreenshotDriver::grabStudy() {
  timeout_.stop();
  QCoreApplication::processEvents();
  const QFileInfo file(path_);
  const QString path =
      QStringLiteral("%1/%2-study.%3").arg(file.path(), file.completeBaseName(), file.suffix());
  QWidget* window = window_.findChild<QWidget*>(QStringLiteral("studyWindow"));
  const QPixmap pixmap = window ? window->grab() : QPixmap();
  if (pixmap.isNull() || !pixmap.save(path)) {
    std::fprintf(stderr, "bilevel-studio: could not write %s\n", qPrintable(path));
    ok_ = false;
  } else {
    std::printf("wrote %s (%dx%d)\n", qPrintable(path), pixmap.width(), pixmap.height());
  }
  if (window) window->hide();
  emit done(ok_ ? 0 : 1);
}

// The main window as it is, then with the Inner Solvers and the Events tabs raised (the events of
// the first run, which has the knob change): FILE, FILE-solvers and FILE-events.
void ScreenshotDriver::grab() {
  timeout_.stop();
  QCoreApplication::processEvents();
  const QFileInfo file(path_);
  const auto save = [this](const QString& path) {
    QCoreApplication::processEvents();
    const QPixmap pixmap = window_.grab();
    if (pixmap.isNull() || !pixmap.save(path)) {
      std::fprintf(stderr, "bilevel-studio: could not write %s\n", qPrintable(path));
      return false;
    }
    std::printf("wrote %s (%dx%d)\n", qPrintable(path), pixmap.width(), pixmap.height());
    return true;
  };
  bool ok = save(path_);
  if (const int first = window_.comparisonBar()->first()) {
    window_.runList()->setCurrentRun(first);
    // Its preview is made off the GUI thread: wait for it (a few seconds at most).
    QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
      const auto shown = window_.previewPanel()->snapshot();
      if (shown && shown->run_id == first) break;
      QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
      QThread::msleep(20);
    }
  }
  const std::pair<const char*, const char*> tabs[] = {{"solverDock", "solvers"},
                                                      {"eventsDock", "events"}};
  for (const auto& [dock_name, suffix] : tabs) {
    auto* dock = window_.findChild<QDockWidget*>(QString::fromLatin1(dock_name));
    if (!dock) continue;
    dock->raise();
    ok = save(QStringLiteral("%1/%2-%3.%4")
                  .arg(file.path(), file.completeBaseName(), QString::fromLatin1(suffix),
                       file.suffix())) &&
         ok;
  }
  if (auto* runs = window_.findChild<QDockWidget*>(QStringLiteral("runsDock"))) runs->raise();
  ok_ = ok;
  startStudy();
}

}  // namespace studio
