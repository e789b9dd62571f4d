// Line plots drawn with OpenCV: layout (margins from the text sizes), nice ticks, curves, legend.
#include "bilevel/plot_png.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <new>
#include <opencv2/imgproc.hpp>
#include <string_view>

#include "base/file_util.h"
#include "data/image_codec.h"
#include "plot/plot_axis.h"
#include "plot/plot_text.h"

namespace bilevel {

namespace {

using namespace plot;

// Okabe-Ito, RGB, the faint yellow last.
constexpr unsigned char kPalette[8][3] = {{0, 114, 178},   {213, 94, 0},  {0, 158, 115},
                                          {204, 121, 167}, {230, 159, 0}, {86, 180, 233},
                                          {0, 0, 0},       {240, 228, 66}};

cv::Scalar Bgr(int index) {
  const auto c = PlotColor(index);
  return cv::Scalar(c[2], c[1], c[0]);
}

// ---------------------------------------------------------------------------------------------
// Layout of the whole figure.

using Run = std::vector<cv::Point2d>;  // consecutive drawable points, in axis coordinates

struct PanelLayout {
  cv::Rect area, plot;
  Axis x, y;
  std::vector<std::vector<Run>> runs;  // per series
  std::vector<int> colors;             // per series
  bool has_data = false;
};

struct Figure {
  Style st;
  std::vector<PanelLayout> panels;
};

double SeriesX(const PlotSeries& s, std::size_t i) {
  return s.x.empty() ? double(i) : s.x[i];
}

// Runs of points, split at NaN values; other undrawable points are skipped.
std::vector<Run> Runs(const PlotSeries& s, bool log_x, bool log_y) {
  std::vector<Run> runs(1);
  for (std::size_t i = 0; i < s.y.size(); ++i) {
    const double x = SeriesX(s, i), y = s.y[i];
    if (std::isnan(x) || std::isnan(y)) {
      if (!runs.back().empty()) runs.emplace_back();
    } else if (Usable(x, log_x) && Usable(y, log_y)) {
      runs.back().push_back({ToAxis(x, log_x), ToAxis(y, log_y)});
    }
  }
  if (runs.back().empty()) runs.pop_back();
  return runs;
}

// Whether a log axis has anything to show: a positive value on it with a usable partner.
bool AnyPositive(const PlotPanel& panel, bool on_x, bool log_x) {
  for (const PlotSeries& s : panel.series)
    for (std::size_t i = 0; i < s.y.size(); ++i) {
      const double x = SeriesX(s, i), y = s.y[i];
      if (on_x ? Usable(x, true) && Usable(y, false) : Usable(y, true) && Usable(x, log_x))
        return true;
    }
  return false;
}

Status Validate(const std::vector<PlotPanel>& panels, const PlotOptions& options) {
  if (panels.empty()) return Status::Error("no panels to plot");
  if (options.width < 64 || options.width > 8192 || options.height < 64 || options.height > 8192)
    return Status::Error("the plot size must be 64 to 8192 pixels each way, got " +
                         std::to_string(options.width) + "x" + std::to_string(options.height));
  for (const PlotPanel& panel : panels)
    for (const PlotSeries& s : panel.series)
      if (!s.x.empty() && s.x.size() != s.y.size())
        return Status::Error("plot panel '" + panel.title + "', series '" + s.label +
                             "': " + std::to_string(s.x.size()) + " x values but " +
                             std::to_string(s.y.size()) + " y values");
  return Status::Ok();
}

// Data, ranges and colours of one panel.
void PrepareData(const PlotPanel& panel, std::map<std::string, int>* color_of, PanelLayout* p) {
  p->x.log = panel.log_x && AnyPositive(panel, true, false);
  p->y.log = panel.log_y && AnyPositive(panel, false, p->x.log);
  double x0 = 1.0, x1 = 0.0, y0 = 1.0, y1 = 0.0;
  for (std::size_t k = 0; k < panel.series.size(); ++k) {
    const PlotSeries& s = panel.series[k];
    // Unlabelled series are keyed by their position, with a prefix no label starts with.
    std::string key = s.label;
    if (key.empty()) key.append(1, '\x01').append(std::to_string(k));
    const auto [it, added] = color_of->emplace(key, int(color_of->size()));
    p->colors.push_back(it->second);
    p->runs.push_back(Runs(s, p->x.log, p->y.log));
    for (const Run& run : p->runs.back())
      for (const cv::Point2d& q : run) {
        if (!p->has_data) x0 = x1 = q.x, y0 = y1 = q.y;
        p->has_data = true;
        x0 = std::min(x0, q.x), x1 = std::max(x1, q.x);
        y0 = std::min(y0, q.y), y1 = std::max(y1, q.y);
      }
  }
  SetRange(&p->x, x0, x1);
  SetRange(&p->y, y0, y1);
}

Status TooSmall(const PlotOptions& options, int panels) {
  return Status::Error("the figure (" + std::to_string(options.width) + "x" +
                       std::to_string(options.height) + " pixels) is too small for " +
                       std::to_string(panels) + (panels == 1 ? " panel" : " panels") +
                       " and their text");
}

Status Layout(const std::vector<PlotPanel>& panels, const PlotOptions& options, Figure* fig) {
  if (Status s = Validate(panels, options); !s.ok()) return s;
  const int n = int(panels.size());
  fig->st = MakeStyle(options.width / n, options.height);
  const Style& st = fig->st;
  const Text tick = Measure(Label{"10", "-8"}, st.tick_font, st.thin);
  const Text label = Measure("Ag", st.label_font, st.thin);
  const Text title = Measure("Ag", st.title_font, st.bold);
  std::map<std::string, int> color_of;
  fig->panels.resize(panels.size());
  for (int i = 0; i < n; ++i) {
    PanelLayout& p = fig->panels[i];
    const PlotPanel& panel = panels[i];
    p.area = cv::Rect(i * options.width / n, 0, (i + 1) * options.width / n - i * options.width / n,
                      options.height);
    PrepareData(panel, &color_of, &p);
    const int top =
        panel.title.empty() ? 2 * st.pad + tick.h / 2 : 2 * st.pad + title.h + title.base + st.pad;
    const int bottom = st.tick + st.pad + tick.h + st.pad +
                       (panel.x_label.empty() ? 0 : label.h + label.base + 3 * st.pad / 2) + st.pad;
    const int height = options.height - top - bottom;
    if (height < 20) return TooSmall(options, n);
    MakeTicks(&p.y, height, false, st);
    int widest = 0;
    for (const Tick& t : p.y.ticks)
      widest = std::max(widest, Measure(t.label, st.tick_font, st.thin).w);
    const int left = 2 * st.pad + (panel.y_label.empty() ? 0 : label.h + label.base + st.pad) +
                     widest + st.pad / 2 + st.tick;
    const int width = p.area.width - left - 3 * st.pad;
    if (width < 20) return TooSmall(options, n);
    p.plot = cv::Rect(p.area.x + left, top, width, height);
    MakeTicks(&p.x, width, true, st);
  }
  return Status::Ok();
}

cv::Point2d ToPixel(const PanelLayout& p, cv::Point2d q) {
  const double fx = (q.x - p.x.lo) / (p.x.hi - p.x.lo), fy = (q.y - p.y.lo) / (p.y.hi - p.y.lo);
  return {p.plot.x + fx * (p.plot.width - 1), p.plot.y + (1.0 - fy) * (p.plot.height - 1)};
}

// ---------------------------------------------------------------------------------------------
// Drawing.

constexpr int kShift = 4;  // sub-pixel bits of curve coordinates
cv::Point Fixed(cv::Point2d q, cv::Point offset) {
  return {int(std::lround((q.x - offset.x) * (1 << kShift))),
          int(std::lround((q.y - offset.y) * (1 << kShift)))};
}

// The curves into image (the plot's region; offset is its top-left corner).
void DrawCurves(const PanelLayout& p, cv::Mat& image, cv::Point offset, const cv::Scalar* one_color,
                int extra, const Style& st) {
  for (std::size_t k = 0; k < p.runs.size(); ++k) {
    const cv::Scalar color = one_color ? *one_color : Bgr(p.colors[k]);
    for (const Run& run : p.runs[k]) {
      if (run.size() == 1)
        cv::circle(image, Fixed(ToPixel(p, run[0]), offset), (st.marker + extra) << kShift, color,
                   cv::FILLED, cv::LINE_AA, kShift);
      for (std::size_t j = 1; j < run.size(); ++j)
        cv::line(image, Fixed(ToPixel(p, run[j - 1]), offset), Fixed(ToPixel(p, run[j]), offset),
                 color, st.curve + extra, cv::LINE_AA, kShift);
    }
  }
}

void DrawAxes(const PlotPanel& panel, const PanelLayout& p, cv::Mat& image, const Style& st) {
  const cv::Rect& r = p.plot;
  const int right = r.x + r.width - 1, bottom = r.y + r.height - 1;
  const Text tick_text = Measure(Label{"10", "-8"}, st.tick_font, st.thin);
  for (double t : p.x.minor) {
    const int x = int(std::lround(ToPixel(p, {t, p.y.lo}).x));
    cv::line(image, {x, r.y}, {x, bottom}, kMinorGrid, 1);
    cv::line(image, {x, bottom}, {x, bottom + st.tick / 2}, kSpine, st.thin);
  }
  for (double t : p.y.minor) {
    const int y = int(std::lround(ToPixel(p, {p.x.lo, t}).y));
    cv::line(image, {r.x, y}, {right, y}, kMinorGrid, 1);
    cv::line(image, {r.x - st.tick / 2, y}, {r.x, y}, kSpine, st.thin);
  }
  for (const Tick& t : p.x.ticks) {
    const int x = int(std::lround(ToPixel(p, {t.t, p.y.lo}).x));
    cv::line(image, {x, r.y}, {x, bottom}, kGrid, 1);
    cv::line(image, {x, bottom}, {x, bottom + st.tick}, kSpine, st.thin);
    const Text size = Measure(t.label, st.tick_font, st.thin);
    const int lx = std::clamp(x - size.w / 2, p.area.x + 2, p.area.x + p.area.width - size.w - 2);
    Put(image, t.label, {lx, bottom + st.tick + st.pad + tick_text.h}, st.tick_font, st.thin);
  }
  for (const Tick& t : p.y.ticks) {
    const int y = int(std::lround(ToPixel(p, {p.x.lo, t.t}).y));
    cv::line(image, {r.x, y}, {right, y}, kGrid, 1);
    cv::line(image, {r.x - st.tick, y}, {r.x, y}, kSpine, st.thin);
    const Text size = Measure(t.label, st.tick_font, st.thin);
    Put(image, t.label, {r.x - st.tick - st.pad / 2 - size.w, y + size.h / 2}, st.tick_font,
        st.thin);
  }
  if (!panel.x_label.empty()) {
    const std::string text = Fit(panel.x_label, st.label_font, st.thin, r.width);
    const Text size = Measure(text, st.label_font, st.thin);
    Put(image, text,
        {r.x + (r.width - size.w) / 2, bottom + st.tick + 5 * st.pad / 2 + tick_text.h + size.h},
        st.label_font, st.thin);
  }
  if (!panel.y_label.empty()) {
    // Drawn horizontally, turned a quarter counter-clockwise and blended in (dark on white).
    const std::string text = Fit(panel.y_label, st.label_font, st.thin, r.height);
    const Text size = Measure(text, st.label_font, st.thin);
    cv::Mat strip(size.h + size.base + 2, size.w + 2, CV_8UC3, kWhite), turned;
    Put(strip, text, {1, size.h + 1}, st.label_font, st.thin);
    cv::rotate(strip, turned, cv::ROTATE_90_COUNTERCLOCKWISE);
    const cv::Rect at(p.area.x + 2 * st.pad, r.y + (r.height - turned.rows) / 2, turned.cols,
                      turned.rows);
    cv::Mat target = image(at & cv::Rect(0, 0, image.cols, image.rows));
    cv::min(target, turned(cv::Rect(0, 0, target.cols, target.rows)), target);
  }
  if (!panel.title.empty()) {
    const std::string text = Fit(panel.title, st.title_font, st.bold, p.area.width - 2 * st.pad);
    const Text size = Measure(text, st.title_font, st.bold);
    const int x = std::clamp(r.x + (r.width - size.w) / 2, p.area.x + st.pad,
                             p.area.x + p.area.width - size.w - st.pad);
    Put(image, text, {x, 2 * st.pad + size.h}, st.title_font, st.bold);
  }
  cv::rectangle(image, r, kSpine, st.thin);
}

// The legend in the corner of the plot that covers the fewest curve pixels.
void DrawLegend(const PlotPanel& panel, const PanelLayout& p, cv::Mat& image, const Style& st) {
  std::vector<std::pair<std::string, int>> entries;
  for (std::size_t k = 0; k < panel.series.size(); ++k) {
    const std::string& label = panel.series[k].label;
    const bool listed = std::any_of(entries.begin(), entries.end(),
                                    [&](const auto& e) { return e.first == label; });
    if (!label.empty() && !p.runs[k].empty() && !listed) entries.push_back({label, p.colors[k]});
  }
  if (entries.empty()) return;
  const double font = st.tick_font;
  const int swatch = int(24 * st.s), row = int(1.9 * Measure("Ag", font, st.thin).h) + 1;
  int text_width = 0;
  for (auto& e : entries) {
    e.first = Fit(e.first, font, st.thin, int(0.6 * p.plot.width) - swatch - 3 * st.pad);
    text_width = std::max(text_width, Measure(e.first, font, st.thin).w);
  }
  const cv::Size box(swatch + text_width + 3 * st.pad, int(entries.size()) * row + st.pad);
  cv::Mat mask(p.plot.size(), CV_8U, cv::Scalar(0));
  const cv::Scalar on(255);
  DrawCurves(p, mask, p.plot.tl(), &on, 2, st);
  const int inset = st.pad;
  const int x0 = p.plot.x + inset, x1 = p.plot.x + p.plot.width - inset - box.width;
  const int y0 = p.plot.y + inset, y1 = p.plot.y + p.plot.height - inset - box.height;
  cv::Rect best;
  int best_count = -1;
  for (cv::Point corner :
       {cv::Point(x1, y0), cv::Point(x0, y0), cv::Point(x1, y1), cv::Point(x0, y1)}) {
    const cv::Rect rect = cv::Rect(corner, box) & p.plot;
    if (rect.empty()) continue;
    const int count = cv::countNonZero(mask(rect - p.plot.tl()));
    if (best_count < 0 || count < best_count) best = rect, best_count = count;
  }
  if (best_count < 0) return;
  cv::rectangle(image, best, kWhite, cv::FILLED);
  cv::rectangle(image, best, kBorder, 1);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const int y = best.y + st.pad / 2 + int(i) * row + row / 2;
    const int x = best.x + st.pad;
    cv::line(image, cv::Point(x, y) * (1 << kShift), cv::Point(x + swatch, y) * (1 << kShift),
             Bgr(entries[i].second), st.curve, cv::LINE_AA, kShift);
    Put(image, entries[i].first, {x + swatch + st.pad, y + Measure("0", font, st.thin).h / 2}, font,
        st.thin);
  }
}

Status Render(const std::vector<PlotPanel>& panels, const PlotOptions& options, cv::Mat* image) {
  try {
    Figure fig;
    if (Status s = Layout(panels, options, &fig); !s.ok()) return s;
    *image = cv::Mat(options.height, options.width, CV_8UC3, kWhite);
    for (std::size_t i = 0; i < panels.size(); ++i) {
      const PanelLayout& p = fig.panels[i];
      DrawAxes(panels[i], p, *image, fig.st);
      cv::Mat plot = (*image)(p.plot);
      DrawCurves(p, plot, p.plot.tl(), nullptr, 0, fig.st);
      cv::rectangle(*image, p.plot, kSpine, fig.st.thin);
      if (p.has_data) {
        DrawLegend(panels[i], p, *image, fig.st);
      } else {
        const Text size = Measure("no data", fig.st.label_font, fig.st.thin);
        Put(*image, "no data",
            {p.plot.x + (p.plot.width - size.w) / 2, p.plot.y + (p.plot.height + size.h) / 2},
            fig.st.label_font, fig.st.thin);
      }
    }
    return Status::Ok();
  } catch (const cv::Exception& e) {
    return Status::Error("cannot draw the plot (" +
                         (e.err.empty() ? std::string(e.what()) : e.err) + ")");
  } catch (const std::bad_alloc&) {
    return Status::Error("not enough memory to draw the plot");
  }
}

}  // namespace

