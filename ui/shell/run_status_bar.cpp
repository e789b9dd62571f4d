#include "run_status_bar.h"

#include <QLabel>
#include <QProgressBar>
#include <QStatusBar>
#include <cmath>

namespace studio {
namespace {

QString Duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return QStringLiteral("–");
  const long s = std::lround(seconds);
  if (s < 60) return QStringLiteral("%1 s").arg(s);
  if (s < 3600) return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
  return QStringLiteral("%1:%2:%3")
      .arg(s / 3600)
      .arg((s / 60) % 60, 2, 10, QLatin1Char('0'))
      .arg(s % 60, 2, 10, QLatin1Char('0'));
}

QString Rate(double per_second) {
  if (per_second >= 1e6) return QStringLiteral("%1 M").arg(per_second / 1e6, 0, 'f', 2);
  if (per_second >= 1e3) return QStringLiteral("%1 k").arg(per_second / 1e3, 0, 'f', 1);
  return QStringLiteral("%1 ").arg(per_second, 0, 'f', per_second < 10 ? 2 : 1);
}

}  // namespace

RunStatusBar::RunStatusBar(QStatusBar* bar) : QObject(bar) {
  backend_ = new QLabel;
  backend_->setObjectName(QStringLiteral("backendLabel"));
  state_ = new QLabel;
  state_->setObjectName(QStringLiteral("stateLabel"));
  iteration_ = new QLabel;
  iteration_->setObjectName(QStringLiteral("iterationLabel"));
  speed_ = new QLabel;
  speed_->setObjectName(QStringLiteral("speedLabel"));
  eta_ = new QLabel;
  eta_->setObjectName(QStringLiteral("etaLabel"));
  progress_ = new QProgressBar;
  progress_->setObjectName(QStringLiteral("statusProgress"));
  progress_->setMaximumWidth(160);
  progress_->setMaximumHeight(16);
  progress_->setTextVisible(true);
  progress_->hide();
  for (QLabel* label : {state_, iteration_, speed_, eta_, backend_}) {
    label->setContentsMargins(6, 0, 6, 0);
    bar->addPermanentWidget(label);
  }
  bar->addPermanentWidget(progress_);
  setState(QStringLiteral("idle"));
}

void RunStatusBar::setBackend(const QString& backend, const QStringList& warnings) {
  QStringList why;
  for (const QString& w : warnings)
    if (w.contains(QLatin1String("running on the CPU"))) why << w;
  if (why.isEmpty()) {
    backend_->setText(backend);
    backend_->setToolTip(tr("Where the engine computes"));
    return;
  }
  backend_->setText(tr("%1 (GPU not used)").arg(backend));
  backend_->setToolTip(
      tr("Where the engine computes. The GPU was not used: %1").arg(why.join(QLatin1String("; "))));
}

QString RunStatusBar::backendText() const {
  return backend_->text();
}

QString RunStatusBar::backendToolTip() const {
  return backend_->toolTip();
}

void RunStatusBar::setState(const QString& state) {
  state_->setText(QStringLiteral("<b>%1</b>").arg(state));
  if (state == QLatin1String("idle") && !busy_) {
    progress_->hide();
    eta_->clear();
  }
}

void RunStatusBar::resetRun() {
  samples_.clear();
  speed_->clear();
  eta_->clear();
  iteration_->clear();
}

void RunStatusBar::setProgress(const ProgressSnapshot& p) {
  if (!samples_.empty() && p.wall_seconds < samples_.back().wall) samples_.clear();
  samples_.push_back({p.wall_seconds, p.iteration, p.computations, p.budget_fraction});
  while (samples_.size() > 2 && samples_.back().wall - samples_.front().wall > 5.0)
    samples_.pop_front();
  iteration_->setText(tr("iteration %1 · epoch %2").arg(p.iteration).arg(p.epoch, 0, 'f', 2));
  speed_->setText(speedText());
  // At the pace of the last few seconds: a run's pace changes (the first solves start cold, the
  // accuracy tightens), so the average since its start misleads.
  double eta = NAN;
  if (p.budget_fraction > 0 && p.budget_fraction < 1) {
    eta = p.wall_seconds * (1 - p.budget_fraction) / p.budget_fraction;
    const Sample& first = samples_.front();
    const double dt = p.wall_seconds - first.wall, df = p.budget_fraction - first.fraction;
    if (dt >= 1.0 && df > 0) eta = dt * (1 - p.budget_fraction) / df;
  }
  eta_->setText(p.budget_fraction >= 1 ? QString() : tr("ETA %1").arg(Duration(eta)));
  if (!busy_) {
    progress_->setRange(0, 1000);
    progress_->setValue(int(std::lround(1000 * p.budget_fraction)));
    progress_->setFormat(QStringLiteral("%p%"));
    progress_->show();
  }
}

QString RunStatusBar::speedText() const {
  if (samples_.size() < 2) return {};
  const Sample& a = samples_.front();
  const Sample& b = samples_.back();
  const double dt = b.wall - a.wall;
  if (!(dt > 0)) return {};
  return tr("%1it/s · %2comp/s")
      .arg(Rate(double(b.iteration - a.iteration) / dt),
           Rate(double(b.computations - a.computations) / dt));
}

QString RunStatusBar::etaText() const {
  return eta_->text();
}

QString RunStatusBar::iterationText() const {
  return iteration_->text();
}

void RunStatusBar::setBusy(const QString& what, int done, int total) {
  busy_ = true;
  progress_->setRange(0, total);
  progress_->setValue(done);
  progress_->setFormat(what + (total > 0 ? QStringLiteral(" %v/%m") : QString()));
  progress_->show();
}

void RunStatusBar::clearBusy() {
  busy_ = false;
  progress_->hide();
}

}  // namespace studio
