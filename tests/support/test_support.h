// Shared helpers of the core test suites: deterministic random data independent of core's own
// generators, inner products and relative errors in double, central differences, a dense batched
// SPD operator with a known answer, and counting decorators that check the solvers' accounting.
#pragma once

#include <QString>
#include <QTest>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "bilevel/batch.h"
#include "bilevel/solver_interfaces.h"
#include "regularizers/foe.h"

namespace bilevel::test {

// ---------------------------------------------------------------------------------------------
// Random data (std::mt19937_64, so a broken core generator cannot make a test vacuous).

template <typename T>
std::vector<T> RandomValues(std::size_t count, unsigned seed, double lo = -1.0, double hi = 1.0) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + 12345u);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<T> out(count);
  for (T& v : out)
    v = T(dist(rng));
  return out;
}

template <typename T>
Batch<T> RandomData(Shape shape, unsigned seed, double lo = -1.0, double hi = 1.0) {
  Batch<T> out(shape);
  out.values() = RandomValues<T>(shape.size(), seed, lo, hi);
  return out;
}

template <typename T>
Vector<T> RandomVec(int n, unsigned seed, double lo = -1.0, double hi = 1.0) {
  const std::vector<T> v = RandomValues<T>(std::size_t(n), seed, lo, hi);
  Vector<T> out(n);
  for (int k = 0; k < n; ++k)
    out(k) = v[std::size_t(k)];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Inner products, norms and relative errors, always accumulated in long double.

template <typename A, typename B>
double DotRange(const A* a, const B* b, std::size_t n) {
  long double s = 0.0L;
  for (std::size_t k = 0; k < n; ++k)
    s += (long double)a[k] * (long double)b[k];
  return double(s);
}

template <typename T>
double DotAll(const Batch<T>& a, const Batch<T>& b) {
  return DotRange(a.data(), b.data(), std::min(a.size(), b.size()));
}

template <typename T>
double DotImage(const Batch<T>& a, const Batch<T>& b, int i) {
  return DotRange(a.image(i), b.image(i), a.imageSize());
}

template <typename T>
double NormAll(const Batch<T>& a) {
  return std::sqrt(DotAll(a, a));
}

template <typename T>
double NormImage(const Batch<T>& a, int i) {
  return std::sqrt(DotImage(a, a, i));
}

template <typename T>
double NormRange(const T* a, std::size_t n) {
  return std::sqrt(DotRange(a, a, n));
}

// |a - b| / max(|b|, floor): the relative error of a against the reference b.
inline double RelativeError(double a, double b, double floor = 1e-300) {
  const double scale = std::max(std::abs(b), floor);
  return std::abs(a - b) / scale;
}

// ||a - b|| / max(||b||, floor) over ranges.
template <typename A, typename B>
double RelativeErrorRange(const A* a, const B* b, std::size_t n, double floor = 1e-300) {
  long double diff = 0.0L, ref = 0.0L;
  for (std::size_t k = 0; k < n; ++k) {
    const long double d = (long double)a[k] - (long double)b[k];
    diff += d * d;
    ref += (long double)b[k] * (long double)b[k];
  }
  return double(std::sqrt(diff) / std::max(std::sqrt(ref), (long double)floor));
}

template <typename A, typename B>
double RelativeError(const Batch<A>& a, const Batch<B>& b, double floor = 1e-300) {
  if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
  return RelativeErrorRange(a.data(), b.data(), a.size(), floor);
}

template <typename A, typename B>
double RelativeError(const std::vector<A>& a, const std::vector<B>& b, double floor = 1e-300) {
  if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
  return RelativeErrorRange(a.data(), b.data(), a.size(), floor);
}

template <typename A, typename B>
double RelativeError(const Vector<A>& a, const Vector<B>& b, double floor = 1e-300) {
  if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
  return RelativeErrorRange(a.data(), b.data(), std::size_t(a.size()), floor);
}

// Largest |a - b| over a range.
template <typename A, typename B>
double MaxAbsDiff(const A* a, const B* b, std::size_t n) {
  double m = 0.0;
  for (std::size_t k = 0; k < n; ++k)
    m = std::max(m, std::abs(double(a[k]) - double(b[k])));
  return m;
}

// The relative discrepancy of an adjoint pair: |<Kx, y> - <x, K^T y>| / (||Kx|| ||y||).
inline double AdjointMismatch(double lhs, double rhs, double scale) {
  return std::abs(lhs - rhs) / std::max(scale, 1e-300);
}

// ---------------------------------------------------------------------------------------------
// Batch arithmetic.

// x + alpha * v.
template <typename T>
Batch<T> Shifted(const Batch<T>& x, double alpha, const Batch<T>& v) {
  Batch<T> out(x.shape());
  for (std::size_t k = 0; k < x.size(); ++k)
    out.data()[k] = T(x.data()[k] + alpha * v.data()[k]);
  return out;
}

// a - b.
template <typename T>
Batch<T> Difference(const Batch<T>& a, const Batch<T>& b) {
  Batch<T> out(a.shape());
  for (std::size_t k = 0; k < a.size(); ++k)
    out.data()[k] = a.data()[k] - b.data()[k];
  return out;
}

// Central difference (f(h) - f(-h)) / 2h of a scalar function of a step t.
inline double CentralDifference(const std::function<double(double)>& f, double h) {
  return (f(h) - f(-h)) / (2.0 * h);
}

// Central difference of a batch-valued function of a step t.
template <typename T>
Batch<T> CentralDifferenceBatch(const std::function<Batch<T>(double)>& f, double h) {
  const Batch<T> plus = f(h);
  const Batch<T> minus = f(-h);
  Batch<T> out(plus.shape());
  for (std::size_t k = 0; k < out.size(); ++k)
    out.data()[k] = T((double(plus.data()[k]) - double(minus.data()[k])) / (2.0 * h));
  return out;
}

// A unit vector in coordinate k of a parameter vector.
template <typename T>
Vector<T> UnitVector(int n, int k) {
  Vector<T> e = Vector<T>::Zero(n);
  e(k) = T(1);
  return e;
}

// ---------------------------------------------------------------------------------------------
// Field of Experts parameters for derivative checks: well-conditioned scalars (a = 0.5, nu = 0.1),
// expert weights that differ from one another, random zero-mean unit-norm kernels.

inline FoeInitOptions DerivativeCheckInit(unsigned seed = 3) {
  FoeInitOptions init;
  init.theta0 = std::log(0.5);
  init.expert_weight = 0.0;
  init.smoothing = std::log(0.1);
  init.zero_mean = true;
  init.seed = seed;
  return init;
}

template <typename T>
Vector<T> DerivativeCheckParameters(const FieldOfExperts<T>& reg, unsigned seed = 3) {
  Vector<T> theta = reg.initialParameters(DerivativeCheckInit(seed));
  for (int j = 0; j < reg.layout().kernels; ++j)
    theta(reg.layout().expertWeight(j)) = T(0.15 * j - 0.1);
  return theta;
}

// ---------------------------------------------------------------------------------------------
// Case-insensitive message checks.

inline std::string Lowered(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

// True when the message contains any of the words (case-insensitive).
inline bool MentionsAny(const std::string& message, std::initializer_list<const char*> words) {
  const std::string m = Lowered(message);
  for (const char* w : words)
    if (m.find(Lowered(w)) != std::string::npos) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Operators for the solver tests.

// Per image a dense symmetric matrix on batches of shape n x 1 x 1 x d.
template <typename T>
class DenseBatchOperator final : public BatchLinearOperator<T> {
 public:
  explicit DenseBatchOperator(std::vector<Eigen::MatrixXd> matrices)
      : matrices_(std::move(matrices)) {}
  void apply(const std::vector<int>& active, const Batch<T>& v, Batch<T>& out) override {
    for (int i : active) {
      const Eigen::MatrixXd& m = matrices_[std::size_t(i)];
      const int d = int(m.rows());
      for (int r = 0; r < d; ++r) {
        double s = 0.0;
        for (int c = 0; c < d; ++c)
          s += m(r, c) * double(v.image(i)[c]);
        out.image(i)[r] = T(s);
      }
    }
  }
  const Eigen::MatrixXd& matrix(int i) const { return matrices_[std::size_t(i)]; }

 private:
  std::vector<Eigen::MatrixXd> matrices_;
};

// A random SPD matrix Q diag(eigenvalues) Q^T.
inline Eigen::MatrixXd RandomSpd(const std::vector<double>& eigenvalues, unsigned seed) {
  const int d = int(eigenvalues.size());
  const std::vector<double> g = RandomValues<double>(std::size_t(d) * d, seed);
  Eigen::MatrixXd a(d, d);
  for (int r = 0; r < d; ++r)
    for (int c = 0; c < d; ++c)
      a(r, c) = g[std::size_t(r) * d + c];
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
  const Eigen::MatrixXd q = qr.householderQ();
  Eigen::VectorXd lambda(d);
  for (int k = 0; k < d; ++k)
    lambda(k) = eigenvalues[std::size_t(k)];
  Eigen::MatrixXd m = q * lambda.asDiagonal() * q.transpose();
  return 0.5 * (m + m.transpose());
}

// Forwards to another operator and counts, per image, how often apply() touched it.
template <typename T>
class CountingOperator final : public BatchLinearOperator<T> {
 public:
  CountingOperator(BatchLinearOperator<T>& inner, int n) : inner_(&inner), counts_(n, 0) {}
  void apply(const std::vector<int>& active, const Batch<T>& v, Batch<T>& out) override {
    for (int i : active) {
      if (i < 0 || i >= int(counts_.size())) {
        ++out_of_range_;
        continue;
      }
      ++counts_[std::size_t(i)];
    }
    ++calls_;
    inner_->apply(active, v, out);
  }
  void rebind(BatchLinearOperator<T>& inner) { inner_ = &inner; }
  const std::vector<int>& counts() const { return counts_; }
  int calls() const { return calls_; }
  int outOfRange() const { return out_of_range_; }
  void reset() {
    std::fill(counts_.begin(), counts_.end(), 0);
    calls_ = 0;
    out_of_range_ = 0;
  }

 private:
  BatchLinearOperator<T>* inner_;
  std::vector<int> counts_;
  int calls_ = 0;
  int out_of_range_ = 0;
};

// Forwards to another objective and counts, per image, gradient evaluations and applications of
// the curvature bound.
template <typename T>
class CountingObjective final : public BatchObjective<T> {
 public:
  explicit CountingObjective(BatchObjective<T>& inner)
      : inner_(inner),
        gradient_counts_(inner.shape().n, 0),
        bound_(inner.curvatureBound(), inner.shape().n) {}
  Shape shape() const override { return inner_.shape(); }
  void gradient(const std::vector<int>& active, const Batch<T>& x, Batch<T>& grad) override {
    for (int i : active)
      if (i >= 0 && i < int(gradient_counts_.size())) ++gradient_counts_[std::size_t(i)];
    inner_.gradient(active, x, grad);
  }
  BatchLinearOperator<T>& curvatureBound() override {
    bound_.rebind(inner_.curvatureBound());
    return bound_;
  }
  double strongConvexity(int i) const override { return inner_.strongConvexity(i); }

  const std::vector<int>& gradientCounts() const { return gradient_counts_; }
  const std::vector<int>& boundCounts() const { return bound_.counts(); }
  void reset() {
    std::fill(gradient_counts_.begin(), gradient_counts_.end(), 0);
    bound_.reset();
  }

 private:
  BatchObjective<T>& inner_;
  std::vector<int> gradient_counts_;
  CountingOperator<T> bound_;
};

}  // namespace bilevel::test

// Checks err <= tol with a readable message naming what was compared.
#define BILEVEL_CHECK_ERROR(err, tol, what)                                 \
  do {                                                                      \
    const double bilevel_err_ = (err);                                      \
    const double bilevel_tol_ = (tol);                                      \
    QVERIFY2(bilevel_err_ <= bilevel_tol_,                                  \
             qPrintable(QStringLiteral("%1: error %2 exceeds %3")           \
                            .arg(QString::fromStdString(std::string(what))) \
                            .arg(bilevel_err_, 0, 'g', 4)                   \
                            .arg(bilevel_tol_, 0, 'g', 4)));                \
  } while (false)

// Checks a Status / result is an error and that its message mentions one of the given words.
#define BILEVEL_CHECK_REJECTED(ok_expr, message_expr, ...)                          \
  do {                                                                              \
    const bool bilevel_ok_ = (ok_expr);                                             \
    const std::string bilevel_msg_ = (message_expr);                                \
    QVERIFY2(!bilevel_ok_, "input was accepted but should have been rejected");     \
    QVERIFY2(!bilevel_msg_.empty(), "rejected without a message");                  \
    QVERIFY2(bilevel::test::MentionsAny(bilevel_msg_, {__VA_ARGS__}),               \
             qPrintable(QStringLiteral("message does not name the problem: \"%1\"") \
                            .arg(QString::fromStdString(bilevel_msg_))));           \
  } while (false)
