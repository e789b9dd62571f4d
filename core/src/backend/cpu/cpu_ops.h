// The CPU implementation of the backend seam (backend/ops.h): host memory, the tiled correlation
// of correlation_rows.h over padded copies, and the pointwise maps of kernels/pointwise_maps.h,
// spread over the thread pool by image and row band (image_tasks.h). The correlations are in
// cpu_ops_correlate.cpp, the chains and splines of the convex ridge regularizer in
// cpu_ops_chain.cpp, smoothed TV's in cpu_ops_tv.cpp, per-image vectors in cpu_ops_vectors.cpp.
// Each operation keeps the order of operations the CPU regularizers have always had, so that
// their numbers stay bit for bit.
#pragma once

#include <memory>
#include <vector>

#include "backend/cpu/image_tasks.h"
#include "backend/cpu/image_vectors.h"
#include "backend/ops.h"

namespace bilevel::backend {

template <typename T>
class CpuOps final : public Ops<T> {
 public:
  const char* name() const override { return "cpu"; }
  bool hostMemory() const override { return true; }
  // One image per pass, on per-thread CpuOps (a single image runs on the calling thread).
  void perImage(const Active& active, const typename Ops<T>::Pass& pass) override;

  T* allocate(std::size_t count) override;
  void release(T* data) noexcept override;
  void upload(const T* host, std::size_t count, T* dst) override;
  void download(const T* src, std::size_t count, T* host) override;
  void copy(const T* src, std::size_t count, T* dst) override;

  void correlate(const ConvGeometry& g, const Active& active, const T* x, const T* weights,
                 T* z) override;
  void correlateAdjoint(const ConvGeometry& g, const Active& active, const T* z, const T* weights,
                        T* x) override;
  void correlateAdd(const ConvGeometry& g, const Active& active, const T* x, const T* weights,
                    T* z) override;
  void correlateAdjointAdd(const ConvGeometry& g, const Active& active, const T* z,
                           const T* weights, T* x) override;
  void sandwich(const ConvGeometry& g, const Active& active, const T* x, const T* weights,
                const ResponseMap<T>& map, T* out) override;
  void weightGradients(const ConvGeometry& g, const Active& active, const T* x, const T* a,
                       const T* y, const T* b, double* grad) override;

  void mapResponses(const ResponseMap<T>& map, int channels, std::size_t plane,
                    const Active& active, const T* z, T* out) override;
  void foeMixedTerms(const ConvGeometry& g, const FoeMaps<T>& f, const Active& active, const T* x,
                     const T* q, const T* weights, double* sums, double* grad) override;
  void foePhiSums(const FoeMaps<T>& f, const Active& active, const T* z, double* sums) override;

  void chainForward(const Chain<T>& chain, const Active& active, const T* x,
                    const std::vector<T*>& outputs) override;
  void chainSandwich(const Chain<T>& chain, const Active& active, const T* x,
                     const ResponseMap<T>& map, T* out) override;
  void splineIntegralSums(const Splines<T>& s, T mu, std::size_t plane, const Active& active,
                          const T* z, double* sums) override;
  void crrMixedTerms(const Splines<T>& s, T lambda, T mu, std::size_t plane, const Active& active,
                     const T* z, const T* r, T* g1, T* g2, double* sums, double* dc) override;

  void tvSandwich(TvMap map, const TvMaps<T>& t, const Active& active, const T* v, T* out) override;
  void tvValues(const TvMaps<T>& t, const Active& active, const T* x, double* sums) override;
  void tvMixedTerms(const TvMaps<T>& t, const Active& active, const T* x, const T* q,
                    double* sums) override;

  void multiply(std::size_t size, const Active& active, const T* a, const T* b, T* out) override;
  void multiplyAdd(std::size_t size, const Active& active, const T* a, const T* b, const T* c,
                   const T* d, T* out) override;
  void fill(std::size_t size, const Active& active, T value, T* x) override;
  void addTo(std::size_t size, const Active& active, const T* x, T* y) override;
  void softplus(std::size_t size, const Active& active, T beta, const T* t, T* act, T* slope,
                T* curvature) override;
  void addChannelBias(int channels, std::size_t plane, const Active& active, const T* bias,
                      T* x) override;
  void channelSums(int channels, std::size_t plane, const Active& active, const T* x,
                   double* sums) override;

  // The solvers' vectors: cpu/image_vectors.h, shared with host batches.
  void dots(std::size_t size, const Active& active, const T* a, const T* b, double* out) override {
    cpu::Dots(size, active, a, b, out);
  }
  void norms(std::size_t size, const Active& active, const T* a, double* out) override {
    cpu::Norms(size, active, a, out);
  }
  void axpby(std::size_t size, const Active& active, const double* alpha, const T* x,
             const double* beta, T* y) override {
    cpu::Axpby(size, active, alpha, x, beta, y);
  }
  void copyImages(std::size_t size, const Active& active, const T* src, T* dst) override {
    cpu::CopyImages(size, active, src, dst);
  }
  void fistaStep(std::size_t size, const Active& active, const FistaState& state, T* x, T* y, T* g,
                 T* yp, T* gp) override {
    cpu::FistaStep(size, active, state, x, y, g, yp, gp);
  }

 private:
  // Padded copies of the active images of x (channels x (h + 2r) x (w + 2r) each) into pad, by
  // position in `active`, and the step that makes them (pad sized here). All scratch below is
  // kept by position.
  void padImages(const ConvGeometry& g, int channels, const Active& active, const T* x,
                 std::vector<T>& pad);
  tasks::Step padStep(const ConvGeometry& g, int channels, const Active& active, const T* x,
                      std::vector<T>& pad);

  // zpad_ sized and bordered for the adjoint of `g` over `images` positions, outpad_
  // sized, and flipped_ the flipped, transposed weights.
  void prepareAdjoint(const ConvGeometry& g, int images, const T* weights);
  // The adjoint's steps once zpad_ holds the images: the correlation with flipped_ into outpad_,
  // and the fold of the padding, x_i = P^T outpad_i (or, with add, x_i += it).
  tasks::Step adjointRowsStep(const ConvGeometry& g);
  tasks::Step foldStep(const ConvGeometry& g, T* x, bool add);
  void correlateInto(const ConvGeometry& g, const Active& active, const T* x, const T* weights,
                     T* z, bool add);
  void correlateAdjointInto(const ConvGeometry& g, const Active& active, const T* z,
                            const T* weights, T* x, bool add);

  std::vector<T> xpad_, ypad_, outpad_, responses_, responses2_;
  // The adjoint's input with a zero border of k - 1 that is never written, for geometry
  // zgeometry_ and zimages_ positions.
  std::vector<T> zpad_;
  ConvGeometry zgeometry_;
  int zimages_ = 0;
  std::vector<T> flipped_;
  // perImage's Ops, one per thread.
  std::vector<std::unique_ptr<CpuOps<T>>> threads_;
};

}  // namespace bilevel::backend
