// How the CPU backend spreads an operation over its thread pool: over the active images, over row
// bands of them when there are fewer images than threads, and over (image, channel) pairs. The
// split never changes a value: each task computes whole rows or planes with the same arithmetic.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>

#include "backend/kernels/correlation_point.h"
#include "backend/ops.h"
#include "bilevel/boundary.h"
#include "bilevel/thread_pool.h"

namespace bilevel::backend::tasks {

// Row bands per image so that a few images still keep every thread busy.
inline int BandsPerImage(int images, int rows) {
  const int threads = ThreadCount();
  if (images >= threads || images == 0) return 1;
  const int want = 2 * ((threads + images - 1) / images);
  return std::max(1, std::min(want, rows / 8));
}

// body(k, i, y0, y1) on bands of rows [0, rows) of each active image i = active[k].
inline void ForBands(const Active& active, int rows,
                     const std::function<void(int, int, int, int)>& body) {
  const int nb = BandsPerImage(int(active.size()), rows);
  ParallelFor(int(active.size()) * nb, [&](int task) {
    const int k = task / nb, b = task % nb;
    const int y0 = int(std::int64_t(rows) * b / nb), y1 = int(std::int64_t(rows) * (b + 1) / nb);
    if (y0 < y1) body(k, active[k], y0, y1);
  });
}

// body(k, i, j) for each active image i = active[k] and channel j.
inline void ForChannels(const Active& active, int channels,
                        const std::function<void(int, int, int)>& body) {
  ParallelFor(int(active.size()) * channels, [&](int task) {
    const int k = task / channels;
    body(k, active[k], task % channels);
  });
}

// One step of an operation: body(k, i, y0, y1) on rows [y0, y1) of the `rows` rows of image
// i = active[k], or on the whole image (y0 = y1 = 0) when rows is 0. Scratch is kept by position
// k, so that an operation on one image uses one slot whichever image it is.
struct Step {
  int rows = 0;
  std::function<void(int, int, int, int)> body;
};

// Runs the steps in order on the active images. With at least as many images as threads, an
// image goes through all steps in one task, so that its intermediates stay in that thread's
// cache and the pool is woken once; otherwise each step is a loop of its own, over row bands
// where it has rows.
inline void RunSteps(const Active& active, std::initializer_list<Step> steps) {
  if (int(active.size()) >= ThreadCount()) {
    ParallelFor(int(active.size()), [&](int k) {
      for (const Step& s : steps)
        s.body(k, active[k], 0, s.rows);
    });
    return;
  }
  for (const Step& s : steps) {
    if (s.rows > 0) {
      ForBands(active, s.rows, s.body);
    } else {
      ParallelFor(int(active.size()), [&](int k) { s.body(k, active[k], 0, 0); });
    }
  }
}

inline Boundary RuleOf(const kernels::ConvGeometry& g) {
  return g.reflect ? Boundary::kReflect101 : Boundary::kZero;
}

}  // namespace bilevel::backend::tasks
