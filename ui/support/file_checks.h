// Checks of paths chosen by the user, made before anything is written there.
#pragma once

#include <QString>

#include "bilevel/status.h"

namespace studio {

// Ok when dir exists or can be created, is a folder, and a file can be written in it (a
// temporary file is made and removed). The message names the folder and why.
bilevel::Status CheckWritableFolder(const QString& dir);

}  // namespace studio
