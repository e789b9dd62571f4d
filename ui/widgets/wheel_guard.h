// Spin boxes and lists that take the mouse wheel only when they have the keyboard focus. Turning
// the wheel over an editor the user has not clicked into (or tabbed to) then scrolls the panel
// around it instead of changing a value: a scroll through the Method panel must not edit the batch
// size or a live knob on its way. The editors get the focus by a click or Tab, not by the wheel.
#pragma once

class QWidget;

namespace studio {

// Guards every QAbstractSpinBox and QComboBox under root (root included). Call it again after
// adding editors to root; guarding an editor twice is harmless.
void GuardWheel(QWidget* root);

}  // namespace studio
