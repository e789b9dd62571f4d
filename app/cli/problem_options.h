// Command-line options that choose a forward operator (denoise or deblur) for single images,
// and reading a learned regularizer from .json or .npz.
#pragma once

#include <QCommandLineParser>
#include <memory>

#include "bilevel/forward_operator.h"
#include "bilevel/regularizer_io.h"

namespace cli {

struct ProblemOptions {
  QCommandLineOption problem{"problem", "denoise or deblur.", "KIND", "denoise"};
  QCommandLineOption blur_size{"blur-size", "Gaussian blur size (deblur).", "K", "7"};
  QCommandLineOption blur_sigma{"blur-sigma", "Gaussian blur sigma in pixels (deblur).", "S", "2"};
  QCommandLineOption mu0{"mu0", "Strong convexity mu0 of the lower level.", "M", "0"};
  void addTo(QCommandLineParser& parser) const {
    parser.addOptions({problem, blur_size, blur_sigma, mu0});
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
    return bilevel::Status::Error("--problem takes denoise or deblur, got '" +
                                  parser.value(problem).toStdString() + "'");
  }
};

}  // namespace cli
