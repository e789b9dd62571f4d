// The versions the application was built with and runs on, for the About box and --version.
#pragma once

#include <QString>

namespace studio {

QString ApplicationVersion();
// Rich text: Bilevel Studio, Qt (built and running), QCustomPlot, OpenCV, Eigen, the CPU backend
// and the CUDA device (or why there is none).
QString VersionReportHtml();
// The same as plain lines.
QString VersionReportText();

}  // namespace studio
