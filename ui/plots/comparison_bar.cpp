#include "comparison_bar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <algorithm>
#include <cmath>

#include "run_store.h"
#include "run_summary.h"
#include "string_conversion.h"

namespace studio {
namespace {

QString Db(double v) {
  return QString::number(v, 'f', 2);
}

QString Signed(double v) {
  return (v >= 0 ? QStringLiteral("+") : QStringLiteral("−")) + Db(std::abs(v)) +
         QStringLiteral(" dB");
}

long Computations(const RunSeries& run) {
  return run.records.empty() ? 0 : run.records.back().computations;
}

QString Part(const QString& method, const TestPsnrs& at) {
  if (std::isnan(at.last)) return QObject::tr("%1: no test PSNR").arg(method);
  return QObject::tr("%1: best %2, last %3 dB").arg(method, Db(at.best), Db(at.last));
}

}  // namespace

QString ComparisonLine(const RunSeries& first, const RunSeries& second) {
  const QString a_name = MethodLabel(first.config.trainer.method);
  const QString b_name = MethodLabel(second.config.trainer.method);
  const long common = std::min(Computations(first), Computations(second));
  const TestPsnrs a = TestPsnrsWithin(first, common), b = TestPsnrsWithin(second, common);
  QString line =
      QObject::tr("Within %1 computations · ").arg(QLocale().toString(qlonglong(common))) +
      Part(a_name, a) + QStringLiteral(" · ") + Part(b_name, b);
  if (!std::isnan(a.last) && !std::isnan(b.last))
    line += QObject::tr(" · %1 − %2: best %3, last %4")
                .arg(a_name, b_name, Signed(a.best - b.best), Signed(a.last - b.last));
  return line;
}

ComparisonBar::ComparisonBar(RunStore& store, QWidget* parent) : QWidget(parent), store_(store) {
  setObjectName(QStringLiteral("comparisonBar"));
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(6, 2, 6, 2);
  label_ = new QLabel;
  label_->setObjectName(QStringLiteral("comparisonSummary"));
  label_->setWordWrap(true);
  label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* all = new QPushButton(tr("Show all runs"));
  all->setToolTip(tr("Leave the comparison and show the runs it hid"));
  layout->addWidget(label_, 1);
  layout->addWidget(all);
  connect(all, &QPushButton::clicked, this, &ComparisonBar::leave);
  connect(&store_, &RunStore::recordsAppended, this, [this](int id, int) { refresh(id); });
  connect(&store_, &RunStore::eventsAppended, this, [this](int id, int) { refresh(id); });
  connect(&store_, &RunStore::runChanged, this, &ComparisonBar::refresh);
  connect(&store_, &RunStore::runRemoved, this, [this](int id) {
    if (id == first_ || id == second_) leave();
  });
  hide();
}

void ComparisonBar::compare(int first, int second) {
  leave();
  first_ = first;
  second_ = second;
  for (const RunSeries* run : store_.runs())
    if (run->id != first && run->id != second && run->visible) {
      hidden_.push_back(run->id);
      store_.setVisible(run->id, false);
    }
  store_.setVisible(first, true);
  store_.setVisible(second, true);
  refresh(first);
  show();
}

void ComparisonBar::leave() {
  for (int id : hidden_)
    if (store_.find(id)) store_.setVisible(id, true);
  hidden_.clear();
  first_ = second_ = 0;
  label_->clear();
  hide();
}

QString ComparisonBar::text() const {
  return label_->text();
}

void ComparisonBar::refresh(int id) {
  if (!active() || (id != first_ && id != second_)) return;
  const RunSeries* a = store_.find(first_);
  const RunSeries* b = store_.find(second_);
  if (a && b) label_->setText(ComparisonLine(*a, *b));
}

}  // namespace studio
