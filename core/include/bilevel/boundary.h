// Boundary rules for image correlations and the exact adjoint of the padding they imply.
//
// A correlation with a k x k kernel reads pixels up to r = k/2 outside the image. The rule says
// what those pixels are: Reflect101 mirrors without repeating the edge pixel (OpenCV
// BORDER_REFLECT_101, PyTorch padding_mode='reflect'); Zero reads zeros. Padding is a linear map P
// from C x H x W to C x (H+2r) x (W+2r); PadAdjoint applies P^T, which folds mirrored pixels back
// onto their sources.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bilevel {

enum class Boundary { kReflect101, kZero };

const char* ToString(Boundary boundary);
std::optional<Boundary> BoundaryFromString(std::string_view text);

// dst (channels x (h+2r) x (w+2r)) = P src (channels x h x w).
template <typename T>
void Pad(const T* src, int channels, int h, int w, int r, Boundary boundary, T* dst);

// dst (channels x h x w) = P^T src (channels x (h+2r) x (w+2r)). Overwrites dst.
template <typename T>
void PadAdjoint(const T* src, int channels, int h, int w, int r, Boundary boundary, T* dst);

}  // namespace bilevel
