#include "method_panel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>
#include <climits>

#include "bilevel/config_json.h"
#include "bilevel/presets.h"
#include "field_help.h"
#include "regularizer_form.h"
#include "schedule_plot.h"
#include "scientific_spin_box.h"
#include "string_conversion.h"
#include "wheel_guard.h"

namespace studio {
namespace {

void AddScheduleKinds(QComboBox* combo) {
  combo->addItem(QObject::tr("constant"), QStringLiteral("constant"));
  combo->addItem(QObject::tr("polynomial  a₀ (k+1)^−e"), QStringLiteral("polynomial"));
  combo->addItem(QObject::tr("logarithmic  a₀ / log(k+e)^e"), QStringLiteral("logarithmic"));
}

void Select(QComboBox* combo, const QString& data) {
  const int index = combo->findData(data);
  if (index >= 0) combo->setCurrentIndex(index);
}

QDoubleSpinBox* ExponentBox() {
  auto* box = new QDoubleSpinBox;
  box->setRange(0.0, 4.0);
  box->setDecimals(3);
  box->setSingleStep(0.05);
  box->setKeyboardTracking(false);
  return box;
}

QSpinBox* CountBox(int min, int max) {
  auto* box = new QSpinBox;
  box->setRange(min, max);
  box->setKeyboardTracking(false);
  box->setGroupSeparatorShown(true);
  return box;
}

QGroupBox* Group(const QString& title, QFormLayout** form) {
  auto* group = new QGroupBox(title);
  *form = new QFormLayout(group);
  (*form)->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  (*form)->setContentsMargins(6, 4, 6, 4);
  (*form)->setVerticalSpacing(3);
  return group;
}

}  // namespace

template <typename W>
W* MethodPanel::named(W* widget, const QString& name) {
  widget->setObjectName(name);
  fields_[name] = widget;
  return widget;
}

MethodPanel::MethodPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(6);

  QFormLayout* form = nullptr;
  QGroupBox* run = Group(tr("Experiment"), &form);
  preset_ = new QComboBox;
  preset_->setObjectName(QStringLiteral("presetCombo"));
  preset_->addItem(tr("— load a preset —"), QString());
  preset_->setItemData(0,
                       tr("Built-in experiments: choosing one fills the Dataset and Method panels"),
                       Qt::ToolTipRole);
  for (const bilevel::PresetInfo& p : bilevel::Presets()) {
    preset_->addItem(ToQString(p.name), ToQString(p.name));
    preset_->setItemData(preset_->count() - 1, ToQString(p.description), Qt::ToolTipRole);
  }
  form->addRow(tr("Preset"), preset_);
  preset_note_ = new QLabel;
  preset_note_->setObjectName(QStringLiteral("presetDescription"));
  preset_note_->setWordWrap(true);
  preset_note_->setForegroundRole(QPalette::PlaceholderText);
  form->addRow(preset_note_);
  name_ = named(new QLineEdit, QStringLiteral("name"));
  form->addRow(tr("Name"), name_);
  method_ = named(new QComboBox, QStringLiteral("method"));
  method_->addItem(tr("ISGD"), QStringLiteral("isgd"));
  method_->addItem(tr("ISGD + Adam"), QStringLiteral("adam"));
  method_->addItem(tr("MAID (adaptive, full batch)"), QStringLiteral("maid"));
  method_->addItem(tr("IGD (full batch)"), QStringLiteral("igd"));
  form->addRow(tr("Method"), method_);
  batch_ = named(CountBox(1, 100000), QStringLiteral("batch_size"));
  form->addRow(tr("Batch size"), batch_);
  method_hint_ = new QLabel;
  method_hint_->setWordWrap(true);
  method_hint_->setForegroundRole(QPalette::PlaceholderText);
  form->addRow(method_hint_);
  layout->addWidget(run);

  layout->addWidget(buildSchedules());

  QGroupBox* maid = Group(tr("MAID start"), &form);
  maid_step_ = named(new ScientificSpinBox, QStringLiteral("maid.step"));
  maid_epsilon_ = named(new ScientificSpinBox, QStringLiteral("maid.epsilon"));
  form->addRow(tr("step β₀"), maid_step_);
  form->addRow(tr("accuracy ε₀"), maid_epsilon_);
  layout->addWidget(maid);

