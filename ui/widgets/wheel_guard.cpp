#include "wheel_guard.h"

#include <QAbstractSpinBox>
#include <QComboBox>
#include <QEvent>
#include <QWidget>

namespace studio {
namespace {

// One per guarded root, its child: a wheel event over an editor without the focus is ignored, so
// QApplication passes it on to the editor's parents (the scroll area of the panel).
class WheelGuard final : public QObject {
 public:
  explicit WheelGuard(QObject* parent) : QObject(parent) { setObjectName(Name()); }
  static QString Name() { return QStringLiteral("wheelGuard"); }

  bool eventFilter(QObject* watched, QEvent* event) override {
    if (event->type() != QEvent::Wheel) return false;
    const auto* widget = qobject_cast<QWidget*>(watched);
    if (!widget || widget->hasFocus()) return false;
    event->ignore();
    return true;
  }
};

void Guard(QWidget* editor, WheelGuard* guard) {
  editor->setFocusPolicy(Qt::StrongFocus);
  editor->installEventFilter(guard);  // installing again replaces the earlier one
}

}  // namespace

void GuardWheel(QWidget* root) {
  if (!root) return;
  auto* guard = dynamic_cast<WheelGuard*>(
      root->findChild<QObject*>(WheelGuard::Name(), Qt::FindDirectChildrenOnly));
  if (!guard) guard = new WheelGuard(root);
  if (qobject_cast<QAbstractSpinBox*>(root) || qobject_cast<QComboBox*>(root)) Guard(root, guard);
  for (QAbstractSpinBox* box : root->findChildren<QAbstractSpinBox*>())
    Guard(box, guard);
  for (QComboBox* box : root->findChildren<QComboBox*>())
    Guard(box, guard);
}

}  // namespace studio
