#include "plot/plot_axis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace bilevel::plot {

bool Usable(double v, bool log) {
  return std::isfinite(v) && std::abs(v) <= kLimit && (!log || v > 0.0);
}
double ToAxis(double v, bool log) {
  return log ? std::log10(v) : v;
}

void SetRange(Axis* axis, double lo, double hi) {
  if (!(lo <= hi)) lo = 0.0, hi = 1.0;
  const double span = hi - lo, mag = std::max(std::abs(lo), std::abs(hi));
  if (!(span > 1e-9 * (axis->log ? std::max(1.0, mag) : mag)) || span == 0.0) {  // constant
    const double pad = axis->log ? 0.5 : (mag > 0.0 ? 0.1 * mag : 1.0);
    axis->lo = lo - pad, axis->hi = hi + pad;
  } else {
    axis->lo = lo - 0.05 * span, axis->hi = hi + 0.05 * span;
  }
}

namespace {

std::string Printf(const char* format, int digits, double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, digits, v);
  return buffer;
}

// The fewest decimals (up to limit) that show v exactly (to 1e-6 relative).
int Decimals(double v, int limit) {
  if (v == 0.0) return 0;
  int d = 0;
  for (double p = 1.0; d < limit; ++d, p *= 10.0)
    if (std::abs(v * p - std::round(v * p)) <= 1e-6 * std::abs(v * p)) break;
  return d;
}

// v as mantissa and power of ten with the decimals that ticks step apart need, trailing zeros
// dropped: "2.5e-5", "1e6", "1.5e6".
std::string Scientific(double v, double step) {
  if (v == 0.0) return "0";
  int e = int(std::floor(std::log10(std::abs(v))));
  std::string text = Printf("%.*f", Decimals(step / std::pow(10.0, e), 10), v / std::pow(10.0, e));
  if (std::abs(std::stod(text)) >= 10.0)
    ++e, text = Printf("%.*f", Decimals(step / std::pow(10.0, e), 10), v / std::pow(10.0, e));
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  return text + "e" + std::to_string(e);
}

// Labels of ticks at multiples of step: fixed point with the step's decimals, or scientific for
// very large or small values.
std::vector<Label> LinearLabels(const std::vector<double>& values, double step) {
  double big = 0.0;
  for (double v : values)
    big = std::max(big, std::abs(v));
  const bool scientific = big >= 1e6 || big < 1e-3;
  const int decimals = Decimals(step, 12);
  std::vector<Label> labels;
  for (double v : values) {
    if (std::abs(v) < 1e-6 * step) v = 0.0;
    labels.push_back({scientific ? Scientific(v, step) : Printf("%.*f", decimals, v), ""});
  }
  return labels;
}

// The first of 1, 2, 2.5, 5 x 10^k that is at least raw.
double NiceStep(double raw) {
  const double base = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0})
    if (m * base >= raw * (1.0 - 1e-9)) return m * base;
  return 10.0 * base;
}

// Whether the labels of ticks fit next to each other along pixels (horizontal: side by side).
bool Fits(const Axis& axis, const std::vector<Tick>& ticks, double pixels, bool horizontal,
          const Style& st) {
  const double scale = pixels / (axis.hi - axis.lo);
  for (std::size_t i = 1; i < ticks.size(); ++i) {
    const Text a = Measure(ticks[i - 1].label, st.tick_font, st.thin);
    const Text b = Measure(ticks[i].label, st.tick_font, st.thin);
    const double need = horizontal ? 0.5 * (a.w + b.w) + 1.5 * a.h : 1.2 * (a.h + b.h);
    if ((ticks[i].t - ticks[i - 1].t) * scale < need) return false;
  }
  return true;
}

// Ticks at multiples of a nice step on [lo, hi] (in values); on a log axis placed at their log10.
std::vector<Tick> LinearTicks(const Axis& axis, double lo, double hi, double pixels,
                              bool horizontal, const Style& st) {
  const double spacing = (horizontal ? 80.0 : 50.0) * st.s;
  double step = NiceStep((hi - lo) / std::max(1.0, pixels / spacing));
  std::vector<Tick> ticks;
  for (int attempt = 0; attempt < 40; ++attempt, step = NiceStep(step * 1.0001)) {
    const double k0 = std::ceil(lo / step - 1e-9), k1 = std::floor(hi / step + 1e-9);
    if (!(k1 - k0 <= 100)) continue;
    std::vector<double> values;
    for (int i = 0; i <= int(k1 - k0); ++i)  // counted: k0 + 1 == k0 beyond 2^53
      if (Usable((k0 + i) * step, axis.log)) values.push_back((k0 + i) * step);
    const std::vector<Label> labels = LinearLabels(values, step);
    ticks.clear();
    for (std::size_t i = 0; i < values.size(); ++i)
      ticks.push_back({ToAxis(values[i], axis.log), labels[i]});
    if (Fits(axis, ticks, pixels, horizontal, st)) break;
  }
  return ticks;
}

std::string Plain(double v) {
  std::string text = Printf("%.*g", 6, v);
  const std::size_t e = text.find('e');
  if (e == std::string::npos) return text;
  return text.substr(0, e) + "e" + std::to_string(std::stoi(text.substr(e + 1)));
}

// Decades (10^k, every stride-th), else 1-2-5 values, else nice linear values.
void LogTicks(Axis* axis, double pixels, bool horizontal, const Style& st) {
  const int d0 = int(std::ceil(axis->lo - 1e-9)), d1 = int(std::floor(axis->hi + 1e-9));
  std::vector<Tick> decades;
  for (int stride : {1, 2, 3, 5, 10, 20, 25, 50, 100, 200, 250, 500}) {
    std::vector<Tick> ticks;
    for (int k = d0; k <= d1; ++k)
      if (k % stride == 0) ticks.push_back({double(k), {"10", std::to_string(k)}});
    if (ticks.empty()) break;
    decades = ticks;
    if (Fits(*axis, ticks, pixels, horizontal, st)) {
      const double decade = pixels / (axis->hi - axis->lo);
      if (stride == 1 && decade >= 4.0 * Measure("0", st.tick_font, st.thin).h)
        for (int k = d0 - 1; k <= d1; ++k)
          for (int m = 2; m <= 9; ++m) {
            const double t = k + std::log10(double(m));
            if (t > axis->lo && t < axis->hi) axis->minor.push_back(t);
          }
      break;
    }
  }
  if (decades.size() >= 3) {
    axis->ticks = decades;
    return;
  }
  std::vector<Tick> ticks125;
  for (int k = d0 - 1; k <= d1; ++k)
    for (int m : {1, 2, 5}) {
      const double t = k + std::log10(double(m));
      if (t >= axis->lo && t <= axis->hi) ticks125.push_back({t, {Plain(std::pow(10.0, t)), ""}});
    }
  if (ticks125.size() >= 3 && Fits(*axis, ticks125, pixels, horizontal, st)) {
    axis->minor.clear();
    axis->ticks = ticks125;
  } else if (decades.size() >= 2) {
    axis->ticks = decades;
  } else {
    axis->minor.clear();
    axis->ticks = LinearTicks(*axis, std::pow(10.0, axis->lo), std::pow(10.0, axis->hi), pixels,
                              horizontal, st);
  }
}

}  // namespace

void MakeTicks(Axis* axis, double pixels, bool horizontal, const Style& st) {
  if (axis->log)
    LogTicks(axis, pixels, horizontal, st);
  else
    axis->ticks = LinearTicks(*axis, axis->lo, axis->hi, pixels, horizontal, st);
}
}  // namespace bilevel::plot
