#include "exporters.h"

#include <functional>

#include <qcustomplot.h>
#include <QBuffer>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSvgGenerator>

#include "bilevel/regularizer_io.h"
#include "bilevel/run_folder.h"
#include "string_conversion.h"

namespace studio {
namespace {

bilevel::Status Fail(const QString& text) {
  return bilevel::Status::Error(ToStd(text));
}

QString CsvField(const QString& text) {
  if (!text.contains(',') && !text.contains('"') && !text.contains('\n')) return text;
  QString quoted = text;
  quoted.replace('"', QStringLiteral("\"\""));
  return '"' + quoted + '"';
}

// SVG clipping. QCustomPlot clips curves and markers to the axis rect with QPainter clip rects,
// which QSvgGenerator (Qt 6.4's, for one) does not write, whether clipping is enabled or not, so
// that curves zoomed beyond the axes would run over the tick labels. While an SVG is written, two
// markers are drawn on layers of their own just below and above the "main" layer (the curves and
// markers): texts that stand alone in a <g> element of the generator's output. Afterwards, the
// first becomes the start of a group with a clip path (the axis rect, which the marker carries) and
// the second its end.
constexpr char kClipBegin[] = "bilevel-svg-clip-begin";
constexpr char kClipEnd[] = "bilevel-svg-clip-end";

class SvgClipMarker final : public QCPLayerable {
 public:
  SvgClipMarker(QCustomPlot* plot, const QString& layer, bool begin)
      : QCPLayerable(plot, layer), begin_(begin) {}

 protected:
  void applyDefaultAntialiasingHint(QCPPainter*) const override {}
  void draw(QCPPainter* painter) override {
    QString text = QString::fromLatin1(begin_ ? kClipBegin : kClipEnd);
    if (begin_) {
      // As QCPLayer clips the plottables: the axis rect, one pixel up.
      const QRect r = mParentPlot->axisRect() ? mParentPlot->axisRect()->rect().translated(0, -1)
                                              : mParentPlot->viewport();
      text += QStringLiteral(" %1 %2 %3 %4").arg(r.x()).arg(r.y()).arg(r.width()).arg(r.height());
    }
    painter->setPen(QColor(1, 2, 3));  // a change of state: a <g> of its own
    painter->drawText(QPointF(0, 0), text);
  }

 private:
  bool begin_;
};

// The <g ...><text ...>marker...</text> that the generator wrote for a marker: its start, end
// and the marker's text; false when not found in that form.
bool FindMarker(const QByteArray& svg, const char* marker, qsizetype from, qsizetype* start,
                qsizetype* end, QByteArray* text) {
  const qsizetype at = svg.indexOf(QByteArray(">") + marker, from);
  if (at < 0) return false;
  const qsizetype close = svg.indexOf("</text>", at);
  const qsizetype group = svg.lastIndexOf("<g ", at);
  if (close < 0 || group < from) return false;
  if (svg.mid(group, at - group).count('<') != 2) return false;  // <g ...> and <text ...> only
  *start = group;
  *end = close + qsizetype(sizeof("</text>") - 1);
  *text = svg.mid(at + 1, close - at - 1);
  return true;
}

// Turns the markers into a group clipped to the rect the first carries.
bool ApplyClipMarkers(QByteArray* svg) {
  qsizetype begin_start = 0, begin_end = 0, end_start = 0, end_end = 0;
  QByteArray begin_text, end_text;
  if (!FindMarker(*svg, kClipBegin, 0, &begin_start, &begin_end, &begin_text) ||
      !FindMarker(*svg, kClipEnd, begin_end, &end_start, &end_end, &end_text))
    return false;
  const QList<QByteArray> rect = begin_text.split(' ');
  const qsizetype defs_end = svg->indexOf("</defs>");
  if (rect.size() != 5 || defs_end < 0 || defs_end > begin_start) return false;
  svg->replace(end_start, end_end - end_start, "</g>\n<g>");
  svg->replace(begin_start, begin_end - begin_start, "<g clip-path=\"url(#axisRectClip)\">\n<g>");
  svg->insert(defs_end, "<clipPath id=\"axisRectClip\"><rect x=\"" + rect[1] + "\" y=\"" + rect[2] +
                            "\" width=\"" + rect[3] + "\" height=\"" + rect[4] +
                            "\"/></clipPath>\n");
  return true;
}

// The plot as SVG text, with the clip markers when `clip`; empty on failure.
QByteArray RenderSvg(QCustomPlot& plot, int w, int h, bool clip) {
  QBuffer buffer;
  buffer.open(QIODevice::WriteOnly);
  QSvgGenerator svg;
  svg.setOutputDevice(&buffer);
  svg.setSize(QSize(w, h));
  svg.setViewBox(QRect(0, 0, w, h));
  svg.setTitle(QStringLiteral("Bilevel Studio plot"));
  std::vector<QCPLayer*> layers;
  std::vector<SvgClipMarker*> markers;
  if (clip) {
    for (bool begin : {true, false}) {
      const QString name = QString::fromLatin1(begin ? kClipBegin : kClipEnd);
      plot.addLayer(name, plot.layer(QStringLiteral("main")),
                    begin ? QCustomPlot::limBelow : QCustomPlot::limAbove);
      layers.push_back(plot.layer(name));
      markers.push_back(new SvgClipMarker(&plot, name, begin));
    }
  }
  bool ok = false;
  QCPPainter painter;
  if (painter.begin(&svg)) {
    painter.setMode(QCPPainter::pmVectorized);
    plot.toPainter(&painter, w, h);
    ok = painter.end();
  }
  for (SvgClipMarker* marker : markers)
    delete marker;
  for (QCPLayer* layer : layers)
    plot.removeLayer(layer);
  return ok ? buffer.data() : QByteArray();
}

// Writes the plot as SVG with its curves clipped to the axis rect (without clipping should the
// generator's output not have the expected form).
bool SaveSvg(QCustomPlot& plot, const QString& path, int w, int h) {
  QByteArray text;
  if (plot.layer(QStringLiteral("main"))) {
    text = RenderSvg(plot, w, h, true);
    if (!ApplyClipMarkers(&text)) text.clear();
  }
  if (text.isEmpty()) text = RenderSvg(plot, w, h, false);
  if (text.isEmpty()) return false;
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size()) return false;
  return file.commit();
}

}  // namespace

