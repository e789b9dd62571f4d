// The regularizer's type and its regularizer.* fields, as a form built from the type's declared
// settings (regularizer_registry.h): a spin box for a count, a number box for a real, a check
// box for a flag and a list for a choice. A new regularizer type shows here without an edit.
#pragma once

#include <QWidget>
#include <map>

#include "bilevel/regularizer_settings.h"

class QComboBox;
class QFormLayout;

namespace studio {

class RegularizerForm final : public QWidget {
  Q_OBJECT

 public:
  explicit RegularizerForm(QWidget* parent = nullptr);

  // Shows these settings (no changed signal).
  void setSettings(const bilevel::RegularizerSettings& settings);
  // The settings as edited (the init.* fields are kept from setSettings or the type's defaults).
  const bilevel::RegularizerSettings& settings() const { return settings_; }
  // The editor of "regularizer.type" or of a field ("regularizer.kernels"); null when absent.
  QWidget* field(const QString& path) const;

 signals:
  void changed();

 private:
  void rebuild();
  void typeChosen();

  QComboBox* type_ = nullptr;
  QFormLayout* form_ = nullptr;
  std::map<QString, QWidget*> editors_;
  bilevel::RegularizerSettings settings_;
  bool updating_ = false;
};

}  // namespace studio
