// The conformance of a backend's solver vectors (backend/ops.h: dots, norms, axpby, copyImages
// and FISTA's three steps) against the CPU's, on random images of several reduction chunks and an
// active list that skips and reorders images: every result agrees to `tolerance` (relative to
// the largest value), and inactive images are left as they were. OpsConformance runs it.
#pragma once

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "backend/cpu/cpu_ops.h"
#include "backend/ops.h"

namespace bilevel::test {

// Empty when got agrees with the CPU's want to `tolerance` relative to want's largest value;
// else the first disagreement, in words.
inline std::string CompareToCpu(const std::string& what, const std::vector<double>& got,
                                const std::vector<double>& want, double tolerance) {
  if (got.size() != want.size()) return what + ": size";
  double scale = 1e-30;
  for (double v : want)
    scale = std::max(scale, std::abs(v));
  for (std::size_t k = 0; k < got.size(); ++k)
    if (!(std::abs(got[k] - want[k]) <= tolerance * scale))
      return what + ": value " + std::to_string(k) + " is " + std::to_string(got[k]) +
             ", the CPU's " + std::to_string(want[k]);
  return {};
}

template <typename T>
class SolverVectorConformance {
 public:
  SolverVectorConformance(backend::Ops<T>& ops, double tolerance)
      : ops_(ops), tolerance_(tolerance) {}

  // The first disagreement, in words; empty when every operation agrees.
  std::string run() {
    const backend::Active active = {3, 0, 2};
    const std::vector<double> s1 = {0.5, -1.5, 2.0}, s2 = {2.0, 0.25, -1.0};
    // Each case: the operation on both backends over arrays a, b, c, d (all written back), and
    // the per-position results.
    using Fn = void (*)(backend::Ops<T>&, const backend::Active&, const std::vector<double>&,
                        const std::vector<double>&, T**, double*);
    const struct {
      const char* name;
      int results;
      Fn fn;
    } cases[] = {
        {"dots", 1,
         [](backend::Ops<T>& o, const backend::Active& a, const std::vector<double>&,
            const std::vector<double>&, T** v, double* r) { o.dots(kSize, a, v[0], v[1], r); }},
        {"norms", 1,
         [](backend::Ops<T>& o, const backend::Active& a, const std::vector<double>&,
            const std::vector<double>&, T** v, double* r) { o.norms(kSize, a, v[0], r); }},
        {"axpby", 0,
         [](backend::Ops<T>& o, const backend::Active& a, const std::vector<double>& x,
            const std::vector<double>& y, T** v,
            double*) { o.axpby(kSize, a, x.data(), v[0], y.data(), v[1]); }},
        {"copyImages", 0,
         [](backend::Ops<T>& o, const backend::Active& a, const std::vector<double>&,
            const std::vector<double>&, T** v, double*) { o.copyImages(kSize, a, v[0], v[1]); }},
        {"copyImages (zeros)", 0,
         [](backend::Ops<T>& o, const backend::Active& a, const std::vector<double>&,
            const std::vector<double>&, T** v, double*) { o.copyImages(kSize, a, nullptr, v[1]); }},
    };
    for (const auto& c : cases) {
      std::vector<std::vector<T>> host(4);
      for (auto& h : host)
        h = random(kImages * kSize);
      std::vector<std::vector<T>> got = host, want = host;
      std::vector<double> r_got(active.size() * 2, 0.0), r_want = r_got;
      apply(ops_, c.fn, active, s1, s2, got, r_got.data());
      apply(cpu_, c.fn, active, s1, s2, want, r_want.data());
      r_got.resize(active.size() * std::size_t(c.results));
      r_want.resize(r_got.size());
      if (std::string e = compare(c.name, r_got, r_want); !e.empty()) return e;
      for (std::size_t v = 0; v < host.size(); ++v) {
        const std::string what = std::string(c.name) + " array " + std::to_string(v);
        if (std::string e = compare(what, Doubles(got[v]), Doubles(want[v])); !e.empty()) return e;
        if (!std::equal(got[v].begin() + kSize, got[v].begin() + 2 * kSize,
                        host[v].begin() + kSize))
          return what + ": the inactive image 1 was written";
      }
    }
    if (std::string e = fistaStep(active); !e.empty()) return e;
    if (std::string e = ops_.error(); !e.empty()) return "backend error: " + e;
    return {};
  }

 private:
  static constexpr std::size_t kSize = 3 * 40 * 40;  // five chunks, the last one partial
  static constexpr int kImages = 4;

