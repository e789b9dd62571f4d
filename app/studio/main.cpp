// bilevel-studio: the desktop application. Wiring only; everything else is in ui/.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QTemporaryDir>
#include <QTimer>
#include <cstdio>
#include <memory>

#include "bilevel/presets.h"
#include "bilevel/run_folder.h"
#include "main_window.h"
#include "screenshot_driver.h"
#include "version_info.h"

int main(int argc, char* argv[]) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("bilevel-studio"));
  QApplication::setApplicationName(QStringLiteral("Bilevel Studio"));
  QApplication::setApplicationVersion(studio::ApplicationVersion());
  QApplication::setDesktopFileName(QStringLiteral("studio.bilevel.BilevelStudio"));
  QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/bilevel-studio.svg")));

  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Bilevel Studio: learn image regularizers (Field of Experts) with inexact stochastic "
      "gradients, watch and steer the training, compare with MAID, export and apply the result.");
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption screenshot(
      "screenshot", "Train a short quick-preset comparison, save a picture of the window, quit.",
      "FILE");
  const QCommandLineOption runs("runs-dir", "Record new runs in this folder.", "DIR");
  const QCommandLineOption preset("preset", "Start from a built-in experiment ('quick', ...).",
                                  "NAME");
  const QCommandLineOption train("train", "Start training as soon as the window is open.");
  const QCommandLineOption versions("versions", "Print the library and device versions, quit.");
  parser.addOptions({preset, train, screenshot, runs, versions});
  parser.addPositionalArgument("PATH", "A run folder to open, or a folder of training images.",
                               "[PATH...]");
  parser.process(app);
  if (parser.isSet(versions)) {
    std::fputs(qPrintable(studio::VersionReportText()), stdout);
    return 0;
  }

  // A screenshot starts from the default layout and leaves the user's settings alone.
  std::unique_ptr<QTemporaryDir> scratch;
  if (parser.isSet(screenshot)) {
    scratch = std::make_unique<QTemporaryDir>();
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, scratch->path());
  }
  studio::MainWindow window;
  if (parser.isSet(runs))
    window.setRunsFolder(parser.value(runs));
  else if (scratch)
    window.setRunsFolder(scratch->path() + "/runs");
  if (parser.isSet(preset)) {
    bilevel::TrainingConfig config;
    if (const bilevel::Status s = bilevel::LoadPreset(parser.value(preset).toStdString(), &config);
        !s.ok()) {
      std::fprintf(stderr, "bilevel-studio: %s\n", s.message().c_str());
      return 2;
    }
    window.setConfig(config);
  }
  for (const QString& path : parser.positionalArguments()) {
    if (bilevel::RunFolder::IsRunFolder(path.toStdString())) {
      if (const bilevel::Status s = window.openRun(path); !s.ok())
        std::fprintf(stderr, "bilevel-studio: %s\n", s.message().c_str());
    } else if (QFileInfo(path).isDir()) {
      window.showDataFolder(QDir(path).absolutePath());
    } else {
      std::fprintf(stderr, "bilevel-studio: %s is neither a run folder nor a folder\n",
                   qPrintable(path));
    }
  }

  if (parser.isSet(screenshot)) {
    window.setInteractive(false);
    window.resize(1600, 1000);
    window.show();
    auto* driver = new studio::ScreenshotDriver(window, parser.value(screenshot), &window);
    QObject::connect(driver, &studio::ScreenshotDriver::done, &app, [&window](int code) {
      window.close();
      QCoreApplication::exit(code);
    });
    QTimer::singleShot(300, driver, [driver] { driver->start(); });
    return app.exec();
  }
  window.show();
  if (parser.isSet(train)) QTimer::singleShot(0, &window, [&window] { window.startRun(); });
  return app.exec();
}
