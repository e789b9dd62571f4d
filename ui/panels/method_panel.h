// The upper-level method and its knobs: ISGD, Adam-preconditioned ISGD, MAID or IGD; batch size;
// step-size and accuracy schedules (kind, alpha_0, q, eps_0, p) and the delta rule; MAID's start;
// the budget; the regularizer's size; seeds. While a run trains, the live knobs stay editable and
// every edit is sent as knobsChanged(knobs, field): all the live knobs as one typed value, read
// from the fields once, and the name of the field edited (as in config.json); everything else is
// locked. A small plot shows the schedules the knobs give. A list of presets
// (presetChosen) shows the one the configuration comes from, with its description; every field
// explains itself in a tooltip, and the wheel changes a value only in the field with the focus.
#pragma once

#include <QWidget>
#include <map>

#include "bilevel/training_config.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace studio {

class RegularizerForm;
class SchedulePlot;
class ScientificSpinBox;

class MethodPanel final : public QWidget {
  Q_OBJECT

 public:
  explicit MethodPanel(QWidget* parent = nullptr);

  // Shows the config's method, schedules, budget, regularizer and seeds (no knob signals).
  void setConfig(const bilevel::TrainingConfig& config);
  // Whether the fields differ from the configuration set: the preset box then names no preset
  // and the note says which one they were edited from.
  void setEdited(bool edited);
  // Writes the fields this panel shows into config.
  void applyTo(bilevel::TrainingConfig* config) const;
  // Locks the fields that cannot change during a run; knob edits are then sent as knobsChanged.
  void setRunning(bool running);
  bool running() const { return running_; }
  void setCurrentIteration(long iteration);
  // The editor of a live knob or field, by its config.json name ("step.initial").
  QWidget* field(const QString& name) const;
  // The live knobs as the fields show them.
  bilevel::LiveKnobs knobs() const;
  // A live knob's value as its field shows it ("0.001", "polynomial"), by its config.json name.
  QString knobText(const QString& field) const;

 signals:
  void knobsChanged(const bilevel::LiveKnobs& knobs, const QString& field);
  void presetChosen(const QString& name);
  void changed();

 private:
  QWidget* buildSchedules();
  void knobEdited(const QString& field);
  void updateSchedulePlot();
  void updateMethodHints();
  void showPreset();  // preset_name_ in the combo, its description under it
  template <typename W>
  W* named(W* widget, const QString& name);

  std::map<QString, QWidget*> fields_;
  QComboBox* preset_ = nullptr;
  QLabel* preset_note_ = nullptr;
  QString preset_name_;  // the preset the configuration shown comes from; "" for none
  bool edited_ = false;
  QLineEdit* name_ = nullptr;
  QComboBox* method_ = nullptr;
  QSpinBox* batch_ = nullptr;
  QComboBox* step_kind_ = nullptr;
  ScientificSpinBox* step_initial_ = nullptr;
  QDoubleSpinBox* step_exponent_ = nullptr;
  QComboBox* accuracy_kind_ = nullptr;
  ScientificSpinBox* accuracy_initial_ = nullptr;
  QDoubleSpinBox* accuracy_exponent_ = nullptr;
  QComboBox* delta_rule_ = nullptr;
  ScientificSpinBox* delta_value_ = nullptr;
  ScientificSpinBox* maid_step_ = nullptr;
  ScientificSpinBox* maid_epsilon_ = nullptr;
  QSpinBox* budget_iterations_ = nullptr;
  QSpinBox* budget_computations_ = nullptr;
  QDoubleSpinBox* budget_epochs_ = nullptr;
  QDoubleSpinBox* budget_seconds_ = nullptr;
  RegularizerForm* regularizer_ = nullptr;
  QSpinBox* seed_ = nullptr;
  QSpinBox* test_interval_ = nullptr;
  QComboBox* device_ = nullptr;
  QLabel* method_hint_ = nullptr;
  SchedulePlot* schedule_plot_ = nullptr;
  bool running_ = false;
  bool updating_ = false;
};

}  // namespace studio

Q_DECLARE_METATYPE(bilevel::LiveKnobs)