std::array<unsigned char, 3> PlotColor(int index) {
  const unsigned char* c = kPalette[std::max(0, index) % 8];
  return {c[0], c[1], c[2]};
}

bool PlotDataToPixel(const std::vector<PlotPanel>& panels, const PlotOptions& options, int panel,
                     double x, double y, double* column, double* row) {
  if (panel < 0 || panel >= int(panels.size()) || !column || !row) return false;
  try {
    Figure fig;
    if (!Layout(panels, options, &fig).ok()) return false;
    const PanelLayout& p = fig.panels[std::size_t(panel)];
    if (!Usable(x, p.x.log) || !Usable(y, p.y.log)) return false;
    const cv::Point2d q = ToPixel(p, {ToAxis(x, p.x.log), ToAxis(y, p.y.log)});
    *column = q.x, *row = q.y;
    return true;
  } catch (const cv::Exception&) {
    return false;
  } catch (const std::bad_alloc&) {
    return false;
  }
}

Status RenderLinePlot(const std::vector<PlotPanel>& panels, const PlotOptions& options,
                      std::vector<unsigned char>* rgb, int* width, int* height) {
  if (!rgb || !width || !height) return Status::Error("RenderLinePlot: no output given");
  cv::Mat image;
  if (Status s = Render(panels, options, &image); !s.ok()) return s;
  try {
    rgb->resize(image.total() * 3);
    cv::Mat out(image.rows, image.cols, CV_8UC3, rgb->data());
    cv::cvtColor(image, out, cv::COLOR_BGR2RGB);
  } catch (const cv::Exception& e) {
    return Status::Error("cannot convert the plot (" + e.err + ")");
  } catch (const std::bad_alloc&) {
    return Status::Error("not enough memory for the plot");
  }
  *width = image.cols, *height = image.rows;
  return Status::Ok();
}

Status WriteLinePlot(const std::string& path, const std::vector<PlotPanel>& panels,
                     const PlotOptions& options) {
  const std::size_t dot = path.find_last_of('.'), slash = path.find_last_of('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash))
    return Status::Error("cannot write the plot '" + path + "': no file extension (use .png)");
  const std::string ext = path.substr(dot);
  cv::Mat image;
  if (Status s = Render(panels, options, &image); !s.ok())
    return Status::Error("cannot write the plot '" + path + "': " + s.message());
  std::vector<unsigned char> bytes;
  try {
    std::string why;
    if (!EncodeImageBytes(ext, image, &bytes, &why))
      return Status::Error("cannot write the plot '" + path + "': " + why);
  } catch (const cv::Exception& e) {
    return Status::Error("cannot write the plot '" + path + "' (" + e.err + ")");
  } catch (const std::bad_alloc&) {
    return Status::Error("cannot write the plot '" + path + "': not enough memory");
  }
  return WriteFileAtomically(
      path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace bilevel
