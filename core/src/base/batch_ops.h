// Per-image vector operations on batches, restricted to a list of active images. The solvers are
// written against these (and the operator interfaces in solver_interfaces.h) only. Each runs where
// its batches live (bilevel/batch.h): host batches on the CPU's image vectors
// (backend/cpu/image_vectors.h), a backend's batches through its operations (backend/ops.h).
// The batches of one call live in the same memory.
#pragma once

#include <vector>

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

// FISTA's step in three parts (backend/ops.h fistaSecants, fistaMove, fistaExtrapolate), with
// per-image scalars and results indexed by image as above:
//   FistaSecants      secants[2 i] = ||g_i - gp_i||^2, secants[2 i + 1] = ||y_i - yp_i||^2,
//                     then gp_i = g_i, yp_i = y_i (secants resized to 2 n)
//   FistaMove         g_i = y_i - step[i] g_i, restart[i] = <y_i - g_i, g_i - x_i>
//   FistaExtrapolate  y_i = g_i + beta[i] (g_i - x_i), then x_i = g_i
template <typename T>
void FistaSecants(const std::vector<int>& active, const Batch<T>& g, Batch<T>& gp,
                  const Batch<T>& y, Batch<T>& yp, std::vector<double>& secants);
template <typename T>
void FistaMove(const std::vector<int>& active, const std::vector<double>& step, const Batch<T>& y,
               Batch<T>& g, const Batch<T>& x, std::vector<double>& restart);
template <typename T>
void FistaExtrapolate(const std::vector<int>& active, const std::vector<double>& beta,
                      const Batch<T>& g, Batch<T>& x, Batch<T>& y);

}  // namespace bilevel
