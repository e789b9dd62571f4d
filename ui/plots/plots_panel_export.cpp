// PlotsPanel: exporting the plots (all at once, or one from its context menu).
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QMenu>
#include <QMessageBox>

#include "curve_plot.h"
#include "exporters.h"
#include "plots_panel.h"
#include "string_conversion.h"

namespace studio {

QStringList PlotsPanel::exportAll(const QString& folder, const QString& suffix, QString* error,
                                  const FigureStyle& style) {
  QStringList written;
  for (int p = 0; p < kPlotCount; ++p) {
    const QString path = QDir(folder).filePath(PlotKey(Plot(p)) + '.' + suffix);
    if (bilevel::Status s = SaveFigure(*plots_[std::size_t(p)], path, style); !s.ok()) {
      if (error) *error = Message(s);
      return written;
    }
    written << path;
  }
  return written;
}

bilevel::Status SaveFigure(CurvePlot& plot, const QString& path, const FigureStyle& style) {
  const LegendPlace place = plot.legendPlace();
  plot.setLegendPlace(style.legend);
  const bilevel::Status s = SavePlot(plot, path, style);
  plot.setLegendPlace(place);
  return s;
}

void PlotsPanel::showContextMenu(CurvePlot* plot, const QPoint& pos) {
  QMenu menu(this);
  const auto save = [this, plot](const QString& suffix) {
    const QString name = plot->objectName().remove(QStringLiteral("Plot")) + '.' + suffix;
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export plot"), name, PlotFileFilter());
    if (path.isEmpty()) return;
    if (bilevel::Status s = SavePlot(*plot, path); !s.ok())
      QMessageBox::warning(this, tr("Export plot"), Message(s));
  };
  menu.addAction(tr("Export as PNG…"), this, [save] { save(QStringLiteral("png")); });
  menu.addAction(tr("Export as SVG…"), this, [save] { save(QStringLiteral("svg")); });
  menu.addAction(tr("Export as PDF…"), this, [save] { save(QStringLiteral("pdf")); });
  menu.addAction(tr("Copy image"), this,
                 [plot] { QApplication::clipboard()->setPixmap(PlotPixmap(*plot)); });
  menu.addAction(tr("Export curves as CSV…"), this, &PlotsPanel::exportCurvesRequested);
  menu.addSeparator();
  QAction* legend = menu.addAction(tr("Show legend"));
  legend->setCheckable(true);
  legend->setChecked(plot->legendShown());
  connect(legend, &QAction::toggled, plot, &CurvePlot::setLegendShown);
  menu.addAction(tr("Fit to data"), plot, &CurvePlot::resetView);
  menu.exec(plot->mapToGlobal(pos));
}

}  // namespace studio
