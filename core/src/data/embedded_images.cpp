// The embedded default image set: names and encoded bytes of resources/images/*.png, which the
// build compiles into the library (core/embedded_images.cmake).
#include <algorithm>

#include "bilevel/dataset.h"
#include "embedded_image_table.h"

namespace bilevel {

std::vector<std::string> EmbeddedImageNames() {
  std::vector<std::string> names;
  for (const detail::EmbeddedImageEntry& entry : detail::EmbeddedImageTable())
    names.emplace_back(entry.name);
  std::sort(names.begin(), names.end());
  return names;
}

std::string_view EmbeddedImageBytes(const std::string& name) {
  for (const detail::EmbeddedImageEntry& entry : detail::EmbeddedImageTable())
    if (name == entry.name)
      return std::string_view(reinterpret_cast<const char*>(entry.begin),
                              std::size_t(entry.end - entry.begin));
  return {};
}

}  // namespace bilevel
