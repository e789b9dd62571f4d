#include "bilevel/backend_info.h"

#include "bilevel/thread_pool.h"

namespace bilevel {

std::string CpuBackendDescription() {
  std::string isa;
#if defined(__AVX512F__)
  isa = "AVX-512";
#elif defined(__AVX2__) && defined(__FMA__)
  isa = "AVX2+FMA";
#elif defined(__SSE2__)
  isa = "SSE2";
#else
  isa = "scalar";
#endif
  const int threads = ThreadCount();
  return "CPU: " + std::to_string(threads) + (threads == 1 ? " thread" : " threads") + " (" + isa +
         ")";
}

#ifndef BILEVEL_HAVE_CUDA
CudaDeviceInfo QueryCudaDevice() {
  CudaDeviceInfo info;
  info.message = "built without the CUDA backend";
  return info;
}
#endif

}  // namespace bilevel