  QGroupBox* budget = Group(tr("Budget (0 = no limit; the first reached stops)"), &form);
  budget_iterations_ = named(CountBox(0, INT_MAX), QStringLiteral("budget.iterations"));
  budget_computations_ = named(CountBox(0, INT_MAX), QStringLiteral("budget.computations"));
  budget_computations_->setSingleStep(10000);
  budget_epochs_ = named(new QDoubleSpinBox, QStringLiteral("budget.epochs"));
  budget_epochs_->setRange(0, 1e6);
  budget_epochs_->setDecimals(2);
  budget_seconds_ = named(new QDoubleSpinBox, QStringLiteral("budget.wall_seconds"));
  budget_seconds_->setRange(0, 1e7);
  budget_seconds_->setDecimals(1);
  budget_seconds_->setSuffix(tr(" s"));
  form->addRow(tr("Iterations"), budget_iterations_);
  form->addRow(tr("Computations"), budget_computations_);
  form->addRow(tr("Epochs"), budget_epochs_);
  form->addRow(tr("Wall time"), budget_seconds_);
  layout->addWidget(budget);

  QGroupBox* reg = Group(tr("Regularizer and seeds"), &form);
  regularizer_ = new RegularizerForm;
  seed_ = named(CountBox(0, INT_MAX), QStringLiteral("seed"));
  test_interval_ = named(CountBox(0, 1000000), QStringLiteral("test_interval"));
  test_interval_->setSpecialValueText(tr("once per epoch"));
  device_ = named(new QComboBox, QStringLiteral("device"));
  device_->addItem(tr("auto"), QStringLiteral("auto"));
  device_->addItem(tr("CPU"), QStringLiteral("cpu"));
  device_->addItem(tr("CUDA"), QStringLiteral("cuda"));
  form->addRow(regularizer_);
  form->addRow(tr("Seed"), seed_);
  form->addRow(tr("Test every"), test_interval_);
  form->addRow(tr("Device"), device_);
  layout->addWidget(reg);
  layout->addStretch(1);

  connect(preset_, &QComboBox::activated, this, [this](int index) {
    const QString name = preset_->itemData(index).toString();
    // The combo shows the preset of the configuration shown: setConfig() selects the chosen one
    // once it is loaded.
    showPreset();
    if (!name.isEmpty()) emit presetChosen(name);
  });
  connect(method_, &QComboBox::currentIndexChanged, this, [this] {
    updateMethodHints();
    if (!updating_) emit changed();
  });
  connect(name_, &QLineEdit::editingFinished, this, &MethodPanel::changed);
  connect(batch_, &QSpinBox::valueChanged, this,
          [this] { knobEdited(QStringLiteral("batch_size")); });
  for (QSpinBox* box : {budget_iterations_, budget_computations_, seed_, test_interval_})
    connect(box, &QSpinBox::valueChanged, this, [this] {
      if (!updating_) emit changed();
    });
  for (QDoubleSpinBox* box :
       {static_cast<QDoubleSpinBox*>(maid_step_), static_cast<QDoubleSpinBox*>(maid_epsilon_),
        budget_epochs_, budget_seconds_})
    connect(box, &QDoubleSpinBox::valueChanged, this, [this] {
      if (!updating_) emit changed();
    });
  connect(device_, &QComboBox::currentIndexChanged, this, [this] {
    if (!updating_) emit changed();
  });
  connect(regularizer_, &RegularizerForm::changed, this, [this] {
    if (!updating_) emit changed();
  });
  connect(budget_iterations_, &QSpinBox::valueChanged, this, &MethodPanel::updateSchedulePlot);

  for (const auto& [name, widget] : fields_)
    SetFieldHelp(widget);
  GuardWheel(this);
  setConfig(bilevel::TrainingConfig{});
}

