// One conformance check of a backend's operation table (backend/ops.h) against the CPU's, on
// random images, weights and active lists under both boundary rules: every operation's outputs
// on the active images agree to `tolerance` (relative to the largest value), and the inactive
// images are left as they were. The data go through the backend's own memory (upload, download),
// so the same check runs the CUDA backend on a device and the body launches in the host loop.
#pragma once

#include <QTest>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "backend/cpu/cpu_ops.h"
#include "backend/ops.h"
#include "solver_vectors_conformance.h"

namespace bilevel::test {

template <typename T>
class OpsConformance {
 public:
  OpsConformance(backend::Ops<T>& ops, double tolerance) : ops_(ops), tolerance_(tolerance) {}

  // The first disagreement, in words; empty when every operation agrees.
  std::string run() {
    for (bool reflect : {true, false})
      for (const Case& c : {Case{3, 3, 4, 9, 11, 5, {0, 2}}, Case{3, 1, 2, 6, 5, 3, {1}},
                            Case{2, 2, 3, 8, 7, 7, {1, 0}}}) {
        if (std::string e = check(c, reflect); !e.empty())
          return e + (reflect ? " (reflect101)" : " (zero)");
      }
    if (std::string e = SolverVectorConformance<T>(ops_, tolerance_).run(); !e.empty()) return e;
    if (std::string e = ops_.error(); !e.empty()) return "backend error: " + e;
    return {};
  }

 private:
  struct Case {
    int n, in, out, h, w, k;
    backend::Active active;
  };

  std::vector<T> random(std::size_t count, double lo, double hi) {
    std::uniform_real_distribution<double> u(lo, hi);
    std::vector<T> v(count);
    for (T& e : v)
      e = T(u(rng_));
    return v;
  }

  // Runs fn(ops, inputs..., output) on the backend under test and on the CPU with the same host
  // inputs; compares the outputs.
  struct Buffers {
    backend::Ops<T>& ops;
    std::vector<backend::Array<T>> arrays;
    const T* in(const std::vector<T>& host) {
      arrays.emplace_back();
      arrays.back().resize(ops, host.size());
      ops.upload(host.data(), host.size(), arrays.back().data());
      return arrays.back().data();
    }
    T* out(const std::vector<T>& initial) { return const_cast<T*>(in(initial)); }
    std::vector<T> get(const T* data, std::size_t count) {
      std::vector<T> host(count);
      ops.download(data, count, host.data());
      return host;
    }
  };

  std::string compare(const std::string& what, const std::vector<double>& got,
                      const std::vector<double>& want) {
    return CompareToCpu(what, got, want, tolerance_);
  }
  template <typename U>
  std::string compareImages(const std::string& what, const std::vector<U>& got,
                            const std::vector<U>& want) {
    return compare(what, std::vector<double>(got.begin(), got.end()),
                   std::vector<double>(want.begin(), want.end()));
  }

