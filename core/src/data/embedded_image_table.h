// The table of the embedded default images, defined in embedded_image_data.cpp, which
// core/embedded_images.cmake generates from resources/images/*.png. Private to core.
#pragma once

#include <span>

namespace bilevel::detail {

struct EmbeddedImageEntry {
  const char* name;            // file name, e.g. "coffee-1.png"
  const unsigned char* begin;  // encoded PNG bytes
  const unsigned char* end;
};

// Sorted by name; empty when the library was built without images.
std::span<const EmbeddedImageEntry> EmbeddedImageTable();

}  // namespace bilevel::detail