QWidget* MethodPanel::buildSchedules() {
  QFormLayout* form = nullptr;
  QGroupBox* group = Group(tr("Schedules (live: edits apply from the next iteration)"), &form);
  step_kind_ = named(new QComboBox, QStringLiteral("step.kind"));
  AddScheduleKinds(step_kind_);
  step_initial_ = named(new ScientificSpinBox, QStringLiteral("step.initial"));
  step_exponent_ = named(ExponentBox(), QStringLiteral("step.exponent"));
  accuracy_kind_ = named(new QComboBox, QStringLiteral("accuracy.kind"));
  AddScheduleKinds(accuracy_kind_);
  accuracy_initial_ = named(new ScientificSpinBox, QStringLiteral("accuracy.initial"));
  accuracy_exponent_ = named(ExponentBox(), QStringLiteral("accuracy.exponent"));
  delta_rule_ = named(new QComboBox, QStringLiteral("delta.rule"));
  delta_rule_->addItem(tr("δ = ε"), QStringLiteral("epsilon"));
  delta_rule_->addItem(tr("δ = c·ε"), QStringLiteral("scaled"));
  delta_rule_->addItem(tr("δ fixed"), QStringLiteral("fixed"));
  delta_value_ = named(new ScientificSpinBox, QStringLiteral("delta.value"));

  const auto row = [](QWidget* a, const QString& label, QWidget* b) {
    auto* w = new QWidget;
    auto* h = new QHBoxLayout(w);
    h->setContentsMargins(0, 0, 0, 0);
    h->addWidget(a, 3);
    h->addWidget(new QLabel(label));
    h->addWidget(b, 2);
    return w;
  };
  form->addRow(tr("Step α_k"), step_kind_);
  form->addRow(tr("α₀"), row(step_initial_, tr("q"), step_exponent_));
  form->addRow(tr("Accuracy ε_k"), accuracy_kind_);
  form->addRow(tr("ε₀"), row(accuracy_initial_, tr("p"), accuracy_exponent_));
  form->addRow(tr("CG δ_k"), row(delta_rule_, tr("c"), delta_value_));
  schedule_plot_ = new SchedulePlot;
  schedule_plot_->setObjectName(QStringLiteral("schedulePlot"));
  form->addRow(schedule_plot_);

  for (QComboBox* box : {step_kind_, accuracy_kind_, delta_rule_}) {
    const QString field = box->objectName();
    connect(box, &QComboBox::currentIndexChanged, this, [this, field] { knobEdited(field); });
  }
  for (QDoubleSpinBox* box : {static_cast<QDoubleSpinBox*>(step_initial_), step_exponent_,
                              static_cast<QDoubleSpinBox*>(accuracy_initial_), accuracy_exponent_,
                              static_cast<QDoubleSpinBox*>(delta_value_)}) {
    const QString field = box->objectName();
    connect(box, &QDoubleSpinBox::valueChanged, this, [this, field] { knobEdited(field); });
  }
  return group;
}

QWidget* MethodPanel::field(const QString& name) const {
  const auto it = fields_.find(name);
  return it == fields_.end() ? regularizer_->field(name) : it->second;
}

QString MethodPanel::knobText(const QString& field) const {
  if (field == "batch_size") return QString::number(batch_->value());
  if (field == "step.kind") return step_kind_->currentData().toString();
  if (field == "step.initial") return NumberText(step_initial_->value());
  if (field == "step.exponent") return NumberText(step_exponent_->value());
  if (field == "accuracy.kind") return accuracy_kind_->currentData().toString();
  if (field == "accuracy.initial") return NumberText(accuracy_initial_->value());
  if (field == "accuracy.exponent") return NumberText(accuracy_exponent_->value());
  if (field == "delta.rule") return delta_rule_->currentData().toString();
  if (field == "delta.value") return NumberText(delta_value_->value());
  return {};
}

void MethodPanel::knobEdited(const QString& field) {
  if (updating_) return;
  updateSchedulePlot();
  if (running_)
    emit knobsChanged(knobs(), field);
  else
    emit changed();
}

void MethodPanel::setConfig(const bilevel::TrainingConfig& c) {
  updating_ = true;
  name_->setText(ToQString(c.name));
  Select(method_, QString::fromLatin1(bilevel::ToString(c.trainer.method)));
  batch_->setValue(c.knobs.batch_size);
  Select(step_kind_, QString::fromLatin1(bilevel::ToString(c.knobs.step.kind)));
  step_initial_->setValue(c.knobs.step.initial);
  step_exponent_->setValue(c.knobs.step.exponent);
  Select(accuracy_kind_, QString::fromLatin1(bilevel::ToString(c.knobs.accuracy.kind)));
  accuracy_initial_->setValue(c.knobs.accuracy.initial);
  accuracy_exponent_->setValue(c.knobs.accuracy.exponent);
  Select(delta_rule_, QString::fromLatin1(bilevel::ToString(c.knobs.delta.rule)));
  delta_value_->setValue(c.knobs.delta.value);
  maid_step_->setValue(c.trainer.maid.step);
  maid_epsilon_->setValue(c.trainer.maid.epsilon);
  budget_iterations_->setValue(int(std::min<long>(c.trainer.budget.iterations, INT_MAX)));
  budget_computations_->setValue(int(std::min<long>(c.trainer.budget.computations, INT_MAX)));
  budget_epochs_->setValue(c.trainer.budget.epochs);
  budget_seconds_->setValue(c.trainer.budget.wall_seconds);
  regularizer_->setSettings(c.regularizer);
  seed_->setValue(int(std::min<unsigned>(c.trainer.seed, INT_MAX)));
  test_interval_->setValue(c.trainer.test_interval);
  Select(device_, QString::fromLatin1(bilevel::ToString(c.backend.device)));
  preset_name_.clear();
  for (const bilevel::PresetInfo& p : bilevel::Presets())
    if (p.name == c.name && p.description == c.description) preset_name_ = ToQString(p.name);
  showPreset();
  updating_ = false;
  updateMethodHints();
  updateSchedulePlot();
}

