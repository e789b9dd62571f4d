// The regularizer interface (DESIGN.md section 2). Everything above it (the lower-level problem,
// the hypergradient, the image-problem oracle, the trainer, the run folder, exports, apply and
// the application's views) works through it and never names a concrete regularizer.
//
// A regularizer R_theta(x) acts on batches of N x C x H x W images. The batched methods evaluate
// on the images listed in `active`. An object may keep scratch buffers, so one instance must not
// be used from two threads at once; make one per thread instead.
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "bilevel/batch.h"
#include "bilevel/regularizer_settings.h"
#include "bilevel/status.h"

namespace bilevel {

template <typename T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

// A named, contiguous block of the parameter vector, with the shape of its values (C order).
struct ParameterBlock {
  std::string name;  // "theta0", "expert_weights", "smoothing", "kernels"
  int offset = 0;
  int size = 0;
  std::vector<int> shape;  // empty for a scalar
};

// A readable value derived from theta for export and display, such as exp(theta0) or the kernels
// as a J x C x k x k array.
struct NamedArray {
  std::string name;
  std::vector<int> shape;  // empty: a scalar
  std::vector<double> values;
};

// A small image the application shows for a learned regularizer: a filter, a kernel.
struct FilterImage {
  int channels = 1, height = 0, width = 0;
  std::vector<double> values;  // C x H x W
  double weight = 0.0;         // its weight in R, shown beside it (e.g. a FoE expert's a * b_j)
};

// A curve the application plots for a learned regularizer, such as a learned activation: points
// (x, y) in order, and the knots (x, y) when it is a spline.
struct Curve {
  std::string name;
  std::vector<double> x, y;
  std::vector<double> knot_x, knot_y;
};

template <typename T>
class Regularizer {
 public:
  virtual ~Regularizer() = default;

  // --- What it is -------------------------------------------------------------------------
  // The settings it was made from (type, regularizer.* and init.* fields).
  virtual const RegularizerSettings& settings() const = 0;
  const std::string& type() const { return settings().type; }
  // The formula, in words, for the exported JSON.
  virtual std::string definition() const = 0;
  virtual std::vector<ParameterBlock> blocks() const = 0;
  virtual int parameterCount() const = 0;

  // --- Parameters ------------------------------------------------------------------------
  // Deterministic initial parameters from the init.* settings (their seed included).
  virtual Vector<T> initialParameters() const = 0;
  // The constraints, applied after each upper step. False when there are none to apply (then
  // theta is untouched).
  virtual bool project(Vector<T>& theta) const = 0;
  // Size and finiteness of theta, and that the values it implies do not overflow.
  virtual Status checkParameters(const Vector<T>& theta) const = 0;
  // That images of this shape fit (channels, kernel no larger than the image).
  virtual Status checkImages(const Shape& shape) const = 0;
  // Sets the parameters used by all evaluations below. theta must pass checkParameters().
  virtual void setParameters(const Vector<T>& theta) = 0;

  // --- Evaluations, at the parameters set ----------------------------------------------------
  // The backend it evaluates on (backend/ops.h): the batches passed below live in its memory
  // (bilevel/batch.h: host batches when that memory is the host's). Null for host code.
  virtual backend::Ops<T>* backend() { return nullptr; }
  // R(x_i) for each active image (into values[i]; values is resized to x.n()).
  virtual void value(const std::vector<int>& active, const Batch<T>& x,
                     std::vector<double>& values) = 0;
  // grad_i = grad_x R(x_i) (overwrites, active images only).
  virtual void gradient(const std::vector<int>& active, const Batch<T>& x, Batch<T>& grad) = 0;
  // Stores what the Hessian-vector products at x need (all images of x).
  virtual void prepareHessian(const Batch<T>& x) = 0;
  // out_i = grad_x^2 R(x_i) v_i at the x of the last prepareHessian() (overwrites).
  virtual void hessianVector(const std::vector<int>& active, const Batch<T>& v, Batch<T>& out) = 0;
  // An operator M with grad_x^2 R(x) <= M at every x, for FISTA's step: power iterations on it
  // give a Lipschitz constant. False when there is none; the solver then estimates the constant
  // from the Hessian at its starting point.
  virtual bool hasCurvatureBound() const { return false; }
  virtual void curvatureBound(const std::vector<int>& active, const Batch<T>& v, Batch<T>& out) {
    hessianVector(active, v, out);
  }
  // out = sum over active i of (d/dtheta grad_x R(x_i))^T q_i (length parameterCount()).
  virtual void mixedDerivative(const std::vector<int>& active, const Batch<T>& x, const Batch<T>& q,
                               Vector<T>& out) = 0;
  // The same terms one image at a time, in double: column k of out (parameterCount() x
  // active.size()) is (d/dtheta grad_x R(x_i))^T q_i for i = active[k], bit for bit what image i
  // gives alone, whatever else the batch holds (data-parallel runs sum them in a fixed order).
  // Default: mixedDerivative on one image at a time; types override it to work on images in
  // parallel.
  virtual void mixedDerivatives(const std::vector<int>& active, const Batch<T>& x,
                                const Batch<T>& q, Eigen::MatrixXd& out) {
    out.resize(parameterCount(), Eigen::Index(active.size()));
    Vector<T> one;
    for (std::size_t k = 0; k < active.size(); ++k) {
      mixedDerivative(std::vector<int>{active[k]}, x, q, one);
      out.col(Eigen::Index(k)) = one.template cast<double>();
    }
  }

  // The sum of mixedDerivatives' columns in order, in double: mixedDerivative for the types that
  // compute image by image.
  void sumOfMixedDerivatives(const std::vector<int>& active, const Batch<T>& x, const Batch<T>& q,
                             Vector<T>& out) {
    Eigen::MatrixXd parts;
    mixedDerivatives(active, x, q, parts);
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(parameterCount());
    for (Eigen::Index k = 0; k < parts.cols(); ++k)
      sum += parts.col(k);
    out = sum.template cast<T>();
  }

  // --- Views, for export and the application -------------------------------------------------
  // Readable values of theta in the order they are exported (JSON and .npz).
  virtual std::vector<NamedArray> readable(const Eigen::VectorXd& theta) const = 0;
  // The filters to show (may be empty).
  virtual std::vector<FilterImage> filters(const Eigen::VectorXd& /*theta*/) const { return {}; }
  // The curves to plot, such as learned activations (may be empty).
  virtual std::vector<Curve> curves(const Eigen::VectorXd& /*theta*/) const { return {}; }
};

}  // namespace bilevel
