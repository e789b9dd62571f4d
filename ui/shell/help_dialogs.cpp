#include "help_dialogs.h"

#include <QAction>
#include <QDialog>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QRegularExpression>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace studio {
namespace {

// "Open &Data Folder…" as "Open Data Folder".
QString MenuText(const QString& text) {
  QString plain = text;
  plain.remove(QRegularExpression(QStringLiteral("&(?!&)")));
  plain.replace(QStringLiteral("&&"), QStringLiteral("&"));
  return plain.remove(QStringLiteral("…"));
}

// The dialog called name that window has open, raised; null when there is none.
QDialog* Reuse(QMainWindow* window, const QString& name) {
  auto* dialog = window->findChild<QDialog*>(name, Qt::FindDirectChildrenOnly);
  if (!dialog) return nullptr;
  dialog->show();
  dialog->raise();
  dialog->activateWindow();
  return dialog;
}

// A new dialog called name that shows content above a Close button.
QDialog* Open(QMainWindow* window, const QString& name, const QString& title, QWidget* content) {
  auto* dialog = new QDialog(window);
  dialog->setObjectName(name);
  dialog->setWindowTitle(title);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  auto* layout = new QVBoxLayout(dialog);
  layout->addWidget(content);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  QObject::connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::close);
  layout->addWidget(buttons);
  dialog->show();
  return dialog;
}

// The shortcut of the window's action called name, as " (Ctrl+Return)"; "" without one.
QString Key(QMainWindow* window, const char* name) {
  const auto* action = window->findChild<QAction*>(QString::fromLatin1(name));
  if (!action || action->shortcut().isEmpty()) return {};
  return QStringLiteral(" (%1)").arg(action->shortcut().toString(QKeySequence::NativeText));
}

void AddShortcuts(QMenu* menu, QTreeWidgetItem* parent) {
  for (QAction* action : menu->actions()) {
    if (action->menu()) {
      AddShortcuts(action->menu(), parent);
    } else if (!action->isSeparator() && !action->shortcut().isEmpty()) {
      new QTreeWidgetItem(parent, {MenuText(action->text()),
                                   action->shortcut().toString(QKeySequence::NativeText)});
    }
  }
}

}  // namespace

QDialog* ShowGettingStarted(QMainWindow* window) {
  const QString name = QStringLiteral("gettingStartedDialog");
  if (QDialog* open = Reuse(window, name)) return open;
  const QString text =
      QObject::tr(
          "<h3>Learn a regularizer in six steps</h3><ol>"
          "<li><b>Data.</b> The Dataset panel starts on the built-in photographs (File ▸ Use "
          "Built-in Images). To train on your own, use File ▸ Open Data Folder%1 or drop a folder "
          "on the window.</li>"
          "<li><b>Method.</b> In the Method panel, load a preset (<i>quick</i> trains in seconds) "
          "or set the method, schedules and budget yourself. Hover over a field to see what it "
          "means and its range.</li>"
          "<li><b>Start.</b> Run ▸ Start%2. The plots show the loss, the training and test PSNR "
          "and the schedules, against computations, iterations, epochs or time (View menu); the "
          "Preview shows a reconstruction and the Kernels panel the learned filters.</li>"
          "<li><b>Steer.</b> Pause%3 and Resume%4 at any time. While a run trains, the live "
          "knobs (batch size, step and accuracy schedules, δ rule) stay editable: a change "
          "applies from the next iteration and is marked on the plots.</li>"
          "<li><b>Compare.</b> Run ▸ ISGD vs MAID%5 trains both methods on the same data and "
          "seed and overlays their curves.</li>"
          "<li><b>Use the result.</b> File ▸ Export Regularizer%6 saves it as JSON or NPZ; "
          "File ▸ Apply Regularizer%7 denoises or deblurs an image with it. Every run is "
          "recorded in a folder that File ▸ Open Run and bilevel-cli read back.</li></ol>")
          .arg(Key(window, "actionOpenData"), Key(window, "actionStart"),
               Key(window, "actionPause"), Key(window, "actionResume"),
               Key(window, "actionCompare"), Key(window, "actionExportRegularizer"),
               Key(window, "actionApply"));
  auto* label = new QLabel(text);
  label->setObjectName(QStringLiteral("gettingStartedText"));
  label->setWordWrap(true);
  label->setTextFormat(Qt::RichText);
  label->setMinimumWidth(480);
  return Open(window, name, QObject::tr("Getting Started"), label);
}

QDialog* ShowShortcuts(QMainWindow* window) {
  const QString name = QStringLiteral("shortcutsDialog");
  if (QDialog* open = Reuse(window, name)) return open;
  auto* tree = new QTreeWidget;
  tree->setObjectName(QStringLiteral("shortcutsList"));
  tree->setColumnCount(2);
  tree->setHeaderLabels({QObject::tr("Action"), QObject::tr("Shortcut")});
  tree->setRootIsDecorated(false);
  for (QAction* entry : window->menuBar()->actions()) {
    if (!entry->menu()) continue;
    auto* group = new QTreeWidgetItem(tree, {MenuText(entry->text())});
    QFont bold = group->font(0);
    bold.setBold(true);
    group->setFont(0, bold);
    group->setFirstColumnSpanned(true);
    AddShortcuts(entry->menu(), group);
    if (group->childCount() == 0) delete group;
  }
  tree->expandAll();
  tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  tree->setMinimumSize(420, 420);
  return Open(window, name, QObject::tr("Keyboard Shortcuts"), tree);
}

}  // namespace studio
