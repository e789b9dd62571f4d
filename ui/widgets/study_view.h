// A study's results (bilevel/study.h) from its folder: test PSNR against computations per setting,
// the mean over the seeds with a band of one standard deviation either side; the table of final
// and best test PSNR per setting; and, for a grid of one or two fields, a heat map of the final
// (or best) mean. Refreshed as the study's runs finish; every figure saves to a folder at once.
#pragma once

#include <QString>
#include <QWidget>

#include "bilevel/status.h"
#include "bilevel/study.h"

class QComboBox;
class QCustomPlot;
class QLabel;
class QTableWidget;

namespace studio {

class StudyView final : public QWidget {
  Q_OBJECT

 public:
  explicit StudyView(QWidget* parent = nullptr);

  // Reads DIR/study.json and whatever its runs have logged so far.
  bilevel::Status open(const QString& dir);
  void refresh();  // reads the runs again
  QString folder() const { return dir_; }
  const bilevel::StudySpec& spec() const { return spec_; }
  const std::vector<bilevel::StudyRow>& rows() const { return rows_; }

  QCustomPlot* curves() const { return curves_; }
  QTableWidget* table() const { return table_; }
  QTableWidget* heatMap() const { return heat_; }  // empty for grids of three fields or more
  // The heat map shows the best test PSNR instead of the final one.
  void setHeatShowsBest(bool best);

  // Every figure of the study into folder: curves.<suffix> (png, svg or pdf), heatmap.png and
  // table.csv. The paths written, or an error naming the file.
  bilevel::Status saveFigures(const QString& folder, const QString& suffix,
                              QStringList* written) const;

 private:
  void fillCurves(const std::vector<bilevel::StudyRunRecord>& records);
  void fillTable();
  void fillHeatMap();
  QString settingLabel(const std::vector<std::string>& values) const;

  QString dir_;
  bilevel::StudySpec spec_;
  std::vector<bilevel::StudyRow> rows_;
  QLabel* summary_ = nullptr;
  QCustomPlot* curves_ = nullptr;
  QTableWidget* table_ = nullptr;
  QTableWidget* heat_ = nullptr;
  QComboBox* heat_value_ = nullptr;
  QLabel* heat_note_ = nullptr;
};

}  // namespace studio
