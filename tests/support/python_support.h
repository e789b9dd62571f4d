// Finding a Python with NumPy, for the suites that check our files with numpy.load.
#pragma once

#include <QProcess>
#include <QString>

namespace bilevel::test {

// A python3 that imports numpy, or "" (python3 on the PATH first, then the system one).
inline QString PythonWithNumpy() {
  for (const char* candidate : {"python3", "/usr/bin/python3"}) {
    QProcess p;
    p.start(candidate, {"-c", "import numpy"});
    if (!p.waitForFinished(60000)) continue;
    if (p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0) return candidate;
  }
  return {};
}

}  // namespace bilevel::test
