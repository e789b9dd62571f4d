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

namespace {

void SetApplicationNames() {
  QCoreApplication::setOrganizationName(QStringLiteral("bilevel-studio"));
  QCoreApplication::setApplicationName(QStringLiteral("Bilevel Studio"));
  QCoreApplication::setApplicationVersion(studio::ApplicationVersion());
}

struct Options {
  QCommandLineOption screenshot{
      "screenshot", "Train a short quick-preset comparison, save a picture of the window, quit.",
      "FILE"};
  QCommandLineOption runs{"runs-dir", "Record this session's new runs in this folder.", "DIR"};
  QCommandLineOption preset{"preset", "Start from a built-in experiment ('quick', ...).", "NAME"};
  QCommandLineOption train{"train", "Start training as soon as the window is open."};
  QCommandLineOption versions{"versions", "Print the library and device versions, quit."};

  void addTo(QCommandLineParser& parser) const {
    parser.setApplicationDescription(
        "Bilevel Studio: learn image regularizers (Fields of Experts, total variation, convex "
        "ridge regularizers, input-convex networks) with inexact stochastic gradients, watch "
        "and steer the training, compare with MAID, export and apply the result.");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions({preset, train, screenshot, runs, versions});
    parser.addPositionalArgument("PATH", "A run folder to open, or a folder of training images.",
                                 "[PATH...]");
  }
};

// Whether the command line asks only for text (help, versions): that needs no display, so it is
// answered before the window system is touched.
bool AsksForTextOnly(int argc, char* argv[]) {
  for (int i = 1; i < argc; ++i) {
    const QByteArray arg(argv[i]);
    if (arg == "--") return false;
    for (const char* flag : {"-h", "--help", "-?", "--help-all", "-v", "--version", "--versions"})
      if (arg == flag) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char* argv[]) {
  const Options options;
  if (AsksForTextOnly(argc, argv)) {
    QCoreApplication app(argc, argv);
    SetApplicationNames();
    QCommandLineParser parser;
    options.addTo(parser);
    parser.process(app);  // prints the help or the version and exits
    if (parser.isSet(options.versions)) {
      std::fputs(qPrintable(studio::VersionReportText()), stdout);
      return 0;
    }
  }

  QApplication app(argc, argv);
  SetApplicationNames();
  QApplication::setDesktopFileName(QStringLiteral("studio.bilevel.BilevelStudio"));
  QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/bilevel-studio.svg")));

  QCommandLineParser parser;
  options.addTo(parser);
  parser.process(app);
  if (parser.isSet(options.versions)) {  // written in a form AsksForTextOnly() does not know
    std::fputs(qPrintable(studio::VersionReportText()), stdout);
    return 0;
  }

  // A screenshot starts from the default layout and leaves the user's settings alone.
  std::unique_ptr<QTemporaryDir> scratch;
  if (parser.isSet(options.screenshot)) {
    scratch = std::make_unique<QTemporaryDir>();
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, scratch->path());
  }
  studio::MainWindow window;
  if (parser.isSet(options.runs)) {  // for this session only
    if (const bilevel::Status s = window.setRunsFolder(parser.value(options.runs)); !s.ok())
      std::fprintf(stderr, "bilevel-studio: --runs-dir: %s; new runs go to %s\n",
                   s.message().c_str(), qPrintable(window.runsFolder()));
  } else if (scratch)
    window.setRunsFolder(scratch->path() + "/runs");
  if (parser.isSet(options.preset)) {
    bilevel::TrainingConfig config;
    if (const bilevel::Status s =
            bilevel::LoadPreset(parser.value(options.preset).toStdString(), &config);
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

  if (parser.isSet(options.screenshot)) {
    window.setInteractive(false);
    window.resize(1600, 1000);
    window.show();
    auto* driver = new studio::ScreenshotDriver(window, parser.value(options.screenshot), &window);
    QObject::connect(driver, &studio::ScreenshotDriver::done, &app, [&window](int code) {
      window.close();
      QCoreApplication::exit(code);
    });
    QTimer::singleShot(300, driver, [driver] { driver->start(); });
    return app.exec();
  }
  window.show();
  if (parser.isSet(options.train)) QTimer::singleShot(0, &window, [&window] { window.startRun(); });
  return app.exec();
}
