// Whole-file reads and crash-safe writes: every file core writes goes through WriteFileAtomically,
// so a reader sees either the old or the new contents, never a half-written file.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "bilevel/status.h"

namespace bilevel {

// Writes bytes to path + ".tmp-XXXXXX" in the same directory, flushes it to disk (fsync) and
// renames it over path. The new file is readable by everyone (mode 0644) unless it replaces a file,
// whose mode it keeps. The error names the path and the system's reason.
Status WriteFileAtomically(const std::string& path, std::string_view bytes);
// The same for a file made of several pieces, written one after the other (nothing is copied).
Status WriteFileAtomically(const std::string& path, std::span<const std::string_view> parts);

// Reads a whole file. The error names the path and the system's reason.
Status ReadFile(const std::string& path, std::string* bytes);

// The system's description of an errno value ("Permission denied").
std::string ErrnoText(int error);

}  // namespace bilevel
