#include "bilevel/boundary.h"

#include <algorithm>
#include <cstddef>

#include "backend/kernels/boundary_index.h"

namespace bilevel {

using kernels::SourceIndex;

const char* ToString(Boundary boundary) {
  switch (boundary) {
    case Boundary::kReflect101:
      return "reflect101";
    case Boundary::kZero:
      return "zero";
  }
  return "unknown";
}

std::optional<Boundary> BoundaryFromString(std::string_view text) {
  if (text == "reflect101" || text == "reflect" || text == "mirror") return Boundary::kReflect101;
  if (text == "zero") return Boundary::kZero;
  return std::nullopt;
}

template <typename T>
void Pad(const T* src, int channels, int h, int w, int r, Boundary boundary, T* dst) {
  const int hp = h + 2 * r, wp = w + 2 * r;
  for (int c = 0; c < channels; ++c) {
    const T* s = src + std::size_t(c) * h * w;
    T* d = dst + std::size_t(c) * hp * wp;
    for (int py = 0; py < hp; ++py) {
      T* drow = d + std::size_t(py) * wp;
      const int sy = SourceIndex(py - r, h, boundary);
      if (sy < 0) {
        std::fill(drow, drow + wp, T(0));
        continue;
      }
      const T* srow = s + std::size_t(sy) * w;
      for (int px = 0; px < r; ++px) {
        const int sx = SourceIndex(px - r, w, boundary);
        drow[px] = sx < 0 ? T(0) : srow[sx];
      }
      std::copy(srow, srow + w, drow + r);
      for (int px = r + w; px < wp; ++px) {
        const int sx = SourceIndex(px - r, w, boundary);
        drow[px] = sx < 0 ? T(0) : srow[sx];
      }
    }
  }
}

template <typename T>
void PadAdjoint(const T* src, int channels, int h, int w, int r, Boundary boundary, T* dst) {
  const int hp = h + 2 * r, wp = w + 2 * r;
  for (int c = 0; c < channels; ++c) {
    const T* s = src + std::size_t(c) * hp * wp;
    T* d = dst + std::size_t(c) * h * w;
    // The interior maps one to one; border pixels fold onto their sources.
    for (int y = 0; y < h; ++y) {
      const T* srow = s + std::size_t(y + r) * wp + r;
      std::copy(srow, srow + w, d + std::size_t(y) * w);
    }
    if (boundary == Boundary::kZero || r == 0) continue;
    for (int py = 0; py < hp; ++py) {
      const int sy = SourceIndex(py - r, h, boundary);
      const bool border_row = py < r || py >= r + h;
      const T* srow = s + std::size_t(py) * wp;
      T* drow = d + std::size_t(sy) * w;
      for (int px = 0; px < wp; ++px) {
        const bool border_col = px < r || px >= r + w;
        if (!border_row && !border_col) {
          px = r + w - 1;  // skip the interior of this row
          continue;
        }
        drow[SourceIndex(px - r, w, boundary)] += srow[px];
      }
    }
  }
}

template void Pad<float>(const float*, int, int, int, int, Boundary, float*);
template void Pad<double>(const double*, int, int, int, int, Boundary, double*);
template void PadAdjoint<float>(const float*, int, int, int, int, Boundary, float*);
template void PadAdjoint<double>(const double*, int, int, int, int, Boundary, double*);

}  // namespace bilevel
