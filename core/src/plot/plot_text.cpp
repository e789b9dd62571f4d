#include "plot/plot_text.h"

#include <algorithm>
#include <cmath>

namespace bilevel::plot {

Style MakeStyle(int panel_width, int height) {
  Style st;
  st.s = std::clamp(std::min(panel_width / 420.0, height / 500.0), 0.6, 4.0);
  st.tick_font *= st.s;
  st.label_font *= st.s;
  st.title_font *= st.s;
  st.thin = std::max(1, int(std::lround(st.s)));
  st.bold = std::max(1, int(std::lround(1.4 * st.s)));  // Hershey at 2 is blotchy when small
  st.curve = std::max(2, int(std::lround(2.0 * st.s)));
  st.marker = std::max(3, int(std::lround(4.0 * st.s)));
  st.pad = std::max(4, int(std::lround(8.0 * st.s)));
  st.tick = std::max(3, int(std::lround(5.0 * st.s)));
  return st;
}

Text Measure(const std::string& text, double font, int thick) {
  Text t;
  const cv::Size size = cv::getTextSize(text.empty() ? " " : text, kFont, font, thick, &t.base);
  t.w = text.empty() ? 0 : size.width;
  t.h = size.height;
  return t;
}

void Put(cv::Mat& image, const std::string& text, cv::Point origin, double font, int thick) {
  cv::putText(image, text, origin, kFont, font, kText, thick, cv::LINE_AA);
}

std::string Fit(std::string text, double font, int thick, int max_width) {
  if (Measure(text, font, thick).w <= max_width) return text;
  while (!text.empty() && Measure(text + "...", font, thick).w > max_width)
    text.pop_back();
  return text.empty() ? "" : text + "...";
}

Text Measure(const Label& label, double font, int thick) {
  Text t = Measure(label.text, font, thick);
  if (label.exponent.empty()) return t;
  const Text e = Measure(label.exponent, 0.7 * font, thick);
  t.w += e.w + 1;
  t.h = std::max(t.h, int(0.55 * t.h) + e.h);
  return t;
}

void Put(cv::Mat& image, const Label& label, cv::Point origin, double font, int thick) {
  Put(image, label.text, origin, font, thick);
  if (label.exponent.empty()) return;
  const Text t = Measure(label.text, font, thick);
  Put(image, label.exponent, {origin.x + t.w + 1, origin.y - int(0.55 * t.h)}, 0.7 * font, thick);
}

}  // namespace bilevel::plot
