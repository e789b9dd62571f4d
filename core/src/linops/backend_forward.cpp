#include "linops/backend_forward.h"

namespace bilevel {

template <typename T>
BackendForward<T>::BackendForward(const ForwardOperator<T>& op, backend::Ops<T>& ops)
    : op_(op), ops_(ops) {
  const Shape& s = op.imageShape();
  if (const auto* blur = dynamic_cast<const GaussianBlurOperator<T>*>(&op)) {
    blur_.in_channels = blur_.out_channels = 1;
    blur_.h = s.h;
    blur_.w = s.w;
    blur_.k = blur->options().size;
    blur_.reflect = blur->options().boundary == Boundary::kReflect101;
    kernel_.assign(ops, blur->kernel());
  } else if (const auto* mask = dynamic_cast<const InpaintingOperator<T>*>(&op)) {
    masks_ = OnBackend(mask->masks(), &ops);
  }
}

template <typename T>
void BackendForward<T>::apply(const std::vector<int>& active, const Batch<T>& in, Batch<T>& out,
                              bool adjoint) {
  const std::size_t size = in.imageSize();
  switch (op_.kind()) {
    case OperatorKind::kIdentity:
      ops_.copyImages(size, active, in.data(), out.data());
      return;
    case OperatorKind::kInpainting:
      ops_.multiply(size, active, masks_.data(), in.data(), out.data());
      return;
    case OperatorKind::kGaussianBlur: {
      // Channel plane c of image i is one-channel image i C + c.
      const int channels = in.c();
      planes_.clear();
      for (int i : active)
        for (int c = 0; c < channels; ++c)
          planes_.push_back(i * channels + c);
      if (adjoint)
        ops_.correlateAdjoint(blur_, planes_, in.data(), kernel_.data(), out.data());
      else
        ops_.correlate(blur_, planes_, in.data(), kernel_.data(), out.data());
      return;
    }
  }
}

template class BackendForward<float>;
template class BackendForward<double>;

}  // namespace bilevel
