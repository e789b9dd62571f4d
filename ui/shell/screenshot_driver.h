// bilevel-studio --screenshot FILE: trains a short quick-preset comparison (Adam-preconditioned
// ISGD, then MAID at the same cost), changes the step size once on the way so that a knob marker
// shows, then grabs the main window into FILE, and again with the Inner Solvers and the Events
// tabs raised into FILE-solvers and FILE-events (same folder and suffix); then runs a small study
// (constant against decreasing steps and accuracies, two seeds each) and grabs its window into
// FILE-study.
#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

namespace studio {

class MainWindow;

class ScreenshotDriver final : public QObject {
  Q_OBJECT

 public:
  ScreenshotDriver(MainWindow& window, QString path, QObject* parent = nullptr);
  void start(int iterations = 90);

 signals:
  void done(int exit_code);

 private:
  void onProgress(long iteration);
  void onIdle();
  void grab();
  void startStudy();
  void grabStudy();

  MainWindow& window_;
  QString path_;
  QTimer timeout_;
  bool knob_sent_ = false;
  bool target_chosen_ = false;
  bool started_ = false;
  bool studying_ = false;
  bool ok_ = true;
};

}  // namespace studio
