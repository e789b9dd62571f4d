#include "new_study_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "string_conversion.h"

namespace studio {

NewStudyDialog::NewStudyDialog(const bilevel::TrainingConfig& base, const QString& folder,
                               QWidget* parent)
    : QDialog(parent), base_(base) {
  setWindowTitle(tr("New Study"));
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  builtin_ = new QComboBox;
  builtin_->setObjectName(QStringLiteral("builtinStudy"));
  builtin_->addItem(tr("— the panels' configuration —"), QString());
  for (const bilevel::BuiltInStudy& b : bilevel::BuiltInStudies()) {
    builtin_->addItem(ToQString(b.name), ToQString(b.name));
    builtin_->setItemData(builtin_->count() - 1, ToQString(b.description), Qt::ToolTipRole);
  }
  form->addRow(tr("Start from"), builtin_);
  name_ = new QLineEdit(ToQString(base.name));
  name_->setObjectName(QStringLiteral("studyName"));
  form->addRow(tr("Name"), name_);
  grid_ = new QPlainTextEdit;
  grid_->setObjectName(QStringLiteral("studyGrid"));
  grid_->setPlaceholderText(
      tr("One field per line, with its values:\nstep.initial=1e-4,1e-3\naccuracy.kind=constant,"
         "polynomial"));
  grid_->setToolTip(
      tr("Every combination of the values runs, each for every seed; the names "
         "are config.json's (docs/FORMATS.md)"));
  form->addRow(tr("Grid"), grid_);
  seeds_ = new QSpinBox;
  seeds_->setObjectName(QStringLiteral("studySeeds"));
  seeds_->setRange(1, 100);
  seeds_->setValue(3);
  seeds_->setToolTip(tr("Runs of each setting, with the seeds seed, seed + 1, …"));
  form->addRow(tr("Seeds"), seeds_);
  auto* folder_row = new QHBoxLayout;
  folder_ = new QLineEdit(folder);
  folder_->setObjectName(QStringLiteral("studyFolder"));
  auto* browse = new QPushButton(tr("Browse…"));
  folder_row->addWidget(folder_, 1);
  folder_row->addWidget(browse);
  form->addRow(tr("Folder"), folder_row);
  layout->addLayout(form);
  message_ = new QLabel;
  message_->setObjectName(QStringLiteral("studyMessage"));
  message_->setWordWrap(true);
  layout->addWidget(message_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Run the Study"));
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Folder of the study"), folder_->text(), QFileDialog::ShowDirsOnly);
    if (!dir.isEmpty()) folder_->setText(dir);
  });
  connect(builtin_, &QComboBox::currentIndexChanged, this, [this] {
    bilevel::StudySpec spec;
    const QString name = builtin_->currentData().toString();
    if (name.isEmpty() || !bilevel::MakeBuiltInStudy(ToStd(name), &spec).ok()) {
      name_->setText(ToQString(base_.name));
      check();
      return;
    }
    QStringList lines;
    for (const bilevel::StudyAxis& axis : spec.grid) {
      QStringList values;
      for (const std::string& v : axis.values)
        values << ToQString(v);
      lines << ToQString(axis.field) + '=' + values.join(',');
    }
    name_->setText(name);
    setGrid(lines);
    setSeeds(spec.seeds);
  });
  connect(grid_, &QPlainTextEdit::textChanged, this, &NewStudyDialog::check);
  connect(seeds_, &QSpinBox::valueChanged, this, &NewStudyDialog::check);
  connect(name_, &QLineEdit::textChanged, this, &NewStudyDialog::check);
  connect(folder_, &QLineEdit::textChanged, this, &NewStudyDialog::check);
  resize(560, 420);
  check();
}

bilevel::Status NewStudyDialog::study(bilevel::StudySpec* spec) const {
  bilevel::StudySpec made;
  const QString builtin = builtin_->currentData().toString();
  if (!builtin.isEmpty()) {
    if (bilevel::Status s = bilevel::MakeBuiltInStudy(ToStd(builtin), &made); !s.ok()) return s;
    made.grid.clear();
  } else {
    made.base = base_;
  }
  made.name = ToStd(name_->text().trimmed());
  made.seeds = seeds_->value();
  for (const QString& line : grid_->toPlainText().split('\n', Qt::SkipEmptyParts)) {
    if (line.trimmed().isEmpty()) continue;
    bilevel::StudyAxis axis;
    if (bilevel::Status s = bilevel::ParseStudyAxis(ToStd(line.trimmed()), made.base, &axis);
        !s.ok())
      return s;
    made.grid.push_back(std::move(axis));
  }
  if (folder_->text().trimmed().isEmpty()) return bilevel::Status::Error("choose a folder");
  if (bilevel::Status s = bilevel::ValidateStudy(made); !s.ok()) return s;
  *spec = std::move(made);
  return bilevel::Status::Ok();
}

QString NewStudyDialog::folder() const {
  return folder_->text().trimmed();
}

void NewStudyDialog::setGrid(const QStringList& lines) {
  grid_->setPlainText(lines.join('\n'));
}

void NewStudyDialog::setSeeds(int seeds) {
  seeds_->setValue(seeds);
}

void NewStudyDialog::chooseBuiltIn(const QString& name) {
  builtin_->setCurrentIndex(std::max(0, builtin_->findData(name)));
}

void NewStudyDialog::check() {
  bilevel::StudySpec spec;
  const bilevel::Status s = study(&spec);
  auto* box = findChild<QDialogButtonBox*>();
  if (box) box->button(QDialogButtonBox::Ok)->setEnabled(s.ok());
  message_->setText(s.ok() ? tr("%1 runs: %2 settings × %3 seeds")
                                 .arg(bilevel::StudyRuns(spec).size())
                                 .arg(bilevel::StudyRuns(spec).size() / std::size_t(spec.seeds))
                                 .arg(spec.seeds)
                           : QStringLiteral("⚠ ") + Message(s));
}

}  // namespace studio
