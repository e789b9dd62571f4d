// One training plot: a QCustomPlot with a title, a legend, zoom and pan, a crosshair readout that
// follows the mouse (snapping to the nearest data point), graphs keyed by (run, role), and
// vertical markers where a knob was changed. While the user has not zoomed or panned, the axes
// follow the data; a double-click returns to that.
#pragma once

#include <qcustomplot.h>
#include <QPointer>
#include <map>
#include <utility>
#include <vector>

namespace studio {

class CurvePlot final : public QCustomPlot {
  Q_OBJECT

 public:
  explicit CurvePlot(const QString& title, QWidget* parent = nullptr);

  QString title() const { return title_; }
  void setLogX(bool log);
  void setLogY(bool log, QCPAxis* axis = nullptr);  // yAxis by default
  bool logX() const;

  // The graph of (run, role), created on first use on the given value axis (yAxis by default).
  QCPGraph* graph(int run, int role, QCPAxis* value_axis = nullptr);
  QCPGraph* findGraph(int run, int role) const;
  void removeRun(int run);
  void setRunVisible(int run, bool visible);

  void clearMarkers(int run);
  void addMarker(int run, double x, const QColor& color, const QString& label);
  int markerCount() const { return int(markers_.size()); }

  // Rescales to the visible data unless the user has zoomed or panned.
  void fit();
  void resetView();  // back to following the data
  bool userView() const { return user_view_; }
  // A queued replot: several requests in one event-loop pass draw once.
  void requestReplot() { replot(QCustomPlot::rpQueuedReplot); }

  // The crosshair's current text (for tests and the status bar); empty when hidden.
  QString readout() const;
  // Moves the crosshair as if the mouse were at pos (widget coordinates).
  void showReadoutAt(const QPointF& pos);

 protected:
  void leaveEvent(QEvent* event) override;

 private:
  struct Marker {
    int run = 0;
    QPointer<QCPItemStraightLine> line;
    QPointer<QCPItemText> label;
  };
  void onMouseMove(QMouseEvent* event);
  void onMousePress(QMouseEvent* event);
  void hideReadout();
  static void ApplyScale(QCPAxis* axis, bool log);

  QString title_;
  std::map<std::pair<int, int>, QPointer<QCPGraph>> graphs_;
  std::vector<Marker> markers_;
  QCPItemTracer* tracer_ = nullptr;
  QCPItemText* readout_ = nullptr;
  QCPItemStraightLine* cross_ = nullptr;
  bool user_view_ = false;
};

}  // namespace studio
