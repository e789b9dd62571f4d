// The Help menu's dialogs: a short guide to a first session, and the keyboard shortcuts of the
// window's menus, read from the actions themselves so the list stays true.
#pragma once

class QDialog;
class QMainWindow;

namespace studio {

// Both are modeless, one of each per window (asking again raises it), and deleted on close.
QDialog* ShowGettingStarted(QMainWindow* window);
// A tree "shortcutsList": each menu of the menu bar with the actions in it (or in its submenus)
// that have a shortcut; columns: the action, its shortcut.
QDialog* ShowShortcuts(QMainWindow* window);

}  // namespace studio