bilevel::LiveKnobs MethodPanel::knobs() const {
  bilevel::LiveKnobs k;
  k.batch_size = batch_->value();
  if (auto kind = bilevel::ScheduleKindFromString(ToStd(step_kind_->currentData().toString())))
    k.step.kind = *kind;
  k.step.initial = step_initial_->value();
  k.step.exponent = step_exponent_->value();
  if (auto kind = bilevel::ScheduleKindFromString(ToStd(accuracy_kind_->currentData().toString())))
    k.accuracy.kind = *kind;
  k.accuracy.initial = accuracy_initial_->value();
  k.accuracy.exponent = accuracy_exponent_->value();
  if (auto rule = bilevel::DeltaRuleFromString(ToStd(delta_rule_->currentData().toString())))
    k.delta.rule = *rule;
  k.delta.value = delta_value_->value();
  return k;
}

void MethodPanel::applyTo(bilevel::TrainingConfig* c) const {
  const QString name = name_->text().trimmed();
  if (!name.isEmpty()) c->name = ToStd(name);
  if (auto m = bilevel::MethodFromString(ToStd(method_->currentData().toString())))
    c->trainer.method = *m;
  c->knobs = knobs();
  c->trainer.maid.step = maid_step_->value();
  c->trainer.maid.epsilon = maid_epsilon_->value();
  c->trainer.budget.iterations = budget_iterations_->value();
  c->trainer.budget.computations = budget_computations_->value();
  c->trainer.budget.epochs = budget_epochs_->value();
  c->trainer.budget.wall_seconds = budget_seconds_->value();
  // The channels follow the data (DatasetPanel), whichever panel writes first.
  bilevel::RegularizerSettings regularizer = regularizer_->settings();
  bilevel::CopyChannels(c->regularizer, &regularizer);
  c->regularizer = std::move(regularizer);
  c->trainer.seed = unsigned(seed_->value());
  c->trainer.test_interval = test_interval_->value();
  if (auto d = bilevel::DevicePreferenceFromString(ToStd(device_->currentData().toString())))
    c->backend.device = *d;
}

void MethodPanel::setRunning(bool running) {
  running_ = running;
  const auto& live = bilevel::LiveKnobFields();
  for (const auto& [name, widget] : fields_) {
    const bool is_live = std::find(live.begin(), live.end(), ToStd(name)) != live.end();
    widget->setEnabled(!running || is_live);
  }
  preset_->setEnabled(!running);
  regularizer_->setEnabled(!running);
  if (!running) setCurrentIteration(0);
}

void MethodPanel::setCurrentIteration(long iteration) {
  schedule_plot_->setCurrentIteration(iteration);
}

void MethodPanel::updateSchedulePlot() {
  bilevel::TrainingConfig c;
  applyTo(&c);
  const long n = c.trainer.budget.iterations > 0 ? c.trainer.budget.iterations : 1000;
  schedule_plot_->setSchedules(c.knobs.step, c.knobs.accuracy, c.knobs.delta, n);
}

void MethodPanel::setEdited(bool edited) {
  if (edited_ == edited) return;
  edited_ = edited;
  showPreset();
}

void MethodPanel::showPreset() {
  const int index = preset_name_.isEmpty() ? 0 : std::max(0, preset_->findData(preset_name_));
  preset_->setCurrentIndex(edited_ ? 0 : index);
  const QString description = preset_->itemData(index, Qt::ToolTipRole).toString();
  preset_->setToolTip(description);
  if (index > 0 && edited_)
    preset_note_->setText(tr("Edited from %1: %2").arg(preset_name_, description));
  else
    preset_note_->setText(index > 0 ? description : tr("Choose one to fill both panels."));
}

void MethodPanel::updateMethodHints() {
  const QString m = method_->currentData().toString();
  const bool sgd = m == "isgd" || m == "adam";
  batch_->setToolTip(FieldHelp(QStringLiteral("batch_size")) +
                     (sgd ? QString() : tr("\nNot used now: MAID and IGD use the whole set.")));
  if (m == "isgd")
    method_hint_->setText(tr("Inexact SGD: α_k z on a mini-batch solved to ε_k, CG to δ_k."));
  else if (m == "adam")
    method_hint_->setText(tr("ISGD hypergradients preconditioned by Adam (β₁ 0.9, β₂ 0.999)."));
  else if (m == "maid")
    method_hint_->setText(
        tr("Full batch, backtracking and adaptive accuracy from the MAID start; the schedules "
           "are not used."));
  else
    method_hint_->setText(tr("Full-batch inexact gradient descent with the schedules."));
}

}  // namespace studio
