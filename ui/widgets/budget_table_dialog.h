// View ▸ Table at a Budget…: chosen runs' test PSNRs at one budget (computations, iterations,
// epochs or training time), each with its difference to the first run chosen, where on the axis
// it was measured, and whether the run reached the budget; copied as text or exported as CSV or
// Markdown.
#pragma once

#include <QDialog>
#include <vector>

#include "bilevel/status.h"
#include "bilevel/x_axis.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QListWidget;
class QTableWidget;

namespace studio {

class RunStore;

class BudgetTableDialog final : public QDialog {
  Q_OBJECT

 public:
  // Lists the store's runs, the visible ones chosen; the budget starts at the largest that every
  // chosen run reached.
  explicit BudgetTableDialog(const RunStore& store, QWidget* parent = nullptr);

  void setAxis(bilevel::XAxis axis);
  void setBudget(double budget);
  void chooseRuns(const std::vector<int>& ids);  // in this order; the first is the reference
  QTableWidget* table() const { return table_; }
  // The table with a header row, its cells separated by separator (',' for CSV, '\t' to paste).
  QString text(QChar separator) const;
  QString markdown() const;
  bilevel::Status exportTo(const QString& path) const;  // .csv or .md by the extension

 private:
  void fitBudget();  // the largest budget every chosen run reached
  void rebuild();
  std::vector<int> chosenRuns() const;

  const RunStore& store_;
  QListWidget* runs_ = nullptr;
  QComboBox* axis_ = nullptr;
  QDoubleSpinBox* budget_ = nullptr;
  QTableWidget* table_ = nullptr;
  QLabel* note_ = nullptr;
};

}  // namespace studio
