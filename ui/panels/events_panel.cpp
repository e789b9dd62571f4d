#include "events_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QScrollBar>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "bilevel/config_json.h"
#include "run_labels.h"
#include "string_conversion.h"

namespace studio {
namespace {

constexpr int kIndexRole = Qt::UserRole;       // on kIteration: the event's index in the run
constexpr int kFilterRole = Qt::UserRole + 1;  // on kKind: its Filter

struct KindInfo {
  const char* kind;
  const char* label;
  EventsPanel::Filter filter;
};

// The kinds a run reports (run_record.h), with how the list names them.
constexpr KindInfo kKinds[] = {
    {"knob", "knob", EventsPanel::kKnobs},
    {"start", "start", EventsPanel::kRunControl},
    {"resume", "continued", EventsPanel::kRunControl},
    {"pause", "paused", EventsPanel::kRunControl},
    {"continue", "resumed", EventsPanel::kRunControl},
    {"stop", "stopped", EventsPanel::kRunControl},
    {"budget", "budget", EventsPanel::kRunControl},
    {"finished", "finished", EventsPanel::kRunControl},
    {"warning", "warning", EventsPanel::kProblems},
    {"error", "error", EventsPanel::kProblems},
    {"diverged", "diverged", EventsPanel::kProblems},
    {"initial", "initial", EventsPanel::kOther},
    {"final", "final", EventsPanel::kOther},
    {"backend", "backend", EventsPanel::kOther},
    {"name", "renamed", EventsPanel::kOther},
};

const KindInfo* FindKind(const std::string& kind) {
  for (const KindInfo& k : kKinds)
    if (kind == k.kind) return &k;
  return nullptr;
}

QString KindLabel(const std::string& kind) {
  const KindInfo* info = FindKind(kind);
  return info ? QString::fromLatin1(info->label) : ToQString(kind);
}

QString Capitalised(QString text) {
  if (!text.isEmpty()) text[0] = text[0].toUpper();
  return text;
}

// Numbers with four significant digits, as the knob markers show them; texts as they are.
QString ValueText(const std::string& value) {
  bool number = false;
  const double v = ToQString(value).toDouble(&number);
  return number ? QString::number(v, 'g', 4) : ToQString(value);
}

}  // namespace

EventsPanel::EventsPanel(RunStore& store, QWidget* parent) : QWidget(parent), store_(store) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);
  auto* bar = new QHBoxLayout;
  title_ = new QLabel;
  title_->setObjectName(QStringLiteral("eventsTitle"));
  title_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  bar->addWidget(title_, 1);
  filter_ = new QComboBox;
  filter_->setObjectName(QStringLiteral("eventsFilter"));
  filter_->addItem(tr("All events"), kAll);
  filter_->addItem(tr("Knob changes"), kKnobs);
  filter_->addItem(tr("Start, pause, stop"), kRunControl);
  filter_->addItem(tr("Warnings and errors"), kProblems);
  filter_->addItem(tr("Other"), kOther);
  filter_->setToolTip(tr("Which events the list shows"));
  bar->addWidget(filter_);
  layout->addLayout(bar);

  tree_ = new QTreeWidget;
  tree_->setObjectName(QStringLiteral("eventsTree"));
  tree_->setColumnCount(kColumns);
  tree_->setHeaderLabels({tr("Iter."), tr("Kind"), tr("Event")});
  tree_->setRootIsDecorated(false);
  tree_->setUniformRowHeights(true);
  tree_->setAlternatingRowColors(true);
  tree_->setAllColumnsShowFocus(true);
  tree_->setSelectionMode(QAbstractItemView::SingleSelection);
  tree_->setTextElideMode(Qt::ElideRight);  // the tooltip has the whole text
  tree_->setWordWrap(false);
  tree_->setIconSize(QSize(14, 14));
  tree_->setToolTip(tr("Click an event to centre the plots on its iteration"));
  const QFontMetrics metrics = tree_->fontMetrics();
  tree_->header()->setStretchLastSection(true);
  tree_->header()->resizeSection(kIteration,
                                 metrics.horizontalAdvance(QStringLiteral("000000")) + 16);
  tree_->header()->resizeSection(kKind,
                                 metrics.horizontalAdvance(QStringLiteral("continued")) + 36);
  layout->addWidget(tree_, 1);

  connect(filter_, &QComboBox::currentIndexChanged, this, &EventsPanel::applyFilter);
  connect(tree_, &QTreeWidget::itemClicked, this, &EventsPanel::onItemActivated);
  connect(tree_, &QTreeWidget::itemActivated, this, &EventsPanel::onItemActivated);
  connect(&store_, &RunStore::eventsAppended, this, [this](int id, int first) {
    if (id != run_) return;
    if (first == tree_->topLevelItemCount())
      append(first);
    else
      rebuild();  // not the list's continuation: start again
  });
  connect(&store_, &RunStore::runChanged, this, [this](int id) {
    if (id == run_) updateTitle();
  });
  connect(&store_, &RunStore::runRemoved, this, [this](int id) {
    if (id == run_) setRun(0);
  });
  rebuild();
}

EventsPanel::Filter EventsPanel::FilterOf(const std::string& kind) {
  const KindInfo* info = FindKind(kind);
  return info ? info->filter : kOther;
}

