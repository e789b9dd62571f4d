#include "run_list_panel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <cmath>

#include "bilevel/run_folder.h"
#include "run_labels.h"
#include "run_store.h"
#include "run_summary.h"
#include "string_conversion.h"

namespace studio {
namespace {

enum Column {
  kName,
  kMethod,
  kProblem,
  kData,
  kRegularizer,
  kProcesses,
  kIterations,
  kTestPsnr,
  kStatus,
  kColumns
};

QIcon Swatch(const QColor& color) {
  QPixmap pixmap(14, 14);
  pixmap.fill(Qt::transparent);
  QPainter p(&pixmap);
  p.setRenderHint(QPainter::Antialiasing);
  p.setBrush(color);
  p.setPen(color.darker(140));
  p.drawRoundedRect(QRectF(1.5, 1.5, 11, 11), 3, 3);
  return QIcon(pixmap);
}

}  // namespace

RunListPanel::RunListPanel(RunStore& store, QWidget* parent) : QWidget(parent), store_(store) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);
  tree_ = new QTreeWidget;
  tree_->setObjectName(QStringLiteral("runTree"));
  tree_->setColumnCount(kColumns);
  tree_->setHeaderLabels({tr("Run"), tr("Method"), tr("Problem"), tr("Data"), tr("Regularizer"),
                          tr("Ranks"), tr("Iter."), tr("Test PSNR"), tr("Status")});
  tree_->headerItem()->setToolTip(
      kProcesses, tr("Processes that computed the run: more than one in a data-parallel run "
                     "started with mpirun"));
  tree_->setRootIsDecorated(false);
  tree_->setUniformRowHeights(true);
  tree_->setAlternatingRowColors(true);
  tree_->setEditTriggers(QAbstractItemView::EditKeyPressed | QAbstractItemView::DoubleClicked);
  // Every column as wide as its texts, names included: a narrow dock scrolls rather than cuts.
  tree_->header()->setStretchLastSection(true);
  for (int c = kName; c < kColumns; ++c)
    tree_->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
  tree_->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
  tree_->setTextElideMode(Qt::ElideNone);
  layout->addWidget(tree_, 1);

  auto* buttons = new QHBoxLayout;
  auto* open = new QPushButton(tr("Open run…"));
  open->setObjectName(QStringLiteral("openRunButton"));
  auto* rename = new QPushButton(tr("Rename"));
  auto* remove = new QPushButton(tr("Remove"));
  remove->setObjectName(QStringLiteral("removeRunButton"));
  buttons->addWidget(open);
  buttons->addWidget(rename);
  buttons->addWidget(remove);
  buttons->addStretch(1);
  layout->addLayout(buttons);

  connect(open, &QPushButton::clicked, this, &RunListPanel::openRequested);
  connect(rename, &QPushButton::clicked, this, &RunListPanel::renameCurrent);
  connect(remove, &QPushButton::clicked, this, [this] {
    if (const int id = currentRun()) emit removeRequested(id);
  });
  connect(tree_, &QTreeWidget::currentItemChanged, this,
          [this] { emit currentRunChanged(currentRun()); });
  connect(tree_, &QTreeWidget::itemChanged, this, &RunListPanel::onItemChanged);
  connect(&store_, &RunStore::runAdded, this, &RunListPanel::onRunAdded);
  connect(&store_, &RunStore::runRemoved, this, &RunListPanel::onRunRemoved);
  connect(&store_, &RunStore::runChanged, this, &RunListPanel::refresh);
  connect(&store_, &RunStore::recordsAppended, this, [this](int id, int) { refresh(id); });
  connect(&store_, &RunStore::eventsAppended, this, [this](int id, int) { refresh(id); });
  connect(&store_, &RunStore::recordsReset, this, &RunListPanel::refresh);
}

QTreeWidgetItem* RunListPanel::item(int id) const {
  for (int i = 0; i < tree_->topLevelItemCount(); ++i)
    if (tree_->topLevelItem(i)->data(kName, Qt::UserRole).toInt() == id)
      return tree_->topLevelItem(i);
  return nullptr;
}

int RunListPanel::currentRun() const {
  const QTreeWidgetItem* current = tree_->currentItem();
  return current ? current->data(kName, Qt::UserRole).toInt() : 0;
}

void RunListPanel::setCurrentRun(int id) {
  if (QTreeWidgetItem* it = item(id)) tree_->setCurrentItem(it);
}

void RunListPanel::renameCurrent() {
  if (QTreeWidgetItem* current = tree_->currentItem()) tree_->editItem(current, kName);
}

void RunListPanel::onRunAdded(int id) {
  auto* it = new QTreeWidgetItem;
  it->setData(kName, Qt::UserRole, id);
  it->setFlags(it->flags() | Qt::ItemIsEditable | Qt::ItemIsUserCheckable);
  updating_ = true;
  tree_->addTopLevelItem(it);
  updating_ = false;
  refresh(id);
  tree_->setCurrentItem(it);
}

void RunListPanel::onRunRemoved(int id) {
  delete item(id);
}

void RunListPanel::refresh(int id) {
  const RunSeries* run = store_.find(id);
  QTreeWidgetItem* it = item(id);
  if (!run || !it) return;
  updating_ = true;
  it->setText(kName, run->name);
  it->setIcon(kName, Swatch(run->color));
  it->setCheckState(kName, run->visible ? Qt::Checked : Qt::Unchecked);
  it->setText(kMethod, MethodLabel(run->config.trainer.method));
  it->setText(kProblem, ProblemLabel(run->config.problem));
  it->setText(kData, DataLabel(run->config.dataset));
  it->setToolTip(kData, run->config.dataset.folder.empty() ? tr("the built-in photographs")
                                                           : ToQString(run->config.dataset.folder));
  it->setText(kRegularizer, RegularizerLabel(run->config.regularizer));
  it->setText(kProcesses, QString::number(bilevel::RunFolder::Processes(run->events)));
  it->setText(kIterations, run->records.empty() ? QStringLiteral("–")
                                                : QString::number(run->records.back().iteration));
  const RunSummary summary = Summarize(*run);
  it->setText(kTestPsnr, std::isnan(summary.final_test_psnr)
                             ? QStringLiteral("–")
                             : QStringLiteral("%1 dB").arg(summary.final_test_psnr, 0, 'f', 2));
  it->setToolTip(kTestPsnr, std::isnan(summary.best_test_psnr)
                                ? QString()
                                : tr("best %1 dB").arg(summary.best_test_psnr, 0, 'f', 2));
  it->setText(kStatus, run->status);
  it->setToolTip(kName, run->name + QStringLiteral("\n") +
                            (run->folder.isEmpty() ? tr("not recorded on disk") : run->folder));
  it->setToolTip(kStatus, run->backend);
  updating_ = false;
}

void RunListPanel::onItemChanged(QTreeWidgetItem* it, int column) {
  if (updating_ || column != kName) return;
  const int id = it->data(kName, Qt::UserRole).toInt();
  store_.setVisible(id, it->checkState(kName) == Qt::Checked);
  const QString name = it->text(kName).trimmed();
  if (!name.isEmpty())
    store_.setName(id, name);
  else
    refresh(id);
}

}  // namespace studio
