#include "version_info.h"

#include <qcustomplot.h>
#include <Eigen/Core>
#include <QStringList>
#include <opencv2/core/version.hpp>

#include "bilevel/backend_info.h"
#include "string_conversion.h"

#ifndef BILEVEL_VERSION
#define BILEVEL_VERSION "unknown"
#endif

namespace studio {
namespace {

QList<QPair<QString, QString>> Rows() {
  const bilevel::CudaDeviceInfo cuda = bilevel::QueryCudaDevice();
  QString cuda_text;
  if (!cuda.built)
    cuda_text = QStringLiteral("not built in");
  else if (cuda.available)
    cuda_text =
        ToQString(cuda.name) +
        (cuda.message.empty() ? QString() : QStringLiteral(" (%1)").arg(ToQString(cuda.message)));
  else
    cuda_text = QStringLiteral("no device: %1").arg(ToQString(cuda.message));
  return {
      {QStringLiteral("Qt"), QStringLiteral("%1 (built with %2)").arg(qVersion(), QT_VERSION_STR)},
      {QStringLiteral("QCustomPlot"), QStringLiteral(QCUSTOMPLOT_VERSION_STR)},
      {QStringLiteral("OpenCV"), QStringLiteral(CV_VERSION)},
      {QStringLiteral("Eigen"), QStringLiteral("%1.%2.%3")
                                    .arg(EIGEN_WORLD_VERSION)
                                    .arg(EIGEN_MAJOR_VERSION)
                                    .arg(EIGEN_MINOR_VERSION)},
      {QStringLiteral("Engine"), ToQString(bilevel::CpuBackendDescription())},
      {QStringLiteral("CUDA"), cuda_text},
  };
}

}  // namespace

QString ApplicationVersion() {
  return QStringLiteral(BILEVEL_VERSION);
}

QString VersionReportHtml() {
  QString html =
      QStringLiteral(
          "<h3>Bilevel Studio %1</h3>"
          "<p>Bilevel learning of image regularizers (Fields of Experts, total variation, "
          "convex ridge regularizers, input-convex networks) with inexact "
          "stochastic gradients (ISGD), beside MAID.</p><table>")
          .arg(ApplicationVersion());
  for (const auto& [name, value] : Rows())
    html += QStringLiteral("<tr><td><b>%1</b>&nbsp;&nbsp;</td><td>%2</td></tr>")
                .arg(name, value.toHtmlEscaped());
  html += QStringLiteral(
      "</table><p>Licence: GPL-3.0-or-later. QCustomPlot is GPL; the embedded images are public "
      "domain or CC0 (scikit-image sample data).</p>");
  return html;
}

QString VersionReportText() {
  QStringList lines{QStringLiteral("Bilevel Studio %1").arg(ApplicationVersion())};
  for (const auto& [name, value] : Rows())
    lines << QStringLiteral("%1: %2").arg(name, value);
  return lines.join('\n') + '\n';
}

}  // namespace studio
