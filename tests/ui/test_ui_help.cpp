// What a new user meets first: the mouse wheel changes a spin box or a list only in the field with
// the focus (the Method and Dataset panels, the regularizer's fields, the Apply dialog); the preset
// list shows the loaded preset and its description; every field has a tooltip; the Help menu's
// dialogs; the status bar says "paused" as soon as the run is.
#include <QAbstractSpinBox>
#include <QAction>
#include <QComboBox>
#include <QDialog>
#include <QDoubleSpinBox>
#include <QHeaderView>
#include <QLabel>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <QWheelEvent>

#include "apply_dialog.h"
#include "bilevel/presets.h"
#include "curve_plot.h"
#include "dataset_panel.h"
#include "fit_label.h"
#include "method_panel.h"
#include "plots_panel.h"
#include "run_list_panel.h"
#include "run_store.h"
#include "ui_test_support.h"

using namespace studio;
using namespace studio::test;
using State = RunQueue::State;

namespace {

// One notch of the wheel over the middle of w: up for delta > 0.
void Wheel(QWidget* w, int delta) {
  const QPointF pos(w->width() / 2.0, w->height() / 2.0);
  QWheelEvent event(pos, w->mapToGlobal(pos), QPoint(), QPoint(0, delta), Qt::NoButton,
                    Qt::NoModifier, Qt::NoScrollPhase, false);
  QCoreApplication::sendEvent(w, &event);
}

QString ValueOf(QWidget* w) {
  if (auto* box = qobject_cast<QAbstractSpinBox*>(w)) return box->text();
  if (auto* box = qobject_cast<QComboBox*>(w)) return QString::number(box->currentIndex());
  return {};
}

// Every spin box and list under root: strong focus, and a wheel notch either way without the
// focus changes nothing.
void CheckWheelGuarded(QWidget* root) {
  if (QWidget* focus = root->focusWidget()) focus->clearFocus();  // shown windows focus a field
  QList<QWidget*> editors;
  for (QAbstractSpinBox* box : root->findChildren<QAbstractSpinBox*>())
    editors << box;
  for (QComboBox* box : root->findChildren<QComboBox*>())
    editors << box;
  QVERIFY(editors.size() >= 3);
  for (QWidget* editor : editors) {
    const QByteArray name = editor->objectName().toUtf8();
    QVERIFY2(editor->focusPolicy() == Qt::StrongFocus, name.constData());
    QVERIFY2(!editor->hasFocus(), name.constData());
    const QString before = ValueOf(editor);
    for (int delta : {120, -120}) {
      Wheel(editor, delta);
      QVERIFY2(ValueOf(editor) == before, name.constData());
    }
  }
}

void CheckToolTips(QWidget* root) {
  for (QAbstractSpinBox* box : root->findChildren<QAbstractSpinBox*>())
    QVERIFY2(!box->toolTip().trimmed().isEmpty(), qPrintable(box->objectName()));
  for (QComboBox* box : root->findChildren<QComboBox*>())
    QVERIFY2(!box->toolTip().trimmed().isEmpty(), qPrintable(box->objectName()));
}

QString PresetDescription(const QString& name) {
  for (const bilevel::PresetInfo& p : bilevel::Presets())
    if (QString::fromStdString(p.name) == name) return QString::fromStdString(p.description);
  return {};
}

}  // namespace

