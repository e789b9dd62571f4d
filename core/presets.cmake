# Compiles resources/presets/*.json into the library as raw string literals (core has no Qt
# resource system). Regenerated when a preset changes.
file(GLOB BILEVEL_PRESET_FILES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/resources/presets/*.json)
list(SORT BILEVEL_PRESET_FILES)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${BILEVEL_PRESET_FILES})
set(entries "")
foreach(file ${BILEVEL_PRESET_FILES})
  get_filename_component(name ${file} NAME_WE)
  file(READ ${file} text)
  string(APPEND entries "    {\"${name}\", R\"bilevel_preset(${text})bilevel_preset\"},\n")
endforeach()
set(generated ${CMAKE_CURRENT_BINARY_DIR}/preset_table.cpp)
file(CONFIGURE OUTPUT ${generated} CONTENT
"// Generated from resources/presets/*.json by core/presets.cmake. Do not edit.
#include <string_view>
#include <utility>
#include <vector>

namespace bilevel::detail {
const std::vector<std::pair<std::string_view, std::string_view>>& PresetTable() {
  static const std::vector<std::pair<std::string_view, std::string_view>> table = {
${entries}  };
  return table;
}
}  // namespace bilevel::detail
")
target_sources(bilevel_core PRIVATE ${generated})
