#include "budget_table_dialog.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "run_store.h"
#include "string_conversion.h"
#include "x_axis_labels.h"

namespace studio {
namespace {

QString Number(double v, int decimals) {
  return std::isnan(v) ? QStringLiteral("—") : QString::number(v, 'f', decimals);
}

}  // namespace

BudgetTableDialog::BudgetTableDialog(const RunStore& store, QWidget* parent)
    : QDialog(parent), store_(store) {
  setWindowTitle(tr("Table at a Budget"));
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  runs_ = new QListWidget;
  runs_->setObjectName(QStringLiteral("budgetRuns"));
  runs_->setMaximumHeight(140);
  runs_->setToolTip(
      tr("The runs of the table; the first one checked is the reference of the "
         "differences. Drag to reorder."));
  runs_->setDragDropMode(QAbstractItemView::InternalMove);
  for (const RunSeries* run : store.runs()) {
    auto* item = new QListWidgetItem(run->name, runs_);
    item->setData(Qt::UserRole, run->id);
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(run->visible ? Qt::Checked : Qt::Unchecked);
  }
  form->addRow(tr("Runs"), runs_);
  axis_ = new QComboBox;
  axis_->setObjectName(QStringLiteral("budgetAxis"));
  for (bilevel::XAxis axis : bilevel::kAllXAxes)
    axis_->addItem(XAxisLabel(axis), QString::fromLatin1(bilevel::ToString(axis)));
  form->addRow(tr("Budget in"), axis_);
  budget_ = new QDoubleSpinBox;
  budget_->setObjectName(QStringLiteral("budgetValue"));
  budget_->setRange(0.0, 1e15);
  budget_->setDecimals(2);
  form->addRow(tr("Budget"), budget_);
  layout->addLayout(form);
  table_ = new QTableWidget;
  table_->setObjectName(QStringLiteral("budgetTable"));
  table_->verticalHeader()->hide();
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  layout->addWidget(table_, 1);
  note_ = new QLabel;
  note_->setWordWrap(true);
  layout->addWidget(note_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  QPushButton* copy = buttons->addButton(tr("Copy"), QDialogButtonBox::ActionRole);
  QPushButton* save = buttons->addButton(tr("Export…"), QDialogButtonBox::ActionRole);
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(copy, &QPushButton::clicked, this,
          [this] { QApplication::clipboard()->setText(text('\t')); });
  connect(save, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export the table"),
                                                      QStringLiteral("budget-table.csv"),
                                                      tr("CSV (*.csv);;Markdown (*.md)"));
    if (path.isEmpty()) return;
    if (bilevel::Status s = exportTo(path); !s.ok())
      QMessageBox::warning(this, tr("Export the table"), Message(s));
  });
  connect(runs_, &QListWidget::itemChanged, this, &BudgetTableDialog::rebuild);
  connect(runs_->model(), &QAbstractItemModel::rowsMoved, this, &BudgetTableDialog::rebuild);
  connect(axis_, &QComboBox::currentIndexChanged, this, [this] {
    fitBudget();
    rebuild();
  });
  connect(budget_, &QDoubleSpinBox::valueChanged, this, &BudgetTableDialog::rebuild);
  resize(640, 480);
  fitBudget();
  rebuild();
}

void BudgetTableDialog::setAxis(bilevel::XAxis axis) {
  axis_->setCurrentIndex(
      std::max(0, axis_->findData(QString::fromLatin1(bilevel::ToString(axis)))));
}

void BudgetTableDialog::setBudget(double budget) {
  budget_->setValue(budget);
}

void BudgetTableDialog::chooseRuns(const std::vector<int>& ids) {
  const QSignalBlocker block(runs_);
  for (int k = runs_->count() - 1; k >= 0; --k) {  // the chosen first, in the order given
    QListWidgetItem* item = runs_->item(k);
    const auto found = std::find(ids.begin(), ids.end(), item->data(Qt::UserRole).toInt());
    item->setCheckState(found != ids.end() ? Qt::Checked : Qt::Unchecked);
  }
  for (auto id = ids.rbegin(); id != ids.rend(); ++id)
    for (int k = 0; k < runs_->count(); ++k)
      if (runs_->item(k)->data(Qt::UserRole).toInt() == *id) {
        runs_->insertItem(0, runs_->takeItem(k));
        break;
      }
  fitBudget();
  rebuild();
}

