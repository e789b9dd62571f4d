// Command-line options that choose a forward operator for single images: denoise, deblur, or
// inpaint with a mask image.
#pragma once

#include <QCommandLineParser>
#include <memory>

#include "bilevel/forward_operator.h"
#include "bilevel/problem_data.h"

namespace cli {

struct OperatorFlags {
  QCommandLineOption problem{"problem", "denoise, deblur or inpaint.", "KIND", "denoise"};
  QCommandLineOption blur_size{"blur-size", "Gaussian blur size (deblur).", "K", "7"};
  QCommandLineOption blur_sigma{"blur-sigma", "Gaussian blur sigma in pixels (deblur).", "S", "2"};
  QCommandLineOption mask{"mask",
                          "Inpaint: an image of the observed pixels (white observed, black "
                          "missing), the size of the input.",
                          "IMG"};
  QCommandLineOption mu0{"mu0", "Strong convexity mu0 of the lower level.", "M", "0"};
  void addTo(QCommandLineParser& parser) const {
    parser.addOptions({problem, blur_size, blur_sigma, mask, mu0});
  }
  template <typename T>
  bilevel::Status make(const QCommandLineParser& parser, const bilevel::Shape& shape,
                       std::unique_ptr<bilevel::ForwardOperator<T>>* op, double* mu) const {
    bool ok_mu = false;
    *mu = parser.value(mu0).toDouble(&ok_mu);
    if (!ok_mu || !(*mu >= 0)) return bilevel::Status::Error("--mu0 takes a number >= 0");
    const auto kind = bilevel::OperatorKindFromString(parser.value(problem).toStdString());
    if (kind == bilevel::OperatorKind::kIdentity) {
      *op = std::make_unique<bilevel::IdentityOperator<T>>(shape);
      return bilevel::Status::Ok();
    }
    if (kind == bilevel::OperatorKind::kGaussianBlur) {
      bool ok_k = false, ok_s = false;
      bilevel::GaussianBlurOptions blur;
      blur.size = parser.value(blur_size).toInt(&ok_k);
      blur.sigma = parser.value(blur_sigma).toDouble(&ok_s);
      if (!ok_k || !ok_s)
        return bilevel::Status::Error("--blur-size and --blur-sigma take numbers");
      bilevel::Status s;
      *op = bilevel::GaussianBlurOperator<T>::Create(shape, blur, &s);
      return s;
    }
    if (kind == bilevel::OperatorKind::kInpainting) {
      if (!parser.isSet(mask)) return bilevel::Status::Error("--problem inpaint needs --mask IMG");
      bilevel::Batch<T> masks;
      if (bilevel::Status s =
              bilevel::ReadMaskImage(parser.value(mask).toStdString(), shape, &masks);
          !s.ok())
        return s;
      *op = std::make_unique<bilevel::InpaintingOperator<T>>(std::move(masks));
      return bilevel::Status::Ok();
    }
    return bilevel::Status::Error("--problem takes denoise, deblur or inpaint, got '" +
                                  parser.value(problem).toStdString() + "'");
  }
};

}  // namespace cli