class UiHelpTest : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { IsolateSettings(); }

  void wheelWithoutFocusChangesNoMethodField() {
    MethodPanel panel;
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    auto* batch = qobject_cast<QSpinBox*>(panel.field("batch_size"));
    auto* step = qobject_cast<QDoubleSpinBox*>(panel.field("step.initial"));
    auto* kind = qobject_cast<QComboBox*>(panel.field("step.kind"));
    QVERIFY(batch && step && kind);
    batch->setValue(4);
    step->setValue(0.05);
    kind->setCurrentIndex(0);

    // During a run, a notch over a live knob without the focus is no knob change.
    panel.setRunning(true);
    if (QWidget* focus = panel.focusWidget()) focus->clearFocus();  // the first live field's
    QSignalSpy knobs(&panel, &MethodPanel::knobsChanged);
    QSignalSpy changed(&panel, &MethodPanel::changed);
    for (int delta : {120, -120}) {
      Wheel(batch, delta);
      Wheel(step, delta);
      Wheel(kind, delta);
    }
    QCOMPARE(batch->value(), 4);
    QCOMPARE(step->value(), 0.05);
    QCOMPARE(kind->currentIndex(), 0);
    QCOMPARE(knobs.count(), 0);
    panel.setRunning(false);
    CheckWheelGuarded(&panel);
    QCOMPARE(changed.count(), 0);

    // The regularizer's fields are rebuilt for another type: they are guarded too.
    auto* type = qobject_cast<QComboBox*>(panel.field("regularizer.type"));
    QVERIFY(type && type->count() > 1);
    for (int i = type->count() - 1; i >= 0; --i) {
      type->setCurrentIndex(i);
      CheckWheelGuarded(&panel);
    }
  }

  void wheelWithFocusChangesTheField() {
    MethodPanel panel;
    panel.show();
    panel.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&panel));
    auto* batch = qobject_cast<QSpinBox*>(panel.field("batch_size"));
    auto* step = qobject_cast<QDoubleSpinBox*>(panel.field("step.initial"));
    auto* kind = qobject_cast<QComboBox*>(panel.field("step.kind"));
    batch->setValue(4);
    step->setValue(0.05);
    kind->setCurrentIndex(0);
    batch->setFocus();
    QTRY_VERIFY(batch->hasFocus());
    Wheel(batch, 120);
    QCOMPARE(batch->value(), 5);
    step->setFocus();
    QTRY_VERIFY(step->hasFocus());
    Wheel(step, -120);
    QVERIFY(step->value() < 0.05);
    kind->setFocus();
    QTRY_VERIFY(kind->hasFocus());
    Wheel(kind, -120);
    QCOMPARE(kind->currentIndex(), 1);
  }

  void wheelWithoutFocusChangesNoDatasetOrApplyField() {
    DatasetPanel dataset;
    dataset.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dataset));
    CheckWheelGuarded(&dataset);
    ApplyDialog apply;
    apply.show();
    QVERIFY(QTest::qWaitForWindowExposed(&apply));
    CheckWheelGuarded(&apply);
  }

  void everyFieldHasATooltip() {
    MethodPanel method;
    CheckToolTips(&method);
    auto* type = qobject_cast<QComboBox*>(method.field("regularizer.type"));
    for (int i = 0; i < type->count(); ++i) {
      type->setCurrentIndex(i);
      CheckToolTips(&method);
    }
    DatasetPanel dataset;
    CheckToolTips(&dataset);
    // The tooltips name the quantity and its range.
    QVERIFY(method.field("step.initial")->toolTip().contains(QStringLiteral("α₀")));
    QVERIFY(method.field("budget.wall_seconds")->toolTip().contains(QStringLiteral("seconds")));
    const QString sigma = dataset.findChild<QWidget*>("problem.noise_sigma")->toolTip();
    QVERIFY(sigma.contains(QStringLiteral("0 to 255")));
  }

  void presetListShowsTheLoadedPreset() {
    MainWindow window;
    window.setInteractive(false);
    auto* combo = window.methodPanel()->findChild<QComboBox*>("presetCombo");
    auto* note = window.methodPanel()->findChild<QLabel*>("presetDescription");
    QVERIFY(combo && note);
    for (int i = 1; i < combo->count(); ++i)
      QCOMPARE(combo->itemData(i, Qt::ToolTipRole).toString(),
               PresetDescription(combo->itemText(i)));
    for (const QString& name : {QStringLiteral("quick"), QStringLiteral("tv-denoise")}) {
      const int index = combo->findData(name);
      QVERIFY(index > 0);
      emit combo->activated(index);
      QCOMPARE(window.currentConfig().name, name.toStdString());
      QCOMPARE(combo->currentText(), name);
      QVERIFY(!PresetDescription(name).isEmpty());
      QCOMPARE(note->text(), PresetDescription(name));
      QCOMPARE(combo->toolTip(), PresetDescription(name));
    }
    // Another configuration is no preset.
    window.setConfig(FastConfig(10));
    QCOMPARE(combo->currentIndex(), 0);
    QVERIFY(note->text() != PresetDescription(QStringLiteral("tv-denoise")));
  }

  void shortcutsDialogReadsTheActions() {
    MainWindow window;
    window.setInteractive(false);
    QAction* start = window.action("actionStart");
    QAction* shortcuts = window.action("actionShortcuts");
    QVERIFY(start && shortcuts);
    for (const QKeySequence& key : {start->shortcut(), QKeySequence(Qt::Key_F9)}) {
      start->setShortcut(key);
      shortcuts->trigger();
      auto* dialog = window.findChild<QDialog*>("shortcutsDialog");
      QVERIFY(dialog && dialog->isVisible());
      auto* list = dialog->findChild<QTreeWidget*>("shortcutsList");
      QVERIFY(list);
      const auto items = list->findItems("Start", Qt::MatchExactly | Qt::MatchRecursive, 0);
      QCOMPARE(items.size(), 1);
      QVERIFY(!key.isEmpty());
      QCOMPARE(items[0]->text(1), key.toString(QKeySequence::NativeText));
      QCOMPARE(list->findItems("Pause", Qt::MatchExactly | Qt::MatchRecursive, 0).size(), 1);
      delete dialog;
    }

    window.action("actionGettingStarted")->trigger();
    auto* guide = window.findChild<QDialog*>("gettingStartedDialog");
    QVERIFY(guide && guide->isVisible());
    auto* text = guide->findChild<QLabel*>("gettingStartedText");
    QVERIFY(text && text->text().contains(QStringLiteral("ISGD vs MAID")));
    QVERIFY(text->text().contains(QKeySequence(Qt::Key_F9).toString(QKeySequence::NativeText)));
  }

  void statusBarSaysPausedOnceTheRunIs() {
    QTemporaryDir runs;
    MainWindow window;
    window.setInteractive(false);
    window.setRunsFolder(runs.path());
    window.setConfig(FastConfig(100000));
    window.action("actionStart")->trigger();
    const int id = window.selectedRun();
    QTRY_VERIFY_WITH_TIMEOUT(RecordCount(window, id) >= 2, 20000);
    window.action("actionPause")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(window.runQueue().state(), State::kPaused, 10000);
    // Well before the 6 s of a status message run out.
    QTRY_COMPARE_WITH_TIMEOUT(window.statusBar()->currentMessage(), QString("paused"), 1500);
    window.action("actionResume")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(window.statusBar()->currentMessage(), QString("resumed"), 5000);
    window.action("actionStop")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(Idle(window), 10000);
  }

  void runNamesAreNotCutInANarrowList() {
    RunStore store;
    RunListPanel list(store);
    list.resize(260, 200);
    list.show();
    RunSeries run;
    run.name = "quick Adam deblurring on my holiday photographs (3)";
    const int id = store.add(run);
    auto* tree = list.findChild<QTreeWidget*>("runTree");
    QVERIFY(tree);
    QCoreApplication::processEvents();
    const QTreeWidgetItem* item = tree->topLevelItem(0);
    QCOMPARE(item->text(0), run.name);
    // The column is as wide as the name (icon, check box and margins besides); the list scrolls.
    QVERIFY(tree->header()->sectionSize(0) > tree->fontMetrics().horizontalAdvance(run.name));
    QVERIFY(tree->header()->length() > tree->viewport()->width());
    QVERIFY(item->toolTip(0).startsWith(run.name));
    store.setName(id, "short");
    QCoreApplication::processEvents();
    QVERIFY(tree->header()->sectionSize(0) < tree->fontMetrics().horizontalAdvance(run.name));
  }

  void plotHintIsWholeOrAbsent() {
    RunStore store;
    PlotsPanel panel(store);
    auto* hint = panel.findChild<FitLabel*>("plotsHint");
    QVERIFY(hint);
    for (int width : {1400, 560, 1400}) {
      panel.resize(width, 600);
      panel.show();
      QCoreApplication::processEvents();
      const bool shown = !hint->text().isEmpty();
      QVERIFY(!shown || hint->fits());
      QCOMPARE(shown, width == 1400);  // room for it at 1400 px, none at 560
      QVERIFY(!hint->toolTip().isEmpty());
    }
  }

  void hoverReadoutStaysInsideThePlot() {
    CurvePlot plot("test");
    plot.resize(320, 220);
    plot.show();
    QCPGraph* g = plot.graph(1, 0);
    g->setName("quick Adam deblurring on my holiday photographs (3)");
    for (int k = 0; k <= 10; ++k)
      g->addData(k, k * k);
    plot.fit();
    plot.replot();
    const QRect area = plot.axisRect()->rect();
    for (const QPointF& at : {QPointF(area.right() - 2, area.bottom() - 2),
                              QPointF(area.left() + 2, area.top() + 2), QPointF(area.center())}) {
      plot.showReadoutAt(at);
      QVERIFY(!plot.readout().isEmpty());
      const QRectF box = plot.readoutRect();
      QVERIFY2(box.left() >= 0 && box.top() >= 0 && box.right() <= plot.width() &&
                   box.bottom() <= plot.height(),
               qPrintable(QString("%1,%2 %3x%4 in %5x%6")
                              .arg(box.left())
                              .arg(box.top())
                              .arg(box.width())
                              .arg(box.height())
                              .arg(plot.width())
                              .arg(plot.height())));
    }
  }
};

QTEST_MAIN(UiHelpTest)
#include "test_ui_help.moc"