  // FISTA's step: the images x, y, g, yp, gp and the state L, momentum, t and grown, for one
  // image without a previous point, one whose secant grows L, one whose L holds.
  std::string fistaStep(const backend::Active& active) {
    std::vector<std::vector<T>> host(5);
    for (auto& h : host)
      h = random(kImages * kSize);
    // Image 0 (position 1): gp far from g, yp near y, so that the secant exceeds L and L grows;
    // image 2 (position 2): random, a secant below L.
    for (std::size_t p = 0; p < kSize; ++p) {
      host[4][p] = host[2][p] + T(3);
      host[3][p] = host[1][p] + T(1e-3);
    }
    struct State {
      std::vector<double> l{4.0, 0.5, 3.0}, momentum{-1.0, 0.2, -1.0}, t{1.0, 2.0, 1.5};
      std::vector<int> grown{7, 7, 7};
    } got_state, want_state;
    const std::vector<double> mu = {0.5, 0.1, 0.0}, y_norm = {60.0, 50.0, 40.0};
    const std::vector<int> secant = {0, 1, 1};
    std::vector<std::vector<T>> got = host, want = host;
    auto step = [&](backend::Ops<T>& ops, std::vector<std::vector<T>>& arrays, State& st) {
      backend::FistaState s;
      s.lipschitz = st.l.data();
      s.momentum = st.momentum.data();
      s.t = st.t.data();
      s.grown = st.grown.data();
      s.mu = mu.data();
      s.y_norm = y_norm.data();
      s.secant = secant.data();
      s.precision = 1e-7;
      s.safety = 1.05;
      apply(
          ops,
          [&](backend::Ops<T>& o, const backend::Active& a, const std::vector<double>&,
              const std::vector<double>&, T** v,
              double*) { o.fistaStep(kSize, a, s, v[0], v[1], v[2], v[3], v[4]); },
          active, {}, {}, arrays, nullptr);
    };
    step(ops_, got, got_state);
    step(cpu_, want, want_state);
    if (want_state.grown != std::vector<int>{0, 1, 0})  // image 0 is at position 1
      return "fistaStep: the case does not grow L where it should";
    if (got_state.grown != want_state.grown) return "fistaStep: L grew on other images";
    for (auto [name, g, w] : {std::tuple{"L", &got_state.l, &want_state.l},
                              std::tuple{"momentum", &got_state.momentum, &want_state.momentum},
                              std::tuple{"t", &got_state.t, &want_state.t}})
      if (std::string e = compare(std::string("fistaStep ") + name, *g, *w); !e.empty()) return e;
    for (std::size_t v = 0; v < host.size(); ++v) {
      const std::string what = "fistaStep array " + std::to_string(v);
      if (std::string e = compare(what, Doubles(got[v]), Doubles(want[v])); !e.empty()) return e;
      if (!std::equal(got[v].begin() + kSize, got[v].begin() + 2 * kSize, host[v].begin() + kSize))
        return what + ": the inactive image 1 was written";
    }
    return {};
  }

  template <typename Fn>
  static void apply(backend::Ops<T>& ops, Fn fn, const backend::Active& active,
                    const std::vector<double>& s1, const std::vector<double>& s2,
                    std::vector<std::vector<T>>& arrays, double* results) {
    std::vector<backend::Array<T>> on(arrays.size());
    T* pointers[5];
    for (std::size_t v = 0; v < arrays.size(); ++v) {
      on[v].assign(ops, arrays[v]);
      pointers[v] = on[v].data();
    }
    fn(ops, active, s1, s2, pointers, results);
    for (std::size_t v = 0; v < arrays.size(); ++v)
      ops.download(on[v].data(), arrays[v].size(), arrays[v].data());
  }

  std::vector<T> random(std::size_t count) {
    std::uniform_real_distribution<double> u(-1, 1);
    std::vector<T> v(count);
    for (T& e : v)
      e = T(u(rng_));
    return v;
  }
  static std::vector<double> Doubles(const std::vector<T>& v) {
    return std::vector<double>(v.begin(), v.end());
  }
  std::string compare(const std::string& what, const std::vector<double>& got,
                      const std::vector<double>& want) const {
    return CompareToCpu(what, got, want, tolerance_);
  }

  backend::Ops<T>& ops_;
  backend::CpuOps<T> cpu_;
  double tolerance_;
  std::mt19937 rng_{20261207};
};

}  // namespace bilevel::test
