#include "bilevel/metrics.h"

#include <cmath>
#include <limits>

namespace bilevel {

template <typename T>
double SquaredError(const Batch<T>& a, const Batch<T>& b, int i) {
  const T* pa = a.image(i);
  const T* pb = b.image(i);
  double sum = 0.0;
  for (std::size_t p = 0; p < a.imageSize(); ++p) {
    const double d = double(pa[p]) - double(pb[p]);
    sum += d * d;
  }
  return sum;
}

template <typename T>
double Psnr(const Batch<T>& estimate, const Batch<T>& reference, int i) {
  const double mse = SquaredError(estimate, reference, i) / double(estimate.imageSize());
  if (mse <= 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(1.0 / mse);
}

template <typename T>
double MeanPsnr(const Batch<T>& estimate, const Batch<T>& reference) {
  if (estimate.n() == 0) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0.0;
  for (int i = 0; i < estimate.n(); ++i)
    sum += Psnr(estimate, reference, i);
  return sum / estimate.n();
}

template double SquaredError<float>(const Batch<float>&, const Batch<float>&, int);
template double SquaredError<double>(const Batch<double>&, const Batch<double>&, int);
template double Psnr<float>(const Batch<float>&, const Batch<float>&, int);
template double Psnr<double>(const Batch<double>&, const Batch<double>&, int);
template double MeanPsnr<float>(const Batch<float>&, const Batch<float>&);
template double MeanPsnr<double>(const Batch<double>&, const Batch<double>&);

}  // namespace bilevel
