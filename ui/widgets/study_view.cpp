#include "study_view.h"

#include <qcustomplot.h>
#include <QComboBox>
#include <QDir>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "exporters.h"
#include "run_store.h"
#include "string_conversion.h"

namespace studio {
namespace {

QString Psnr(double mean, double spread) {
  if (std::isnan(mean)) return QStringLiteral("—");
  if (std::isnan(spread)) return QString::number(mean, 'f', 2);
  return QStringLiteral("%1 ± %2").arg(mean, 0, 'f', 2).arg(spread, 0, 'f', 2);
}

// Viridis, from its ends and three stops between: t in [0, 1].
QColor Viridis(double t) {
  static const QColor stops[] = {QColor(68, 1, 84), QColor(59, 82, 139), QColor(33, 145, 140),
                                 QColor(94, 201, 98), QColor(253, 231, 37)};
  t = std::clamp(t, 0.0, 1.0) * 4.0;
  const int k = std::min(3, int(t));
  const double f = t - k;
  const QColor &a = stops[k], &b = stops[k + 1];
  return QColor::fromRgbF(float(a.redF() + f * (b.redF() - a.redF())),
                          float(a.greenF() + f * (b.greenF() - a.greenF())),
                          float(a.blueF() + f * (b.blueF() - a.blueF())));
}

QTableWidgetItem* Cell(const QString& text) {
  auto* item = new QTableWidgetItem(text);
  item->setFlags(item->flags() & ~Qt::ItemIsEditable);
  return item;
}

}  // namespace

StudyView::StudyView(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  summary_ = new QLabel;
  summary_->setObjectName(QStringLiteral("studySummary"));
  summary_->setWordWrap(true);
  layout->addWidget(summary_);
  auto* split = new QSplitter(Qt::Horizontal);
  curves_ = new QCustomPlot;
  curves_->setObjectName(QStringLiteral("studyCurves"));
  curves_->setMinimumSize(360, 260);
  curves_->xAxis->setLabel(tr("computations"));
  curves_->yAxis->setLabel(tr("test PSNR (dB)"));
  // The legend under the axes, one setting per line, so that it never hides the curves.
  curves_->legend->setVisible(true);
  curves_->plotLayout()->addElement(1, 0, curves_->legend);
  curves_->plotLayout()->setRowStretchFactor(1, 0.001);
  curves_->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  curves_->legend->setWrap(1);
  curves_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  split->addWidget(curves_);
  auto* right = new QWidget;
  auto* column = new QVBoxLayout(right);
  column->setContentsMargins(0, 0, 0, 0);
  table_ = new QTableWidget;
  table_->setObjectName(QStringLiteral("studyTable"));
  table_->verticalHeader()->hide();
  column->addWidget(table_, 2);
  auto* heat_row = new QHBoxLayout;
  heat_row->addWidget(new QLabel(tr("Heat map of the")));
  heat_value_ = new QComboBox;
  heat_value_->setObjectName(QStringLiteral("heatValue"));
  heat_value_->addItems({tr("final test PSNR"), tr("best test PSNR")});
  heat_row->addWidget(heat_value_);
  heat_row->addStretch(1);
  column->addLayout(heat_row);
  heat_ = new QTableWidget;
  heat_->setObjectName(QStringLiteral("studyHeatMap"));
  column->addWidget(heat_, 1);
  heat_note_ = new QLabel;
  heat_note_->setWordWrap(true);
  column->addWidget(heat_note_);
  split->addWidget(right);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  split->setSizes({700, 640});
  layout->addWidget(split, 1);
  connect(heat_value_, &QComboBox::currentIndexChanged, this, &StudyView::fillHeatMap);
}

bilevel::Status StudyView::open(const QString& dir) {
  bilevel::StudySpec spec;
  if (bilevel::Status s = bilevel::LoadStudy(ToStd(dir), &spec); !s.ok()) return s;
  dir_ = QDir::cleanPath(dir);
  spec_ = std::move(spec);
  refresh();
  return bilevel::Status::Ok();
}

void StudyView::refresh() {
  if (dir_.isEmpty()) return;
  const std::vector<bilevel::StudyRunRecord> records = bilevel::ReadStudyRuns(ToStd(dir_), spec_);
  rows_ = bilevel::StudyTable(spec_, records);
  int runs = 0, measured = 0;
  for (const bilevel::StudyRow& row : rows_) {
    runs += row.runs;
    measured += row.measured;
  }
  summary_->setText(tr("Study “%1” in %2: %3 settings × %4 seeds; %5 of %6 runs have a test "
                       "PSNR. Curves: the mean over the seeds, shaded ± one standard deviation.")
                        .arg(ToQString(spec_.name), QDir::toNativeSeparators(dir_))
                        .arg(rows_.size())
                        .arg(spec_.seeds)
                        .arg(measured)
                        .arg(runs));
  fillCurves(records);
  fillTable();
  fillHeatMap();
}

QString StudyView::settingLabel(const std::vector<std::string>& values) const {
  QStringList parts;
  for (std::size_t a = 0; a < spec_.grid.size() && a < values.size(); ++a)
    parts << ToQString(spec_.grid[a].field + "=" + values[a]);
  return parts.isEmpty() ? tr("base") : parts.join(QStringLiteral(", "));
}

void StudyView::fillCurves(const std::vector<bilevel::StudyRunRecord>& records) {
  curves_->clearGraphs();
  const auto& palette = RunStore::Palette();
  const std::size_t seeds = std::size_t(spec_.seeds);
  for (std::size_t first = 0, setting = 0; first < records.size(); first += seeds, ++setting) {
    std::vector<std::vector<bilevel::IterationRecord>> logs;
    for (std::size_t k = first; k < first + seeds && k < records.size(); ++k)
      if (!records[k].log.empty()) logs.push_back(records[k].log);
    const bilevel::StudyCurve curve = bilevel::MeanTestCurve(logs);
    if (curve.mean.empty()) continue;
    const QColor color = palette[setting % palette.size()];
    const QVector<double> x(curve.computations.begin(), curve.computations.end());
    QCPGraph* low = curves_->addGraph();
    QCPGraph* high = curves_->addGraph();
    QCPGraph* mean = curves_->addGraph();
    low->setData(x, QVector<double>(curve.low.begin(), curve.low.end()), true);
    high->setData(x, QVector<double>(curve.high.begin(), curve.high.end()), true);
    mean->setData(x, QVector<double>(curve.mean.begin(), curve.mean.end()), true);
    QColor band = color;
    band.setAlpha(50);
    for (QCPGraph* edge : {low, high}) {
      edge->setPen(Qt::NoPen);
      edge->removeFromLegend();
    }
    high->setBrush(band);
    high->setChannelFillGraph(low);
    mean->setPen(QPen(color, 2.0));
    mean->setName(settingLabel(rows_[setting].values) +
                  (int(logs.size()) < spec_.seeds
                       ? tr(" (%1 of %2 seeds)").arg(logs.size()).arg(spec_.seeds)
                       : QString()));
  }
  curves_->rescaleAxes();
  curves_->replot();
}

void StudyView::fillTable() {
  QStringList header;
  for (const bilevel::StudyAxis& axis : spec_.grid)
    header << ToQString(axis.field);
  header << tr("runs") << tr("final test PSNR (dB)") << tr("best test PSNR (dB)")
         << tr("computations");
  table_->clear();
  table_->setColumnCount(int(header.size()));
  table_->setHorizontalHeaderLabels(header);
  table_->setRowCount(int(rows_.size()));
  for (int r = 0; r < int(rows_.size()); ++r) {
    const bilevel::StudyRow& row = rows_[std::size_t(r)];
    int c = 0;
    for (const std::string& v : row.values)
      table_->setItem(r, c++, Cell(ToQString(v)));
    table_->setItem(r, c++, Cell(QStringLiteral("%1 of %2").arg(row.measured).arg(row.runs)));
    table_->setItem(r, c++, Cell(Psnr(row.final_mean, row.final_std)));
    table_->setItem(r, c++, Cell(Psnr(row.best_mean, row.best_std)));
    table_->setItem(
        r, c++,
        Cell(std::isnan(row.computations_mean) ? QStringLiteral("—")
                                               : QString::number(row.computations_mean, 'f', 0)));
  }
  table_->resizeColumnsToContents();
}

void StudyView::setHeatShowsBest(bool best) {
  heat_value_->setCurrentIndex(best ? 1 : 0);
}

void StudyView::fillHeatMap() {
  heat_->clear();
  heat_->setRowCount(0);
  heat_->setColumnCount(0);
  const std::size_t fields = spec_.grid.size();
  if (fields == 0 || fields > 2 || rows_.empty()) {
    heat_note_->setText(fields > 2 ? tr("The heat map shows grids of one or two fields; the "
                                        "table has every setting.")
                                   : QString());
    return;
  }
  heat_note_->clear();
  const bool best = heat_value_->currentIndex() == 1;
  const bilevel::StudyAxis& rows_axis = spec_.grid[0];
  const bool two = fields == 2;
  const int columns = two ? int(spec_.grid[1].values.size()) : 1;
  heat_->setRowCount(int(rows_axis.values.size()));
  heat_->setColumnCount(columns);
  QStringList row_labels, column_labels;
  for (const std::string& v : rows_axis.values)
    row_labels << ToQString(rows_axis.field + "=" + v);
  if (two)
    for (const std::string& v : spec_.grid[1].values)
      column_labels << ToQString(spec_.grid[1].field + "=" + v);
  else
    column_labels << (best ? tr("best") : tr("final"));
  heat_->setVerticalHeaderLabels(row_labels);
  heat_->setHorizontalHeaderLabels(column_labels);
  double lowest = 1e300, highest = -1e300;
  for (const bilevel::StudyRow& row : rows_) {
    const double v = best ? row.best_mean : row.final_mean;
    if (std::isnan(v)) continue;
    lowest = std::min(lowest, v);
    highest = std::max(highest, v);
  }
  // The settings are in row-major order of the grid: row r, column c is setting r * columns + c.
  for (int k = 0; k < int(rows_.size()); ++k) {
    const bilevel::StudyRow& row = rows_[std::size_t(k)];
    const double mean = best ? row.best_mean : row.final_mean;
    const double spread = best ? row.best_std : row.final_std;
    QTableWidgetItem* item = Cell(Psnr(mean, spread));
    item->setTextAlignment(Qt::AlignCenter);
    if (!std::isnan(mean)) {
      const double t = highest > lowest ? (mean - lowest) / (highest - lowest) : 1.0;
      item->setBackground(Viridis(t));
      item->setForeground(t > 0.6 ? Qt::black : Qt::white);
    }
    heat_->setItem(k / columns, k % columns, item);
  }
  heat_->resizeColumnsToContents();
}

bilevel::Status StudyView::saveFigures(const QString& folder, const QString& suffix,
                                       QStringList* written) const {
  if (!QDir().mkpath(folder))
    return bilevel::Status::Error("cannot create the folder " + ToStd(folder));
  const QDir out(folder);
  const QString curves = out.filePath(QStringLiteral("curves.") + suffix);
  if (bilevel::Status s = SavePlot(*curves_, curves, 900, 600); !s.ok()) return s;
  *written << curves;
  if (heat_->rowCount() > 0) {
    const QString heat = out.filePath(QStringLiteral("heatmap.png"));
    if (!heat_->grab().save(heat))
      return bilevel::Status::Error("could not write the heat map to " + ToStd(heat));
    *written << heat;
  }
  const QString table = out.filePath(QStringLiteral("table.csv"));
  if (bilevel::Status s = bilevel::WriteStudyTable(ToStd(table), spec_, rows_); !s.ok()) return s;
  *written << table;
  return bilevel::Status::Ok();
}

}  // namespace studio
