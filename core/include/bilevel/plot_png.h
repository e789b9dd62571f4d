// Headless line plots for reports and the command-line tool: one figure of panels side by side,
// drawn with OpenCV into an image file, no GUI needed.
//
// Each panel has its own axes (linear or logarithmic, with "nice" tick values, decades on log
// axes), a title, axis labels, a grey grid and a legend in the corner that hides the least data.
// Series take colours from a colour-blind-friendly palette (Okabe-Ito) by label, in order of
// first appearance over all panels, so the same label has the same colour in every panel.
//
// Data handling: a NaN x or y splits a curve (a gap); infinite values, values beyond +-1e300
// and non-positive values on a log axis are skipped. A log axis with no positive value falls back
// to a linear one. A point with no neighbour is drawn as a marker, a constant range is padded and
// a panel without data shows "no data". Series with an empty label are not listed in the legend.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "bilevel/status.h"

namespace bilevel {

struct PlotSeries {
  std::string label;
  // x may be empty, meaning 0, 1, 2, ...; otherwise it must have as many values as y.
  std::vector<double> x, y;  // NaN values are gaps
};

struct PlotPanel {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;
  std::vector<PlotSeries> series;
};

struct PlotOptions {
  int width = 1200, height = 500;  // of the whole figure, in pixels (64 to 8192 each)
};

// Renders the figure and writes it to path; the format follows the extension (.png, or any other
// one OpenCV can write, such as .jpg or .bmp). The file is replaced atomically. Errors (no
// panels, mismatched x and y, a bad size, an unknown extension, an unwritable path) name the path.
Status WriteLinePlot(const std::string& path, const std::vector<PlotPanel>& panels,
                     const PlotOptions& options = {});

// Renders the figure into *rgb: *height rows of *width pixels, 3 bytes (R, G, B) each.
Status RenderLinePlot(const std::vector<PlotPanel>& panels, const PlotOptions& options,
                      std::vector<unsigned char>* rgb, int* width, int* height);

// Where RenderLinePlot draws the data point (x, y) of panels[panel]: the pixel column and row
// (fractional; pixel centres are whole numbers). False when the figure cannot be rendered, the
// panel index is out of range or the point is not drawn (not finite, not positive on a log axis).
bool PlotDataToPixel(const std::vector<PlotPanel>& panels, const PlotOptions& options, int panel,
                     double x, double y, double* column, double* row);

// The colour of the index-th distinct label (in order of first appearance), as R, G, B.
std::array<unsigned char, 3> PlotColor(int index);

}  // namespace bilevel
