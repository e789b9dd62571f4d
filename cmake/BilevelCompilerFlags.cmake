# Warnings, vector ISA and sanitizers for every target of the project.
add_library(bilevel_flags INTERFACE)
target_compile_options(bilevel_flags INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wno-sign-compare>)

if(BILEVEL_X86_64_V3 AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  include(CheckCXXSourceRuns)
  set(CMAKE_REQUIRED_FLAGS "-march=x86-64-v3")
  check_cxx_source_runs("
    #include <immintrin.h>
    int main() { return __builtin_cpu_supports(\"avx2\") && __builtin_cpu_supports(\"fma\") ? 0 : 1; }"
    BILEVEL_HOST_HAS_X86_64_V3)
  unset(CMAKE_REQUIRED_FLAGS)
  if(BILEVEL_HOST_HAS_X86_64_V3)
    target_compile_options(bilevel_flags INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-march=x86-64-v3>)
  endif()
endif()

if(BILEVEL_SANITIZE AND BILEVEL_TSAN)
  message(FATAL_ERROR "BILEVEL_SANITIZE and BILEVEL_TSAN cannot be combined")
endif()
if(BILEVEL_SANITIZE)
  target_compile_options(bilevel_flags INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(bilevel_flags INTERFACE -fsanitize=address,undefined)
endif()
if(BILEVEL_TSAN)
  target_compile_options(bilevel_flags INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(bilevel_flags INTERFACE -fsanitize=thread)
endif()
