#include "solver_panel.h"

#include <QVBoxLayout>
#include <algorithm>

namespace studio {

SolverPanel::SolverPanel(RunStore& store, QWidget* parent) : QWidget(parent), store_(store) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  plot_ = new CurvePlot(tr("Inner iterations per upper step"));
  plot_->setObjectName(QStringLiteral("solverPlot"));
  plot_->xAxis->setLabel(tr("upper iterations"));
  plot_->yAxis->setLabel(tr("FISTA (solid), CG (dashed)"));
  plot_->setLogY(true);
  layout->addWidget(plot_, 1);
  limits_ = new QLabel;
  limits_->setObjectName(QStringLiteral("solverLimits"));
  limits_->setWordWrap(true);
  layout->addWidget(limits_);
  connect(&store_, &RunStore::runAdded, this, &SolverPanel::rebuild);
  connect(&store_, &RunStore::runChanged, this, &SolverPanel::rebuild);
  connect(&store_, &RunStore::recordsAppended, this, &SolverPanel::append);
  connect(&store_, &RunStore::recordsReset, this, &SolverPanel::rebuild);
  connect(&store_, &RunStore::eventsAppended, this, [this](int, int) { updateLimits(); });
  connect(&store_, &RunStore::runRemoved, this, [this](int id) {
    plot_->removeRun(id);
    updateLimits();
    plot_->requestReplot();
  });
  updateLimits();
}

void SolverPanel::append(int id, int first) {
  const RunSeries* run = store_.find(id);
  if (!run) return;
  QCPGraph* fista = plot_->graph(id, kFista);
  QCPGraph* cg = plot_->graph(id, kCg);
  long last_lower = 0, last_cg = 0;
  if (first > 0 && first <= int(run->records.size())) {
    last_lower = run->records[std::size_t(first - 1)].lower_iterations;
    last_cg = run->records[std::size_t(first - 1)].cg_iterations;
  }
  for (std::size_t k = std::size_t(std::max(0, first)); k < run->records.size(); ++k) {
    const bilevel::IterationRecord& r = run->records[k];
    // Log axis: a step without work of a solver (MAID's loss evaluations have no CG) is a gap.
    fista->addData(double(r.iteration), r.lower_iterations > last_lower
                                            ? double(r.lower_iterations - last_lower)
                                            : qQNaN());
    cg->addData(double(r.iteration),
                r.cg_iterations > last_cg ? double(r.cg_iterations - last_cg) : qQNaN());
    last_lower = r.lower_iterations;
    last_cg = r.cg_iterations;
  }
  plot_->fit();
  plot_->requestReplot();
  updateLimits();
}

void SolverPanel::rebuild(int id) {
  const RunSeries* run = store_.find(id);
  if (!run) return;
  QCPGraph* fista = plot_->graph(id, kFista);
  QCPGraph* cg = plot_->graph(id, kCg);
  fista->data()->clear();
  cg->data()->clear();
  append(id, 0);
  fista->setName(run->name);
  fista->setPen(QPen(run->color, 1.5));
  cg->setPen(QPen(run->color, 1.2, Qt::DashLine));
  plot_->setSeriesName(id, kFista, tr("FISTA"));
  plot_->setSeriesName(id, kCg, tr("CG"));
  plot_->setLegendRole(id, kFista);
  plot_->setRunVisible(id, run->visible);
  plot_->updateLegend();
  plot_->fit();
  plot_->requestReplot();
  updateLimits();
}

void SolverPanel::updateLimits() {
  QStringList hit;
  for (const RunSeries* run : store_.runs()) {
    const SolveLimits limits = CountSolveLimits(*run);
    const QString steps = limits.steps == 1 ? tr("1 step") : tr("%1 steps").arg(limits.steps);
    if (limits.solves > 0)
      hit << tr("%1 (%2 solves in %3)").arg(run->name).arg(limits.solves).arg(steps);
    else if (limits.steps > 0)
      hit << tr("%1 (%2)").arg(run->name, steps);
  }
  limits_->setText(hit.isEmpty() ? tr("Every inner solve met its tolerance.")
                                 : tr("Stopped at an iteration limit: %1").arg(hit.join(", ")));
}

}  // namespace studio
