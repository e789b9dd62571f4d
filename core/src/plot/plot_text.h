// Text and sizes of the plots drawn with OpenCV (plot_png.cpp): the figure's style, measured and
// fitted text, and tick labels with exponents.
#pragma once

#include <opencv2/imgproc.hpp>
#include <string>

namespace bilevel::plot {

inline constexpr double kLimit = 1e300;  // larger magnitudes are treated as infinite
inline constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
inline const cv::Scalar kWhite(255, 255, 255), kText(40, 40, 40), kSpine(110, 110, 110);
inline const cv::Scalar kGrid(226, 226, 226), kMinorGrid(242, 242, 242), kBorder(200, 200, 200);

// Sizes in pixels and font scales, all proportional to the figure.
struct Style {
  double s = 1.0;
  double tick_font = 0.45, label_font = 0.5, title_font = 0.6;
  int thin = 1, bold = 1, curve = 2, marker = 4, pad = 8, tick = 5;
};
Style MakeStyle(int panel_width, int height);

struct Text {
  int w = 0, h = 0, base = 0;
};
Text Measure(const std::string& text, double font, int thick);
void Put(cv::Mat& image, const std::string& text, cv::Point origin, double font, int thick);
// text, shortened with "..." to at most max_width pixels.
std::string Fit(std::string text, double font, int thick, int max_width);

// A tick label: text, with an optional superscript exponent ("10" and "-3" for 10^-3).
struct Label {
  std::string text, exponent;
};
Text Measure(const Label& label, double font, int thick);
void Put(cv::Mat& image, const Label& label, cv::Point origin, double font, int thick);

}  // namespace bilevel::plot
