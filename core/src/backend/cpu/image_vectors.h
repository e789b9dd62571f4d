// The solvers' per-image vector operations on host memory (backend/ops.h, "The solvers'
// per-image vectors"), one image per task on the thread pool. The CPU backend's operations and
// host batches (base/batch_ops.h) both run these, in the order of operations FISTA and CG have
// always had, so that their numbers stay bit for bit. Results and scalars are by position k in
// `active`. Stateless: safe from several threads at once.
#pragma once

#include <cstddef>
#include <vector>

#include "backend/ops.h"

namespace bilevel::cpu {

using Active = std::vector<int>;

template <typename T>
void Dots(std::size_t size, const Active& active, const T* a, const T* b, double* out);
template <typename T>
void Norms(std::size_t size, const Active& active, const T* a, double* out);
template <typename T>
void Axpby(std::size_t size, const Active& active, const double* alpha, const T* x,
           const double* beta, T* y);
// dst_i = src_i, or zeros when src is null.
template <typename T>
void CopyImages(std::size_t size, const Active& active, const T* src, T* dst);
template <typename T>
void FistaStep(std::size_t size, const Active& active, const backend::FistaState& state, T* x, T* y,
               T* g, T* yp, T* gp);

}  // namespace bilevel::cpu