QString PlotFileFilter() {
  return QStringLiteral("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)");
}

// Hides a plot's transient layer (the mouse readout, crosshair, highlighted point and event
// cursor of a CurvePlot) while the plot is drawn into a file or the clipboard.
class TransientLayerHidden {
 public:
  explicit TransientLayerHidden(QCustomPlot& plot)
      : layer_(plot.layer(QStringLiteral("crosshair"))) {
    if (!layer_) return;
    shown_ = layer_->visible();
    layer_->setVisible(false);
  }
  ~TransientLayerHidden() {
    if (layer_) layer_->setVisible(shown_);
  }
  TransientLayerHidden(const TransientLayerHidden&) = delete;
  TransientLayerHidden& operator=(const TransientLayerHidden&) = delete;

 private:
  QCPLayer* layer_;
  bool shown_ = false;
};

QPixmap PlotPixmap(QCustomPlot& plot) {
  const TransientLayerHidden hidden(plot);
  return plot.toPixmap(plot.width(), plot.height(), 2.0);
}

// Sets every text of a plot (tick labels, axis labels, legend, titles) to one size while it lives.
class FontsResized {
 public:
  FontsResized(QCustomPlot& plot, int points) {
    if (points <= 0) return;
    for (QCPAxisRect* rect : plot.axisRects())
      for (QCPAxis* axis : rect->axes()) {
        keep([axis](const QFont& f) { axis->setTickLabelFont(f); }, axis->tickLabelFont(), points);
        keep([axis](const QFont& f) { axis->setLabelFont(f); }, axis->labelFont(), points);
      }
    if (QCPLegend* legend = plot.legend)
      keep([legend](const QFont& f) { legend->setFont(f); }, legend->font(), points);
    for (int k = 0; k < plot.plotLayout()->elementCount(); ++k)
      if (auto* title = qobject_cast<QCPTextElement*>(plot.plotLayout()->elementAt(k)))
        keep([title](const QFont& f) { title->setFont(f); }, title->font(), points);
  }
  ~FontsResized() {
    for (const auto& [set, font] : saved_)
      set(font);
  }
  FontsResized(const FontsResized&) = delete;
  FontsResized& operator=(const FontsResized&) = delete;

 private:
  void keep(std::function<void(const QFont&)> set, const QFont& font, int points) {
    QFont resized = font;
    resized.setPointSize(points);
    set(resized);
    saved_.emplace_back(std::move(set), font);
  }
  std::vector<std::pair<std::function<void(const QFont&)>, QFont>> saved_;
};

