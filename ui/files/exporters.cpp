#include "exporters.h"

#include <qcustomplot.h>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSvgGenerator>

#include "bilevel/regularizer_io.h"
#include "bilevel/run_folder.h"
#include "string_conversion.h"

namespace studio {
namespace {

bilevel::Status Fail(const QString& text) {
  return bilevel::Status::Error(ToStd(text));
}

QString CsvField(const QString& text) {
  if (!text.contains(',') && !text.contains('"') && !text.contains('\n')) return text;
  QString quoted = text;
  quoted.replace('"', QStringLiteral("\"\""));
  return '"' + quoted + '"';
}

}  // namespace

QString PlotFileFilter() {
  return QStringLiteral("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)");
}

bilevel::Status SavePlot(QCustomPlot& plot, const QString& path, int width, int height) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  const int w = width > 0 ? width : std::max(plot.width(), 320);
  const int h = height > 0 ? height : std::max(plot.height(), 240);
  bool ok = false;
  if (suffix == "png") {
    ok = plot.savePng(path, w, h, 2.0);
  } else if (suffix == "pdf") {
    ok = plot.savePdf(path, w, h);
  } else if (suffix == "svg") {
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(QSize(w, h));
    svg.setViewBox(QRect(0, 0, w, h));
    svg.setTitle(QStringLiteral("Bilevel Studio plot"));
    QCPPainter painter;
    if (painter.begin(&svg)) {
      plot.toPainter(&painter, w, h);
      ok = painter.end();
    }
    ok = ok && QFileInfo(path).size() > 0;
  } else {
    return Fail(QStringLiteral("%1: plots are saved as .png, .svg or .pdf").arg(path));
  }
  if (!ok) return Fail(QStringLiteral("could not write the plot to %1").arg(path));
  return bilevel::Status::Ok();
}

bilevel::Status SaveCurvesCsv(const std::vector<const RunSeries*>& runs, const QString& path) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
    return Fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  QByteArray text = "run," + QByteArray::fromStdString(bilevel::RunFolder::LogHeader()) + '\n';
  for (const RunSeries* run : runs) {
    const QByteArray name = CsvField(run->name).toUtf8();
    for (const bilevel::IterationRecord& r : run->records)
      text += name + ',' + QByteArray::fromStdString(bilevel::RunFolder::LogRow(r)) + '\n';
  }
  file.write(text);
  if (!file.commit())
    return Fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  return bilevel::Status::Ok();
}

bilevel::Status SaveRegularizer(const bilevel::RegularizerSettings& config,
                                const Eigen::VectorXd& theta, const QString& path) {
  if (theta.size() == 0) return Fail(QStringLiteral("this run has no learned parameters yet"));
  if (QFileInfo(path).suffix().toLower() == "npz")
    return bilevel::WriteRegularizerNpz(ToStd(path), config, theta);
  return bilevel::WriteRegularizerJson(ToStd(path), config, theta);
}

bilevel::Status ReadRegularizerFile(const QString& path, bilevel::RegularizerSettings* settings,
                                    Eigen::VectorXd* theta) {
  return bilevel::ReadRegularizerFile(ToStd(path), settings, theta);
}

bilevel::Status SaveImage(const QImage& image, const QString& path) {
  if (image.isNull()) return Fail(QStringLiteral("there is no image to save"));
  if (!image.save(path)) return Fail(QStringLiteral("could not write the image %1").arg(path));
  return bilevel::Status::Ok();
}

bilevel::Status CopyFolder(const QString& from, const QString& to) {
  const QDir source(from);
  if (!source.exists()) return Fail(QStringLiteral("the folder %1 does not exist").arg(from));
  QDir target(to);
  if (target.exists() && !target.isEmpty())
    return Fail(QStringLiteral("%1 exists and is not empty").arg(to));
  if (QDir::cleanPath(QFileInfo(to).absoluteFilePath())
          .startsWith(QDir::cleanPath(source.absolutePath()) + '/'))
    return Fail(QStringLiteral("cannot copy %1 into itself").arg(from));
  if (!QDir().mkpath(to)) return Fail(QStringLiteral("cannot create %1").arg(to));
  QDirIterator it(from, QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden,
                  QDirIterator::Subdirectories);
  while (it.hasNext()) {
    const QString path = it.next();
    const QString relative = source.relativeFilePath(path);
    const QString destination = target.filePath(relative);
    if (QFileInfo(path).isDir()) {
      if (!QDir().mkpath(destination))
        return Fail(QStringLiteral("cannot create %1").arg(destination));
    } else {
      QDir().mkpath(QFileInfo(destination).absolutePath());
      if (!QFile::copy(path, destination))
        return Fail(QStringLiteral("cannot copy %1 to %2").arg(path, destination));
    }
  }
  return bilevel::Status::Ok();
}

}  // namespace studio