std::vector<int> BudgetTableDialog::chosenRuns() const {
  std::vector<int> ids;
  for (int k = 0; k < runs_->count(); ++k)
    if (runs_->item(k)->checkState() == Qt::Checked)
      ids.push_back(runs_->item(k)->data(Qt::UserRole).toInt());
  return ids;
}

void BudgetTableDialog::fitBudget() {
  const auto axis = bilevel::XAxisFromString(ToStd(axis_->currentData().toString()));
  double budget = 0.0;
  bool first = true;
  for (int id : chosenRuns()) {
    const RunSeries* run = store_.find(id);
    if (!run || run->records.empty()) continue;
    const double last = bilevel::XValue(run->records.back(), *axis);
    budget = first ? last : std::min(budget, last);
    first = false;
  }
  const QSignalBlocker block(budget_);
  budget_->setValue(budget);
}

void BudgetTableDialog::rebuild() {
  const auto axis = *bilevel::XAxisFromString(ToStd(axis_->currentData().toString()));
  const double budget = budget_->value();
  const std::vector<int> ids = chosenRuns();
  table_->clear();
  table_->setColumnCount(5);
  const QString reference =
      ids.empty() || !store_.find(ids.front()) ? QString() : store_.find(ids.front())->name;
  table_->setHorizontalHeaderLabels(
      {tr("run"), tr("test PSNR (dB)"), tr("Δ to %1 (dB)").arg(reference),
       tr("measured at (%1)").arg(XAxisLabel(axis)), tr("reached the budget")});
  table_->setRowCount(int(ids.size()));
  double first_psnr = std::nan("");
  int short_runs = 0;
  for (int r = 0; r < int(ids.size()); ++r) {
    const RunSeries* run = store_.find(ids[std::size_t(r)]);
    if (!run) continue;
    const bilevel::PsnrAtBudget at =
        bilevel::TestPsnrAtBudget(run->records, axis, budget, run->initial_test_psnr);
    if (r == 0) first_psnr = at.psnr;
    short_runs += at.reached ? 0 : 1;
    const QStringList cells = {run->name, Number(at.psnr, 2),
                               r == 0 ? QStringLiteral("0.00") : Number(at.psnr - first_psnr, 2),
                               Number(at.at, axis == bilevel::XAxis::kEpochs ? 2 : 0),
                               at.reached ? tr("yes") : tr("no")};
    for (int c = 0; c < cells.size(); ++c)
      table_->setItem(r, c, new QTableWidgetItem(cells[c]));
  }
  table_->resizeColumnsToContents();
  note_->setText(short_runs > 0 ? tr("⚠ %1 of the runs stopped before the budget: their value "
                                     "is their last one, not one at the budget.")
                                      .arg(short_runs)
                                : QString());
}

QString BudgetTableDialog::text(QChar separator) const {
  QStringList lines;
  QStringList header;
  for (int c = 0; c < table_->columnCount(); ++c)
    header << table_->horizontalHeaderItem(c)->text();
  lines << header.join(separator);
  for (int r = 0; r < table_->rowCount(); ++r) {
    QStringList cells;
    for (int c = 0; c < table_->columnCount(); ++c) {
      QString cell = table_->item(r, c) ? table_->item(r, c)->text() : QString();
      if (separator == ',' && (cell.contains(',') || cell.contains('"')))
        cell = '"' + cell.replace('"', QStringLiteral("\"\"")) + '"';
      cells << cell;
    }
    lines << cells.join(separator);
  }
  return lines.join('\n') + '\n';
}

QString BudgetTableDialog::markdown() const {
  QStringList lines = text('|').split('\n', Qt::SkipEmptyParts);
  for (QString& line : lines)
    line = QStringLiteral("| ") + line.replace('|', QStringLiteral(" | ")) + QStringLiteral(" |");
  lines.insert(1, QStringLiteral("| --- | --: | --: | --: | --- |"));
  return lines.join('\n') + '\n';
}

bilevel::Status BudgetTableDialog::exportTo(const QString& path) const {
  const bool md = QFileInfo(path).suffix().toLower() == QLatin1String("md");
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
    return bilevel::Status::Error("cannot write " + ToStd(path) + ": " + ToStd(file.errorString()));
  file.write((md ? markdown() : text(',')).toUtf8());
  if (!file.commit())
    return bilevel::Status::Error("cannot write " + ToStd(path) + ": " + ToStd(file.errorString()));
  return bilevel::Status::Ok();
}

}  // namespace studio
