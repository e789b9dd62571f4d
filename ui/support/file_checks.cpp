#include "file_checks.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryFile>

#include "string_conversion.h"

namespace studio {

bilevel::Status CheckWritableFolder(const QString& dir) {
  const QString shown = QDir::toNativeSeparators(dir);
  if (dir.isEmpty()) return bilevel::Status::Error("no folder was given");
  const QFileInfo info(dir);
  if (info.exists() && !info.isDir())
    return bilevel::Status::Error(ToStd(shown) + " is not a folder");
  if (!info.exists() && !QDir().mkpath(dir))
    return bilevel::Status::Error("cannot create the folder " + ToStd(shown));
  QTemporaryFile probe(QDir(dir).filePath(QStringLiteral(".write-check-XXXXXX")));
  if (!probe.open())
    return bilevel::Status::Error("cannot write in the folder " + ToStd(shown) + ": " +
                                  ToStd(probe.errorString()));
  return bilevel::Status::Ok();
}

}  // namespace studio
