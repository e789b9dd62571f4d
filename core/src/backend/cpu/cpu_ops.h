// The CPU implementation of the backend seam (backend/ops.h): host memory, the tiled correlation
// of correlation_rows.h over padded copies, and the pointwise maps of kernels/pointwise_maps.h,
// spread over the thread pool by image and row band; smoothed TV's in cpu_ops_tv.cpp. Each
// operation keeps the order of operations the CPU regularizers have always had, so that their
// numbers stay bit for bit.
#pragma once

#include <vector>

#include "backend/ops.h"

namespace bilevel::backend {

template <typename T>
class CpuOps final : public Ops<T> {
 public:
  const char* name() const override { return "cpu"; }

  T* allocate(std::size_t count) override;
  void release(T* data) noexcept override;
  void upload(const T* host, std::size_t count, T* dst) override;
  void download(const T* src, std::size_t count, T* host) override;
  void copy(const T* src, std::size_t count, T* dst) override;

  void correlate(const ConvGeometry& g, const Active& active, const T* x, const T* weights,
                 T* z) override;
  void correlateAdjoint(const ConvGeometry& g, const Active& active, const T* z, const T* weights,
                        T* x) override;
  void sandwich(const ConvGeometry& g, const Active& active, const T* x, const T* weights,
                const ResponseMap<T>& map, T* out) override;
  void weightGradients(const ConvGeometry& g, const Active& active, const T* x, const T* a,
                       const T* y, const T* b, double* grad) override;

  void foeMap(FoeMap map, const FoeMaps<T>& f, const Active& active, const T* z, T* out) override;
  void foeMixedTerms(const ConvGeometry& g, const FoeMaps<T>& f, const Active& active, const T* x,
                     const T* q, const T* weights, double* sums, double* grad) override;
  void foePhiSums(const FoeMaps<T>& f, const Active& active, const T* z, double* sums) override;

  void tvSandwich(TvMap map, const TvMaps<T>& t, const Active& active, const T* v, T* out) override;
  void tvValues(const TvMaps<T>& t, const Active& active, const T* x, double* sums) override;
  void tvMixedTerms(const TvMaps<T>& t, const Active& active, const T* x, const T* q,
                    double* sums) override;

  void multiply(std::size_t size, const Active& active, const T* a, const T* b, T* out) override;

 private:
  // Padded copies of the active images of x (n x channels x (h + 2r) x (w + 2r)) into pad.
  void padImages(const ConvGeometry& g, int channels, const Active& active, const T* x,
                 std::vector<T>& pad);

  // zpad_ sized and bordered for the adjoint of `g` over the first `images` images.
  void prepareAdjoint(const ConvGeometry& g, int images);
  // x_i = P^T C^T zpad_i: the adjoint's correlation and the fold of the padding.
  void adjointOfPadded(const ConvGeometry& g, const Active& active, const T* weights, T* x);

  std::vector<T> xpad_, ypad_, outpad_, responses_, responses2_;
  // The adjoint's input with a zero border of k - 1 that is never written, for geometry
  // zgeometry_ and zimages_ images.
  std::vector<T> zpad_;
  ConvGeometry zgeometry_;
  int zimages_ = 0;
  std::vector<T> flipped_;
};

}  // namespace bilevel::backend
