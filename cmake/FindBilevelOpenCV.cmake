# Finds OpenCV's core, imgproc, imgcodecs and photo modules and provides the targets opencv_core,
# opencv_imgproc, opencv_imgcodecs and opencv_photo (non-local means, a baseline). Uses OpenCV's
# own CMake config when it is installed (Debian's
# libopencv-dev); otherwise finds the per-module development packages (libopencv-core-dev, ...),
# which ship headers and libraries but no config.
find_package(OpenCV 4 QUIET CONFIG COMPONENTS core imgproc imgcodecs photo)
if(OpenCV_FOUND)
  set(BilevelOpenCV_FOUND TRUE)
  set(BilevelOpenCV_VERSION ${OpenCV_VERSION})
  return()
endif()

find_path(BilevelOpenCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4)
set(_bilevel_opencv_vars BilevelOpenCV_INCLUDE_DIR)
foreach(module core imgproc imgcodecs photo)
  find_library(BilevelOpenCV_${module}_LIBRARY opencv_${module})
  list(APPEND _bilevel_opencv_vars BilevelOpenCV_${module}_LIBRARY)
endforeach()
if(BilevelOpenCV_INCLUDE_DIR AND EXISTS ${BilevelOpenCV_INCLUDE_DIR}/opencv2/core/version.hpp)
  file(STRINGS ${BilevelOpenCV_INCLUDE_DIR}/opencv2/core/version.hpp _v REGEX "#define CV_VERSION_(MAJOR|MINOR|REVISION) ")
  string(REGEX REPLACE ".*MAJOR +([0-9]+).*MINOR +([0-9]+).*REVISION +([0-9]+).*" "\\1.\\2.\\3"
         BilevelOpenCV_VERSION "${_v}")
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(BilevelOpenCV REQUIRED_VARS ${_bilevel_opencv_vars}
                                  VERSION_VAR BilevelOpenCV_VERSION)
if(BilevelOpenCV_FOUND)
  foreach(module core imgproc imgcodecs photo)
    if(NOT TARGET opencv_${module})
      add_library(opencv_${module} UNKNOWN IMPORTED)
      set_target_properties(opencv_${module} PROPERTIES
        IMPORTED_LOCATION ${BilevelOpenCV_${module}_LIBRARY}
        INTERFACE_INCLUDE_DIRECTORIES ${BilevelOpenCV_INCLUDE_DIR})
    endif()
  endforeach()
  set_property(TARGET opencv_imgproc PROPERTY INTERFACE_LINK_LIBRARIES opencv_core)
  set_property(TARGET opencv_imgcodecs PROPERTY INTERFACE_LINK_LIBRARIES opencv_imgproc opencv_core)
  set_property(TARGET opencv_photo PROPERTY INTERFACE_LINK_LIBRARIES opencv_imgproc opencv_core)
endif()
