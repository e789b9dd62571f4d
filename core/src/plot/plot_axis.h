// Axes of the plots drawn with OpenCV (plot_png.cpp): ranges and nice ticks on linear and log
// axes. Axis coordinates are the values, or their log10 on a log axis.
#pragma once

#include <vector>

#include "plot/plot_text.h"

namespace bilevel::plot {

struct Tick {
  double t;
  Label label;
};

struct Axis {
  bool log = false;
  double lo = 0.0, hi = 1.0;
  std::vector<Tick> ticks;
  std::vector<double> minor;
};

// Whether v can be drawn on the axis (finite, and positive on a log axis), and where.
bool Usable(double v, bool log);
double ToAxis(double v, bool log);
// Pads [lo, hi] (the data's extent; lo > hi when there is none) by 5%, or more if it is a point.
void SetRange(Axis* axis, double lo, double hi);
// The ticks of an axis of that many pixels, labels that fit (horizontal: side by side).
void MakeTicks(Axis* axis, double pixels, bool horizontal, const Style& st);

}  // namespace bilevel::plot
