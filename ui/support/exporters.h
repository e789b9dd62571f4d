// Writing what the window shows to files: plots (PNG, SVG, PDF), curves (CSV), the learned
// regularizer (JSON, NPZ), images (PNG) and a copy of a whole run folder. Each returns a Status
// whose message names the file.
#pragma once

#include <Eigen/Core>
#include <QImage>
#include <QPixmap>
#include <QString>
#include <vector>

#include "bilevel/regularizer_settings.h"
#include "bilevel/status.h"
#include "run_store.h"

class QCustomPlot;

namespace studio {

// By the file's extension: .png (twice the on-screen resolution), .svg (curves clipped to the
// axes, as on screen) or .pdf. A width or height of 0 takes the widget's. Neither this nor
// PlotPixmap (the plot at twice its on-screen resolution) draws the mouse readout and cursors.
bilevel::Status SavePlot(QCustomPlot& plot, const QString& path, int width = 0, int height = 0);
QPixmap PlotPixmap(QCustomPlot& plot);

// How a figure for a paper is drawn: its size in pixels at 96 per inch (PDF: points), the
// resolution of a PNG, and the size of every text in points (0: as on screen).
enum class LegendPlace { kBelow, kNone, kTopRight, kBottomRight, kTopLeft, kBottomLeft };
struct FigureStyle {
  int width = 0, height = 0;  // 0: the widget's
  int dpi = 192;
  int font_points = 0;
  // Where a training plot's legend goes (SaveFigure, plots_panel.h); SavePlot leaves it as it is.
  LegendPlace legend = LegendPlace::kBelow;
};
bilevel::Status SavePlot(QCustomPlot& plot, const QString& path, const FigureStyle& style);
// The plot formats offered in file dialogs ("PNG image (*.png);;SVG ...").
QString PlotFileFilter();

// One header row ("run," followed by the columns of log.csv) and one row per record of each run.
bilevel::Status SaveCurvesCsv(const std::vector<const RunSeries*>& runs, const QString& path);

// By extension: .npz (NumPy arrays) or anything else as the self-describing JSON.
bilevel::Status SaveRegularizer(const bilevel::RegularizerSettings& config,
                                const Eigen::VectorXd& theta, const QString& path);
bilevel::Status ReadRegularizerFile(const QString& path, bilevel::RegularizerSettings* config,
                                    Eigen::VectorXd* theta);

bilevel::Status SaveImage(const QImage& image, const QString& path);

// Copies the folder's files (recursively) into `to`, which must not exist or be empty.
bilevel::Status CopyFolder(const QString& from, const QString& to);

}  // namespace studio
