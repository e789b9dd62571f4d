// The one convolution kernel of the CPU backend: a multi-channel "valid" correlation.
//
//   out[o](y, x) = sum_c sum_{u,v} weights[o][c][u][v] * src[c](y + u, x + v)
//
// for output rows [y0, y1). The source is already padded, so every read is in bounds. The forward
// FoE correlation, its adjoint (a full correlation with flipped, transposed kernels on a
// zero-padded input) and the blur all call it. Tiled so that accumulators stay in registers.
#pragma once

namespace bilevel {

struct CorrelationGeometry {
  int in_channels = 0;
  int out_channels = 0;
  int k = 0;      // square kernel size
  int src_h = 0;  // padded source height
  int src_w = 0;  // padded source width
  int out_h() const { return src_h - k + 1; }
  int out_w() const { return src_w - k + 1; }
};

// weights: out_channels x in_channels x k x k. out: out_channels x out_h x out_w (rows y0..y1-1
// written, others untouched).
template <typename T>
void CorrelateRows(const CorrelationGeometry& g, const T* src, const T* weights, T* out, int y0,
                   int y1);

// Flips each k x k kernel and swaps its in/out channels, so that the adjoint of a correlation
// with `weights` is a correlation with the result over the input zero-padded by k-1.
template <typename T>
void FlipTranspose(const T* weights, int out_channels, int in_channels, int k, T* flipped);

}  // namespace bilevel