bilevel::Status SavePlot(QCustomPlot& plot, const QString& path, int width, int height) {
  return SavePlot(plot, path, FigureStyle{width, height, 192, 0});
}

bilevel::Status SavePlot(QCustomPlot& plot, const QString& path, const FigureStyle& style) {
  const TransientLayerHidden hidden(plot);
  const FontsResized fonts(plot, style.font_points);
  const QString suffix = QFileInfo(path).suffix().toLower();
  const int w = style.width > 0 ? style.width : std::max(plot.width(), 320);
  const int h = style.height > 0 ? style.height : std::max(plot.height(), 240);
  bool ok = false;
  if (suffix == "png") {
    const int dpi = std::clamp(style.dpi, 48, 1200);
    ok = plot.savePng(path, w, h, dpi / 96.0, -1, dpi, QCP::ruDotsPerInch);
  } else if (suffix == "pdf") {
    ok = plot.savePdf(path, w, h);
  } else if (suffix == "svg") {
    ok = SaveSvg(plot, path, w, h);
  } else {
    return Fail(QStringLiteral("%1: plots are saved as .png, .svg or .pdf").arg(path));
  }
  if (!ok) return Fail(QStringLiteral("could not write the plot to %1").arg(path));
  return bilevel::Status::Ok();
}

bilevel::Status SaveCurvesCsv(const std::vector<const RunSeries*>& runs, const QString& path) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
    return Fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  QByteArray text = "run," + QByteArray::fromStdString(bilevel::RunFolder::LogHeader()) + '\n';
  for (const RunSeries* run : runs) {
    const QByteArray name = CsvField(run->name).toUtf8();
    for (const bilevel::IterationRecord& r : run->records)
      text += name + ',' + QByteArray::fromStdString(bilevel::RunFolder::LogRow(r)) + '\n';
  }
  file.write(text);
  if (!file.commit())
    return Fail(QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
  return bilevel::Status::Ok();
}

bilevel::Status SaveRegularizer(const bilevel::RegularizerSettings& config,
                                const Eigen::VectorXd& theta, const QString& path) {
  if (theta.size() == 0) return Fail(QStringLiteral("this run has no learned parameters yet"));
  if (QFileInfo(path).suffix().toLower() == "npz")
    return bilevel::WriteRegularizerNpz(ToStd(path), config, theta);
  return bilevel::WriteRegularizerJson(ToStd(path), config, theta);
}

bilevel::Status ReadRegularizerFile(const QString& path, bilevel::RegularizerSettings* settings,
                                    Eigen::VectorXd* theta) {
  return bilevel::ReadRegularizerFile(ToStd(path), settings, theta);
}

bilevel::Status SaveImage(const QImage& image, const QString& path) {
  if (image.isNull()) return Fail(QStringLiteral("there is no image to save"));
  if (!image.save(path)) return Fail(QStringLiteral("could not write the image %1").arg(path));
  return bilevel::Status::Ok();
}

bilevel::Status CopyFolder(const QString& from, const QString& to) {
  const QDir source(from);
  if (!source.exists()) return Fail(QStringLiteral("the folder %1 does not exist").arg(from));
  QDir target(to);
  if (target.exists() && !target.isEmpty())
    return Fail(QStringLiteral("%1 exists and is not empty").arg(to));
  if (QDir::cleanPath(QFileInfo(to).absoluteFilePath())
          .startsWith(QDir::cleanPath(source.absolutePath()) + '/'))
    return Fail(QStringLiteral("cannot copy %1 into itself").arg(from));
  if (!QDir().mkpath(to)) return Fail(QStringLiteral("cannot create %1").arg(to));
  QDirIterator it(from, QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::Hidden,
                  QDirIterator::Subdirectories);
  while (it.hasNext()) {
    const QString path = it.next();
    const QString relative = source.relativeFilePath(path);
    const QString destination = target.filePath(relative);
    if (QFileInfo(path).isDir()) {
      if (!QDir().mkpath(destination))
        return Fail(QStringLiteral("cannot create %1").arg(destination));
    } else {
      QDir().mkpath(QFileInfo(destination).absolutePath());
      if (!QFile::copy(path, destination))
        return Fail(QStringLiteral("cannot copy %1 to %2").arg(path, destination));
    }
  }
  return bilevel::Status::Ok();
}

}  // namespace studio
