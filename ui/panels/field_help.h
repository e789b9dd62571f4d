// What each field of the Method and Dataset panels means, with its unit and range, by its
// config.json path ("step.initial"): the tooltips of the editors (docs/FORMATS.md has the same).
#pragma once

#include <QString>

class QWidget;

namespace studio {

// "" for a path without help.
QString FieldHelp(const QString& path);
// Gives widget the help of its objectName (a config.json path) as its tooltip.
void SetFieldHelp(QWidget* widget);

}  // namespace studio
