// Where a pixel outside the image reads from under the two boundary rules, for the kernel bodies
// of both backends and the CPU's padding: reflect-101 (x_{-1} = x_1, x_n = x_{n-2}) or zero.
#pragma once

#include "backend/host_device.h"
#include "bilevel/boundary.h"

namespace bilevel::kernels {

// The source of index i of a row or column of n values; -1 reads zero. Under reflect-101 an
// index within n - 1 of the image reflects once; one further out (a tile's overhang) reads zero.
BILEVEL_HD inline int SourceIndex(int i, int n, bool reflect) {
  if (i >= 0 && i < n) return i;
  if (!reflect) return -1;
  const int j = i < 0 ? -i : 2 * n - 2 - i;
  return (j >= 0 && j < n) ? j : -1;
}

BILEVEL_HD inline int SourceIndex(int i, int n, Boundary boundary) {
  return SourceIndex(i, n, boundary == Boundary::kReflect101);
}

// The indices i in [-r, n + r) whose source is s (0 <= s < n), in increasing order: s itself and,
// under reflect-101, its mirror images within the frame of r. Returns how many (1 to 3).
BILEVEL_HD inline int MirrorImages(int s, int n, int r, bool reflect, int out[3]) {
  int count = 0;
  if (reflect && s >= 1 && s <= r) out[count++] = -s;
  out[count++] = s;
  if (reflect && s <= n - 2 && 2 * n - 2 - s < n + r) out[count++] = 2 * n - 2 - s;
  return count;
}

}  // namespace bilevel::kernels
