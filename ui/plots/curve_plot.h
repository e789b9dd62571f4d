// One training plot: a QCustomPlot with a title, a legend below the axes with one item per run,
// zoom and pan, a crosshair readout that follows the mouse (snapping to the nearest data point),
// graphs keyed by (run, role), and vertical markers where a knob was changed. While the user has
// not zoomed or panned, the axes follow the data; a double-click returns to that.
#pragma once

#include <qcustomplot.h>

#include <QPointer>
#include <QTimer>
#include <map>
#include <utility>
#include <vector>
#include "exporters.h"

namespace studio {

class CurvePlot final : public QCustomPlot {
  Q_OBJECT

 public:
  explicit CurvePlot(const QString& title, QWidget* parent = nullptr);
  ~CurvePlot() override;

  QString title() const { return title_; }
  void setLogX(bool log);
  void setLogY(bool log, QCPAxis* axis = nullptr);  // yAxis by default
  bool logX() const;

  // The graph of (run, role), created on first use on the given value axis (yAxis by default).
  QCPGraph* graph(int run, int role, QCPAxis* value_axis = nullptr);
  QCPGraph* findGraph(int run, int role) const;
  void removeRun(int run);
  // A graph is drawn while its run is visible and the graph is shown (the default).
  void setRunVisible(int run, bool visible);
  void setGraphShown(int run, int role, bool shown);
  // The graph that stands for its run in the legend (role 0 by default): one item per run.
  void setLegendRole(int run, int role);
  // What the readout calls the graph's values ("αₖ"); empty: the value axis' label.
  void setSeriesName(int run, int role, const QString& name);
  // Refreshes the legend after graph names or styles changed.
  void updateLegend();
  bool legendShown() const { return legend_shown_; }
  // Below the axes (the default), or inside them in a corner; kNone is setLegendShown(false).
  void setLegendPlace(LegendPlace place);
  LegendPlace legendPlace() const { return legend_place_; }
  // Shown, but left out because it would take more than kMaxLegendRows rows.
  bool legendCrowded() const { return legend_crowded_; }
  static constexpr int kMaxLegendRows = 3;
  void setLegendShown(bool shown);

  void clearMarkers(int run);
  void addMarker(int run, double x, const QColor& color, const QString& label);
  int markerCount() const { return int(markers_.size()); }

  // Rescales to the visible data unless the user has zoomed or panned.
  void fit();
  void resetView();  // back to following the data
  bool userView() const { return user_view_; }
  // Centres the x range on x keeping its width (on a logarithmic axis, its ratio), as a pan
  // would, and draws a cursor line there for a few seconds (plot_cursor.cpp). False, and
  // nothing moves, where x has no place on the axis (not finite; not positive on a log axis).
  bool centreOn(double x, const QColor& color);
  bool cursorShown() const;
  double cursorX() const;  // where the cursor line was drawn last (NaN: never)
  // A queued replot: several requests in one event-loop pass draw once.
  void requestReplot() { replot(QCustomPlot::rpQueuedReplot); }

  // The crosshair's current text (for tests and the status bar); empty when hidden.
  QString readout() const;
  // Where its box lies, in widget coordinates (empty when hidden).
  QRectF readoutRect() const;
  // Moves the crosshair as if the mouse were at pos (widget coordinates).
  void showReadoutAt(const QPointF& pos);
  // Shows the readout again where the mouse last was, for new data under a resting mouse.
  void refreshReadout();

 protected:
  void leaveEvent(QEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  struct Entry {
    QPointer<QCPGraph> graph;
    bool shown = true;
    QString series;
  };
  struct RunView {
    bool visible = true;
    int legend_role = 0;
  };
  struct Marker {
    int run = 0;
    QPointer<QCPItemStraightLine> line;
    QPointer<QCPItemText> label;
  };
  void onMouseMove(QMouseEvent* event);
  void onMousePress(QMouseEvent* event);
  void hideReadout();
  void applyRun(int run);
  void placeLegend();
  const Entry* entryOf(const QCPGraph* graph) const;
  static void ApplyScale(QCPAxis* axis, bool log);

  QString title_;
  std::map<std::pair<int, int>, Entry> graphs_;
  std::map<int, RunView> runs_;
  bool legend_shown_ = true;
  bool legend_crowded_ = false;
  LegendPlace legend_place_ = LegendPlace::kBelow;
  QCPTextElement* heading_ = nullptr;
  std::vector<Marker> markers_;
  QCPItemTracer* tracer_ = nullptr;
  QCPItemText* readout_ = nullptr;
  QCPItemStraightLine* cross_ = nullptr;
  QCPItemStraightLine* cursor_ = nullptr;  // made on the first centreOn()
  QTimer* cursor_timer_ = nullptr;
  bool user_view_ = false;
  QPointF last_mouse_;  // where the readout was last asked for
};

}  // namespace studio
