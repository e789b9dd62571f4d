// Run ▸ New Study…: the grid of a study over the configuration the panels describe (or a built-in
// study's preset and grid), its seeds per setting, its name and its folder.
#pragma once

#include <QDialog>

#include "bilevel/status.h"
#include "bilevel/study.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace studio {

class NewStudyDialog final : public QDialog {
  Q_OBJECT

 public:
  // base: the configuration the study starts from unless a built-in study is chosen; folder: the
  // default folder of the study.
  NewStudyDialog(const bilevel::TrainingConfig& base, const QString& folder,
                 QWidget* parent = nullptr);

  // The study as the fields describe it, checked (ValidateStudy); the error names the field.
  bilevel::Status study(bilevel::StudySpec* spec) const;
  QString folder() const;
  // For tests and scripts: the grid as lines "FIELD=V1,V2", the seeds, a built-in by name.
  void setGrid(const QStringList& lines);
  void setSeeds(int seeds);
  void chooseBuiltIn(const QString& name);

 private:
  void check();  // the OK button and the message follow the fields

  bilevel::TrainingConfig base_;
  QComboBox* builtin_ = nullptr;
  QLineEdit* name_ = nullptr;
  QPlainTextEdit* grid_ = nullptr;
  QSpinBox* seeds_ = nullptr;
  QLineEdit* folder_ = nullptr;
  QLabel* message_ = nullptr;
};

}  // namespace studio
