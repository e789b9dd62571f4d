#include "figure_export_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace studio {
namespace {

QSpinBox* Box(int low, int high, int value, const QString& suffix, const QString& name) {
  auto* box = new QSpinBox;
  box->setRange(low, high);
  box->setValue(value);
  box->setSuffix(suffix);
  box->setObjectName(name);
  return box;
}

}  // namespace

FigureExportDialog::FigureExportDialog(const QString& folder, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Export Plots"));
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  auto* folder_row = new QHBoxLayout;
  folder_ = new QLineEdit(folder);
  folder_->setObjectName(QStringLiteral("figureFolder"));
  auto* browse = new QPushButton(tr("Browse…"));
  folder_row->addWidget(folder_, 1);
  folder_row->addWidget(browse);
  form->addRow(tr("Folder"), folder_row);
  auto* formats = new QHBoxLayout;
  png_ = new QCheckBox(QStringLiteral("PNG"));
  svg_ = new QCheckBox(QStringLiteral("SVG"));
  pdf_ = new QCheckBox(QStringLiteral("PDF"));
  for (QCheckBox* box : {png_, svg_, pdf_}) {
    box->setChecked(true);
    formats->addWidget(box);
  }
  formats->addStretch(1);
  form->addRow(tr("Formats"), formats);
  auto* size = new QHBoxLayout;
  width_ = Box(200, 6000, 640, tr(" px"), QStringLiteral("figureWidth"));
  height_ = Box(150, 6000, 420, tr(" px"), QStringLiteral("figureHeight"));
  size->addWidget(width_);
  size->addWidget(height_);
  form->addRow(tr("Size (96 px per inch; PDF: points)"), size);
  dpi_ = Box(48, 1200, 300, tr(" dpi"), QStringLiteral("figureDpi"));
  dpi_->setToolTip(tr("Resolution of the PNG files; SVG and PDF are vector drawings"));
  form->addRow(tr("PNG resolution"), dpi_);
  font_ = Box(0, 48, 9, tr(" pt"), QStringLiteral("figureFont"));
  font_->setSpecialValueText(tr("as on screen"));
  form->addRow(tr("Text size"), font_);
  legend_ = new QComboBox;
  legend_->setObjectName(QStringLiteral("figureLegend"));
  const std::pair<QString, LegendPlace> places[] = {
      {tr("under the plot"), LegendPlace::kBelow},
      {tr("inside, top right"), LegendPlace::kTopRight},
      {tr("inside, bottom right"), LegendPlace::kBottomRight},
      {tr("inside, top left"), LegendPlace::kTopLeft},
      {tr("inside, bottom left"), LegendPlace::kBottomLeft},
      {tr("none"), LegendPlace::kNone}};
  for (const auto& [text, place] : places)
    legend_->addItem(text, int(place));
  form->addRow(tr("Legend"), legend_);
  layout->addLayout(form);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Export"));
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(
        this, tr("Folder for the plots"), folder_->text(), QFileDialog::ShowDirsOnly);
    if (!dir.isEmpty()) folder_->setText(dir);
  });
}

QString FigureExportDialog::folder() const {
  return folder_->text().trimmed();
}

QStringList FigureExportDialog::formats() const {
  QStringList list;
  if (png_->isChecked()) list << QStringLiteral("png");
  if (svg_->isChecked()) list << QStringLiteral("svg");
  if (pdf_->isChecked()) list << QStringLiteral("pdf");
  return list;
}

FigureStyle FigureExportDialog::style() const {
  return FigureStyle{width_->value(), height_->value(), dpi_->value(), font_->value(),
                     LegendPlace(legend_->currentData().toInt())};
}

}  // namespace studio
