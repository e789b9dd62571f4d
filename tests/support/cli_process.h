// Runs bilevel-cli (BILEVEL_CLI_PATH) as a child process and keeps its exit code and output.
#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>

namespace bilevel::test {

struct CliResult {
  int code = -1;  // -2 after a crash
  QString out, err;
};

inline CliResult Cli(const QStringList& arguments, int timeout_ms = 120000) {
  QProcess p;
  p.start(BILEVEL_CLI_PATH, arguments);
  CliResult r;
  if (!p.waitForFinished(timeout_ms)) {
    p.kill();
    p.waitForFinished();
    r.err = "timed out";
    return r;
  }
  r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

inline QString Describe(const CliResult& r) {
  return QString("exit %1\nstdout:\n%2\nstderr:\n%3").arg(r.code).arg(r.out, r.err);
}

}  // namespace bilevel::test
