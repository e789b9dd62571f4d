#include "regularizer_form.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QSpinBox>
#include <climits>

#include "bilevel/regularizer_registry.h"
#include "string_conversion.h"
#include "wheel_guard.h"

namespace studio {

namespace {

// "kernel_size" -> "Kernel size".
QString Label(const std::string& name) {
  QString text = ToQString(name);
  text.replace(QLatin1Char('_'), QLatin1Char(' '));
  if (!text.isEmpty()) text[0] = text[0].toUpper();
  return text;
}

}  // namespace

RegularizerForm::RegularizerForm(QWidget* parent) : QWidget(parent) {
  form_ = new QFormLayout(this);
  form_->setContentsMargins(0, 0, 0, 0);
  type_ = new QComboBox;
  type_->setObjectName(QStringLiteral("regularizer.type"));
  for (const std::string& name : bilevel::RegularizerTypeNames())
    type_->addItem(ToQString(bilevel::FindRegularizerType(name)->label), ToQString(name));
  type_->setToolTip(tr("The kind of regularizer learned; its own fields are listed below it"));
  form_->addRow(tr("Regularizer"), type_);
  connect(type_, &QComboBox::currentIndexChanged, this, &RegularizerForm::typeChosen);
  setSettings(bilevel::DefaultRegularizerSettings());
}

void RegularizerForm::setSettings(const bilevel::RegularizerSettings& settings) {
  updating_ = true;
  settings_ = settings;
  const int index = type_->findData(ToQString(settings.type));
  if (index >= 0) type_->setCurrentIndex(index);
  rebuild();
  updating_ = false;
}

QWidget* RegularizerForm::field(const QString& path) const {
  if (path == QLatin1String("regularizer.type")) return type_;
  const auto it = editors_.find(path);
  return it == editors_.end() ? nullptr : it->second;
}

void RegularizerForm::typeChosen() {
  if (updating_) return;
  const std::string type = ToStd(type_->currentData().toString());
  bilevel::RegularizerSettings next;
  if (!bilevel::SwitchRegularizerType(settings_, type, &next).ok()) return;  // listed types only
  settings_ = std::move(next);
  updating_ = true;
  rebuild();
  updating_ = false;
  emit changed();
}

void RegularizerForm::rebuild() {
  while (form_->rowCount() > 1)
    form_->removeRow(1);
  editors_.clear();
  for (const bilevel::Setting& f : settings_.fields) {
    if (f.name == "channels") continue;  // follows the dataset's colour mode
    const QString path = QStringLiteral("regularizer.") + ToQString(f.name);
    const std::string key = ToStd(path);
    QWidget* editor = nullptr;
    if (const long long* v = std::get_if<long long>(&f.value)) {
      auto* box = new QSpinBox;
      box->setRange(0, 1 << 20);
      box->setValue(int(*v));
      connect(box, &QSpinBox::valueChanged, this, [this, key](int value) {
        settings_.set(key, (long long)value);
        if (!updating_) emit changed();
      });
      editor = box;
    } else if (const double* d = std::get_if<double>(&f.value)) {
      auto* box = new QDoubleSpinBox;
      box->setRange(-1e6, 1e6);
      box->setDecimals(4);
      box->setValue(*d);
      connect(box, &QDoubleSpinBox::valueChanged, this, [this, key](double value) {
        settings_.set(key, value);
        if (!updating_) emit changed();
      });
      editor = box;
    } else if (const bool* b = std::get_if<bool>(&f.value)) {
      auto* box = new QCheckBox;
      box->setChecked(*b);
      connect(box, &QCheckBox::toggled, this, [this, key](bool value) {
        settings_.set(key, value);
        if (!updating_) emit changed();
      });
      editor = box;
    } else if (f.choices.empty()) {
      // Free text, such as a list of layer sizes ("8, 32"); the type's checks judge it when the
      // run starts.
      auto* edit = new QLineEdit(ToQString(std::get<std::string>(f.value)));
      connect(edit, &QLineEdit::editingFinished, this, [this, key, edit] {
        settings_.set(key, ToStd(edit->text().trimmed()));
        if (!updating_) emit changed();
      });
      editor = edit;
    } else {
      auto* box = new QComboBox;
      for (std::size_t k = 0; k < f.choices.size(); ++k)
        box->addItem(ToQString(k < f.labels.size() ? f.labels[k] : f.choices[k]),
                     ToQString(f.choices[k]));
      box->setCurrentIndex(std::max(0, box->findData(ToQString(std::get<std::string>(f.value)))));
      connect(box, &QComboBox::currentIndexChanged, this, [this, key, box] {
        settings_.set(key, ToStd(box->currentData().toString()));
        if (!updating_) emit changed();
      });
      editor = box;
    }
    editor->setObjectName(path);
    editor->setToolTip(f.help.empty() ? Label(f.name) : ToQString(f.help));
    editors_[path] = editor;
    form_->addRow(Label(f.name), editor);
  }
  GuardWheel(this);  // the type's editors are new
}

}  // namespace studio