QString EventsPanel::Describe(const RunSeries& run, std::size_t index) {
  const bilevel::RunEvent& e = run.events[index];
  const QString message = ToQString(e.message);
  if (e.kind == "knob" && !e.field.empty()) {
    std::string before;
    for (std::size_t i = index; i-- > 0;)
      if (run.events[i].kind == "knob" && run.events[i].field == e.field) {
        before = run.events[i].value;
        break;
      }
    if (before.empty() && !bilevel::GetConfigField(run.config, e.field, &before).ok())
      before.clear();
    QString text = KnobSymbol(e.field) + QStringLiteral(" = ");
    if (!before.empty() && ValueText(before) != ValueText(e.value))
      text += ValueText(before) + QStringLiteral(" → ");
    return text + ValueText(e.value);
  }
  if (e.kind == "pause") return tr("Paused");
  if (e.kind == "continue") return tr("Resumed");
  if (e.kind == "backend" && !message.isEmpty()) return tr("Backend: %1").arg(message);
  if (e.kind == "name" && !e.value.empty()) return tr("Named “%1”").arg(ToQString(e.value));
  if (message.isEmpty()) return Capitalised(KindLabel(e.kind));
  return Capitalised(message);
}

void EventsPanel::setRun(int id) {
  if (id == run_) return;
  run_ = id;
  rebuild();
}

EventsPanel::Filter EventsPanel::filter() const {
  return Filter(filter_->currentData().toInt());
}

void EventsPanel::setFilter(Filter filter) {
  filter_->setCurrentIndex(std::max(0, filter_->findData(int(filter))));
}

void EventsPanel::rebuild() {
  tree_->clear();
  append(0);
  updateTitle();
}

void EventsPanel::append(int first) {
  const RunSeries* run = store_.find(run_);
  if (!run || first < 0 || std::size_t(first) >= run->events.size()) return;
  const QScrollBar* bar = tree_->verticalScrollBar();
  const bool at_end = bar->value() == bar->maximum();
  const Filter shown = filter();
  const QColor problem_color = palette().color(QPalette::Text).lightness() > 128
                                   ? QColor(0xff, 0x9a, 0x5c)
                                   : QColor(0xb0, 0x3a, 0x00);
  QIcon warning_icon, error_icon;  // made once per batch, where needed
  QList<QTreeWidgetItem*> items;
  for (std::size_t i = std::size_t(first); i < run->events.size(); ++i) {
    const bilevel::RunEvent& e = run->events[i];
    const Filter filter = FilterOf(e.kind);
    const QString description = Describe(*run, i);
    auto* item = new QTreeWidgetItem;
    item->setData(kIteration, kIndexRole, int(i));
    item->setData(kKind, kFilterRole, int(filter));
    item->setText(kIteration, QString::number(e.iteration));
    item->setTextAlignment(kIteration, Qt::AlignRight | Qt::AlignVCenter);
    item->setText(kKind, KindLabel(e.kind));
    item->setText(kDescription, description);
    if (filter == kProblems) {
      QIcon& icon = e.kind == "warning" ? warning_icon : error_icon;
      if (icon.isNull())
        icon = style()->standardIcon(e.kind == "warning" ? QStyle::SP_MessageBoxWarning
                                                         : QStyle::SP_MessageBoxCritical);
      item->setIcon(kKind, icon);
      item->setForeground(kDescription, problem_color);
    }
    // The whole text, wrapped (rich text), with the message where the description is shorter.
    QStringList lines = {description.toHtmlEscaped()};
    if (!e.message.empty() && ToQString(e.message) != description)
      lines << ToQString(e.message).toHtmlEscaped();
    lines << tr("after iteration %1, %2 s of training")
                 .arg(e.iteration)
                 .arg(e.wall_seconds, 0, 'f', 1);
    const QString tip = QStringLiteral("<p>%1</p>").arg(lines.join(QStringLiteral("<br>")));
    for (int c = 0; c < kColumns; ++c)
      item->setToolTip(c, tip);
    item->setHidden(shown != kAll && filter != shown);
    items << item;
  }
  tree_->addTopLevelItems(items);
  if (at_end && first > 0) tree_->scrollToBottom();  // keep following the run's latest events
  updateTitle();
}

void EventsPanel::applyFilter() {
  const Filter shown = filter();
  for (int i = 0; i < tree_->topLevelItemCount(); ++i) {
    QTreeWidgetItem* item = tree_->topLevelItem(i);
    item->setHidden(shown != kAll && item->data(kKind, kFilterRole).toInt() != shown);
  }
  updateTitle();
}

void EventsPanel::updateTitle() {
  const RunSeries* run = store_.find(run_);
  if (!run) {
    title_->setText(tr("No run selected"));
    return;
  }
  const int total = tree_->topLevelItemCount();
  int shown = 0;
  for (int i = 0; i < total; ++i)
    shown += tree_->topLevelItem(i)->isHidden() ? 0 : 1;
  const QString count = shown == total ? tr("%n event(s)", nullptr, total)
                                       : tr("%1 of %n event(s)", nullptr, total).arg(shown);
  title_->setText(QStringLiteral("%1: %2").arg(run->name, count));
  title_->setToolTip(run->folder.isEmpty() ? run->name : run->folder + "/events.jsonl");
}

bool EventsPanel::activate(int row) {
  QTreeWidgetItem* item = tree_->topLevelItem(row);
  if (!item) return false;
  tree_->setCurrentItem(item);
  onItemActivated(item);
  return true;
}

void EventsPanel::onItemActivated(QTreeWidgetItem* item) {
  const RunSeries* run = store_.find(run_);
  if (!run || !item) return;
  const int index = item->data(kIteration, kIndexRole).toInt();
  if (index < 0 || std::size_t(index) >= run->events.size()) return;
  const bilevel::RunEvent& e = run->events[std::size_t(index)];
  emit eventActivated(run_, e.iteration, e.wall_seconds);
}

}  // namespace studio
