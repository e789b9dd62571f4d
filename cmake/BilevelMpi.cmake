# Resolves BILEVEL_WITH_MPI (AUTO / ON / OFF) into BILEVEL_HAVE_MPI: data-parallel training under
# mpirun (DESIGN.md section 8). Debian 12: libopenmpi-dev and openmpi-bin.
set(BILEVEL_HAVE_MPI OFF)
if(NOT BILEVEL_WITH_MPI STREQUAL "OFF")
  find_package(MPI COMPONENTS CXX QUIET)
  if(MPI_CXX_FOUND)
    set(BILEVEL_HAVE_MPI ON)
    message(STATUS "Bilevel Studio: MPI enabled (MPI ${MPI_CXX_VERSION}, ${MPIEXEC_EXECUTABLE})")
  elseif(BILEVEL_WITH_MPI STREQUAL "ON")
    message(FATAL_ERROR "BILEVEL_WITH_MPI=ON but no MPI was found (install libopenmpi-dev)")
  else()
    message(STATUS "Bilevel Studio: no MPI found, training runs in one process")
  endif()
endif()
