// `bilevel-studio --help` and `--version` answer without a display: no DISPLAY, no
// QT_QPA_PLATFORM, so no platform plugin can be loaded.
#include <QProcess>
#include <QProcessEnvironment>
#include <QTest>

class StudioHelpTest : public QObject {
  Q_OBJECT

 private slots:
  void helpAndVersionNeedNoDisplay_data() {
    QTest::addColumn<QString>("option");
    QTest::addColumn<QString>("expected");
    QTest::newRow("--help") << "--help"
                            << "Usage";
    QTest::newRow("-h") << "-h"
                        << "Usage";
    QTest::newRow("--version") << "--version"
                               << "Bilevel Studio";
  }

  void helpAndVersionNeedNoDisplay() {
    QFETCH(QString, option);
    QFETCH(QString, expected);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* name : {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"})
      env.remove(QString::fromLatin1(name));
    QProcess studio;
    studio.setProcessEnvironment(env);
    studio.start(QStringLiteral(BILEVEL_STUDIO_EXE), {option});
    QVERIFY(studio.waitForFinished(30000));
    const QString out = QString::fromUtf8(studio.readAllStandardOutput());
    const QString err = QString::fromUtf8(studio.readAllStandardError());
    QCOMPARE(studio.exitStatus(), QProcess::NormalExit);
    QVERIFY2(studio.exitCode() == 0, qPrintable(err));
    QVERIFY2(out.contains(expected), qPrintable(out + err));
  }
};

QTEST_GUILESS_MAIN(StudioHelpTest)
#include "test_studio_help.moc"
