// A build without the CUDA backend: no device operation table, and the reason.
#include "backend/cuda/cuda_ops.h"

namespace bilevel::backend {

template <typename T>
std::unique_ptr<Ops<T>> MakeCudaOps(int, std::string* why) {
  if (why) *why = "built without the CUDA backend";
  return nullptr;
}

template std::unique_ptr<Ops<float>> MakeCudaOps<float>(int, std::string*);
template std::unique_ptr<Ops<double>> MakeCudaOps<double>(int, std::string*);

}  // namespace bilevel::backend
