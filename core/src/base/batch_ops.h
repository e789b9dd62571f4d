// Per-image vector operations on batches, restricted to a list of active images. The solvers are
// written against these (and the operator interfaces in solver_interfaces.h) only. Each runs where
// its batches live (bilevel/batch.h): host batches on the CPU's image vectors
// (backend/cpu/image_vectors.h), a backend's batches through its operations (backend/ops.h).
// The batches of one call live in the same memory.
#pragma once

#include <vector>

#include "backend/ops.h"
#include "bilevel/batch.h"

namespace bilevel {

// All image indices 0..n-1.
std::vector<int> AllImages(int n);

// out[i] = <a_i, b_i> for active i (out resized to a.n(); inactive entries untouched).
template <typename T>
void Dot(const std::vector<int>& active, const Batch<T>& a, const Batch<T>& b,
         std::vector<double>& out);
template <typename T>
void Norm(const std::vector<int>& active, const Batch<T>& a, std::vector<double>& out);
// y_i = alpha[i] * x_i + beta[i] * y_i.
template <typename T>
void Axpby(const std::vector<int>& active, const std::vector<double>& alpha, const Batch<T>& x,
           const std::vector<double>& beta, Batch<T>& y);
// dst_i = src_i.
template <typename T>
void Copy(const std::vector<int>& active, const Batch<T>& src, Batch<T>& dst);
template <typename T>
void SetZero(const std::vector<int>& active, Batch<T>& x);

// FISTA's step on the active images (backend/ops.h fistaStep), the state by position in active.
template <typename T>
void FistaStep(const std::vector<int>& active, const backend::FistaState& state, Batch<T>& x,
               Batch<T>& y, Batch<T>& g, Batch<T>& yp, Batch<T>& gp);

}  // namespace bilevel