  std::string check(const Case& c, bool reflect) {
    backend::ConvGeometry g;
    g.in_channels = c.in;
    g.out_channels = c.out;
    g.h = c.h;
    g.w = c.w;
    g.k = c.k;
    g.reflect = reflect;
    const std::size_t xs = std::size_t(c.n) * c.in * g.plane();
    const std::size_t zs = std::size_t(c.n) * c.out * g.plane();
    const std::size_t ws = std::size_t(c.out) * c.in * c.k * c.k;
    const std::vector<T> x = random(xs, -1, 1), y = random(xs, -1, 1), w = random(ws, -0.5, 0.5);
    const std::vector<T> z = random(zs, -1, 1), a = random(zs, -1, 1), b = random(zs, -1, 1);
    const std::vector<T> scale = random(std::size_t(std::max(c.out, c.in)), 0.2, 2.0);
    const std::vector<T> sentinel_x = random(xs, 5, 6), sentinel_z = random(zs, 5, 6);
    const T nu = T(0.3);

    Buffers dev{ops_, {}}, cpu{cpu_, {}};
    auto maps = [&](Buffers& buf) {
      return backend::FoeMaps<T>{c.out, g.plane(), nu, buf.in(scale)};
    };
    const std::vector<T> knots = random(std::size_t(c.out) * 7, -1, 1);
    auto map = [&](Buffers& buf, typename backend::ResponseMap<T>::Kind kind) {
      backend::ResponseMap<T> m;
      m.kind = kind;
      m.foe = maps(buf);
      m.splines = backend::Splines<T>{c.out, 7, T(0.8), T(2 * 0.8 / 6), buf.in(knots)};
      m.lambda = T(0.6);
      m.mu = T(1.7);
      m.factor = buf.in(a);
      m.scale = buf.in(scale);
      return m;
    };
    std::string e;
    auto both = [&](const std::string& what, auto&& fn, const std::vector<T>& initial) {
      if (!e.empty()) return;
      T* d = dev.out(initial);
      T* h = cpu.out(initial);
      fn(ops_, dev, d);
      fn(cpu_, cpu, h);
      const std::vector<T> got = dev.get(d, initial.size());
      e = compareImages(what, got, cpu.get(h, initial.size()));
      const std::size_t image = initial.size() / std::size_t(c.n);
      for (int i = 0; i < c.n && e.empty(); ++i)
        if (std::find(c.active.begin(), c.active.end(), i) == c.active.end() &&
            !std::equal(got.begin() + i * image, got.begin() + (i + 1) * image,
                        initial.begin() + i * image))
          e = what + ": inactive image " + std::to_string(i) + " was written";
    };
    both(
        "correlate",
        [&](auto& o, Buffers& buf, T* out) { o.correlate(g, c.active, buf.in(x), buf.in(w), out); },
        sentinel_z);
    both(
        "correlateAdjoint",
        [&](auto& o, Buffers& buf, T* out) {
          o.correlateAdjoint(g, c.active, buf.in(z), buf.in(w), out);
        },
        sentinel_x);
    both(
        "correlateAdd",
        [&](auto& o, Buffers& buf, T* out) {
          o.correlateAdd(g, c.active, buf.in(x), buf.in(w), out);
        },
        sentinel_z);
    both(
        "correlateAdjointAdd",
        [&](auto& o, Buffers& buf, T* out) {
          o.correlateAdjointAdd(g, c.active, buf.in(z), buf.in(w), out);
        },
        sentinel_x);
    for (auto kind : kMapKinds)
      both(
          "sandwich " + std::to_string(int(kind)),
          [&](auto& o, Buffers& buf, T* out) {
            o.sandwich(g, c.active, buf.in(x), buf.in(w), map(buf, kind), out);
          },
          sentinel_x);
    for (auto kind : kMapKinds)
      both(
          "mapResponses " + std::to_string(int(kind)),
          [&](auto& o, Buffers& buf, T* out) {
            o.mapResponses(map(buf, kind), c.out, g.plane(), c.active, buf.in(z), out);
          },
          sentinel_z);
    both(
        "multiply",
        [&](auto& o, Buffers& buf, T* out) {
          o.multiply(std::size_t(c.out) * g.plane(), c.active, buf.in(z), buf.in(a), out);
        },
        sentinel_z);
    const std::size_t zimage = std::size_t(c.out) * g.plane();
    both(
        "multiplyAdd",
        [&](auto& o, Buffers& buf, T* out) {
          o.multiplyAdd(zimage, c.active, buf.in(z), buf.in(a), buf.in(b), buf.in(z), out);
        },
        sentinel_z);
    both(
        "fill", [&](auto& o, Buffers&, T* out) { o.fill(zimage, c.active, T(0.25), out); },
        sentinel_z);
    both(
        "addTo", [&](auto& o, Buffers& buf, T* out) { o.addTo(zimage, c.active, buf.in(a), out); },
        sentinel_z);
    for (int part = 0; part < 3; ++part)
      both(
          "softplus " + std::to_string(part),
          [&](auto& o, Buffers& buf, T* out) {
            T* other = buf.out(sentinel_z);
            T* outputs[3] = {other, other, other};
            outputs[part] = out;
            o.softplus(zimage, c.active, T(4), buf.in(z), outputs[0], outputs[1], outputs[2]);
          },
          sentinel_z);
    both(
        "addChannelBias",
        [&](auto& o, Buffers& buf, T* out) {
          o.addChannelBias(c.out, g.plane(), c.active, buf.in(scale), out);
        },
        sentinel_z);
    if (!e.empty()) return e;
    {
      std::vector<double> got(c.active.size() * c.out), want(got.size());
      ops_.channelSums(c.out, g.plane(), c.active, dev.in(z), got.data());
      cpu_.channelSums(c.out, g.plane(), c.active, cpu.in(z), want.data());
      if (e = compare("channelSums", got, want); !e.empty()) return e;
    }
    auto tv = [&](Buffers& buf) {
      std::vector<T> bounds(scale);
      for (T& v : bounds)
        v /= nu;
      return backend::TvMaps<T>{c.in, c.h, c.w, nu, buf.in(scale), buf.in(bounds), buf.in(y)};
    };
    for (auto map : {backend::TvMap::kGradient, backend::TvMap::kHessian, backend::TvMap::kBound})
      both(
          "tvSandwich " + std::to_string(int(map)),
          [&](auto& o, Buffers& buf, T* out) {
            o.tvSandwich(map, tv(buf), c.active, buf.in(x), out);
          },
          sentinel_x);
    if (!e.empty()) return e;
    {
      std::vector<double> got(c.active.size() * c.in), want(got.size());
      ops_.tvValues(tv(dev), c.active, dev.in(x), got.data());
      cpu_.tvValues(tv(cpu), c.active, cpu.in(x), want.data());
      if (e = compare("tvValues", got, want); !e.empty()) return e;
      got.resize(2 * got.size());
      want.resize(got.size());
      ops_.tvMixedTerms(tv(dev), c.active, dev.in(x), dev.in(y), got.data());
      cpu_.tvMixedTerms(tv(cpu), c.active, cpu.in(x), cpu.in(y), want.data());
      if (e = compare("tvMixedTerms", got, want); !e.empty()) return e;
    }

    // A chain of two layers: in -> out (the case's kernel), out -> 2 (3 x 3), its splines.
    backend::ConvGeometry g2 = g;
    g2.in_channels = c.out;
    g2.out_channels = 2;
    g2.k = 3;
    const std::vector<T> w2 = random(std::size_t(2) * c.out * 9, -0.5, 0.5);
    const std::size_t ys = std::size_t(c.n) * 2 * g.plane();
    auto chain = [&](Buffers& buf) { return backend::Chain<T>{{g, g2}, {buf.in(w), buf.in(w2)}}; };
    auto splines = [&](Buffers& buf) {
      return backend::Splines<T>{2, 7, T(0.8), T(2 * 0.8 / 6), buf.in(knots)};
    };
    both(
        "chainForward",
        [&](auto& o, Buffers& buf, T* out) {
          T* first = buf.out(sentinel_z);
          o.chainForward(chain(buf), c.active, buf.in(x), {first, out});
        },
        random(ys, 5, 6));
    const std::vector<T> factor = random(ys, -1, 1);
    for (auto kind : {backend::ResponseMap<T>::kSplineValue, backend::ResponseMap<T>::kMultiply,
                      backend::ResponseMap<T>::kChannelScale})
      both(
          "chainSandwich " + std::to_string(int(kind)),
          [&](auto& o, Buffers& buf, T* out) {
            backend::ResponseMap<T> m = map(buf, kind);
            m.splines = splines(buf);
            m.factor = buf.in(factor);
            o.chainSandwich(chain(buf), c.active, buf.in(x), m, out);
          },
          sentinel_x);
    const std::vector<T> zc = random(ys, -1, 1), rc = random(ys, -1, 1);
    both(
        "crrMixedTerms g1",
        [&](auto& o, Buffers& buf, T* out) {
          std::vector<double> sums(2 * c.active.size()), dc(c.active.size() * 14);
          T* g2out = buf.out(zc);
          o.crrMixedTerms(splines(buf), T(0.6), T(1.7), g.plane(), c.active, buf.in(zc), buf.in(rc),
                          out, g2out, sums.data(), dc.data());
        },
        random(ys, 5, 6));
    if (!e.empty()) return e;
    {
      std::vector<double> got(c.active.size()), want(got.size());
      ops_.splineIntegralSums(splines(dev), T(1.7), g.plane(), c.active, dev.in(zc), got.data());
      cpu_.splineIntegralSums(splines(cpu), T(1.7), g.plane(), c.active, cpu.in(zc), want.data());
      if (e = compare("splineIntegralSums", got, want); !e.empty()) return e;
      std::vector<double> sums(2 * c.active.size()), sums_cpu(sums.size());
      std::vector<double> dc(c.active.size() * 14), dc_cpu(dc.size());
      ops_.crrMixedTerms(splines(dev), T(0.6), T(1.7), g.plane(), c.active, dev.in(zc), dev.in(rc),
                         dev.out(zc), dev.out(zc), sums.data(), dc.data());
      cpu_.crrMixedTerms(splines(cpu), T(0.6), T(1.7), g.plane(), c.active, cpu.in(zc), cpu.in(rc),
                         cpu.out(zc), cpu.out(zc), sums_cpu.data(), dc_cpu.data());
      if (e = compare("crrMixedTerms sums", sums, sums_cpu); !e.empty()) return e;
      if (e = compare("crrMixedTerms knots", dc, dc_cpu); !e.empty()) return e;
    }

    const std::size_t terms = c.active.size() * ws;
    std::vector<double> got(terms), want(terms);
    for (bool two : {false, true}) {
      ops_.weightGradients(g, c.active, dev.in(x), dev.in(a), two ? dev.in(y) : nullptr,
                           two ? dev.in(b) : nullptr, got.data());
      cpu_.weightGradients(g, c.active, cpu.in(x), cpu.in(a), two ? cpu.in(y) : nullptr,
                           two ? cpu.in(b) : nullptr, want.data());
      if (e = compare(two ? "weightGradients (two terms)" : "weightGradients", got, want);
          !e.empty())
        return e;
    }
    std::vector<double> sums(2 * c.active.size() * c.out), sums_cpu(sums.size());
    ops_.foeMixedTerms(g, maps(dev), c.active, dev.in(x), dev.in(y), dev.in(w), sums.data(),
                       got.data());
    cpu_.foeMixedTerms(g, maps(cpu), c.active, cpu.in(x), cpu.in(y), cpu.in(w), sums_cpu.data(),
                       want.data());
    if (e = compare("foeMixedTerms sums", sums, sums_cpu); !e.empty()) return e;
    if (e = compare("foeMixedTerms weights", got, want); !e.empty()) return e;
    std::vector<double> phi(c.active.size() * c.out), phi_cpu(phi.size());
    ops_.foePhiSums(maps(dev), c.active, dev.in(z), phi.data());
    cpu_.foePhiSums(maps(cpu), c.active, cpu.in(z), phi_cpu.data());
    return compare("foePhiSums", phi, phi_cpu);
  }

  static constexpr typename backend::ResponseMap<T>::Kind kMapKinds[] = {
      backend::ResponseMap<T>::kFoeGradient, backend::ResponseMap<T>::kFoeSecond,
      backend::ResponseMap<T>::kFoeBound,    backend::ResponseMap<T>::kSplineValue,
      backend::ResponseMap<T>::kSplineSlope, backend::ResponseMap<T>::kMultiply,
      backend::ResponseMap<T>::kChannelScale};

  backend::Ops<T>& ops_;
  backend::CpuOps<T> cpu_;
  double tolerance_;
  std::mt19937 rng_{20261207};
};

}  // namespace bilevel::test
