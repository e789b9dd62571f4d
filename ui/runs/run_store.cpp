#include "run_store.h"

#include <algorithm>

namespace studio {

RunStore::RunStore(QObject* parent) : QObject(parent) {}
RunStore::~RunStore() = default;

const std::vector<QColor>& RunStore::Palette() {
  // Tableau 10.
  static const std::vector<QColor> colors = {QColor(0x4e, 0x79, 0xa7), QColor(0xf2, 0x8e, 0x2b),
                                             QColor(0xe1, 0x57, 0x59), QColor(0x59, 0xa1, 0x4f),
                                             QColor(0xb0, 0x7a, 0xa1), QColor(0x76, 0xb7, 0xb2),
                                             QColor(0xed, 0xc9, 0x48), QColor(0xff, 0x9d, 0xa7),
                                             QColor(0x9c, 0x75, 0x5f), QColor(0xba, 0xb0, 0xac)};
  return colors;
}

int RunStore::add(RunSeries run) {
  run.id = next_id_++;
  if (!run.color.isValid()) {
    const auto& palette = Palette();
    std::vector<int> uses(palette.size(), 0);
    for (const auto& r : runs_)
      for (std::size_t c = 0; c < palette.size(); ++c)
        if (r->color == palette[c]) ++uses[c];
    const auto least = std::min_element(uses.begin(), uses.end());
    run.color = palette[std::size_t(least - uses.begin())];
  }
  const int id = run.id;
  runs_.push_back(std::make_unique<RunSeries>(std::move(run)));
  emit runAdded(id);
  return id;
}

void RunStore::remove(int id) {
  const auto it =
      std::find_if(runs_.begin(), runs_.end(), [id](const auto& r) { return r->id == id; });
  if (it == runs_.end()) return;
  runs_.erase(it);
  emit runRemoved(id);
}

RunSeries* RunStore::get(int id) {
  for (const auto& r : runs_)
    if (r->id == id) return r.get();
  return nullptr;
}

const RunSeries* RunStore::find(int id) const {
  for (const auto& r : runs_)
    if (r->id == id) return r.get();
  return nullptr;
}

std::vector<const RunSeries*> RunStore::runs() const {
  std::vector<const RunSeries*> out;
  for (const auto& r : runs_)
    out.push_back(r.get());
  return out;
}

void RunStore::setName(int id, const QString& name) {
  RunSeries* r = get(id);
  if (!r || r->name == name || name.trimmed().isEmpty()) return;
  r->name = name.trimmed();
  emit runChanged(id);
}

void RunStore::setVisible(int id, bool visible) {
  RunSeries* r = get(id);
  if (!r || r->visible == visible) return;
  r->visible = visible;
  emit runChanged(id);
}

void RunStore::setStatus(int id, const QString& status) {
  RunSeries* r = get(id);
  if (!r || r->status == status) return;
  r->status = status;
  emit runChanged(id);
}

void RunStore::setFolder(int id, const QString& folder) {
  RunSeries* r = get(id);
  if (!r || r->folder == folder) return;
  r->folder = folder;
  emit runChanged(id);
}

void RunStore::setBackend(int id, const QString& backend) {
  RunSeries* r = get(id);
  if (!r) return;
  r->backend = backend;
  emit runChanged(id);
}

void RunStore::setConfig(int id, const bilevel::TrainingConfig& config) {
  RunSeries* r = get(id);
  if (!r) return;
  r->config = config;
  emit runChanged(id);
}

void RunStore::setInitialTestPsnr(int id, double psnr) {
  RunSeries* r = get(id);
  if (!r) return;
  r->initial_test_psnr = psnr;
  emit recordsReset(id);
}

void RunStore::setParameters(int id, const bilevel::RegularizerSettings& regularizer,
                             const Eigen::VectorXd& theta) {
  RunSeries* r = get(id);
  if (!r) return;
  r->regularizer = regularizer;
  r->theta = theta;
  emit runChanged(id);
}

void RunStore::appendRecords(int id, const std::vector<bilevel::IterationRecord>& records) {
  RunSeries* r = get(id);
  if (!r || records.empty()) return;
  const int first = int(r->records.size());
  r->records.insert(r->records.end(), records.begin(), records.end());
  emit recordsAppended(id, first);
}

void RunStore::appendEvents(int id, const std::vector<bilevel::RunEvent>& events) {
  RunSeries* r = get(id);
  if (!r || events.empty()) return;
  const int first = int(r->events.size());
  r->events.insert(r->events.end(), events.begin(), events.end());
  emit eventsAppended(id, first);
}

void RunStore::truncate(int id, long iteration) {
  RunSeries* r = get(id);
  if (!r) return;
  const auto keep = std::partition_point(
      r->records.begin(), r->records.end(),
      [iteration](const bilevel::IterationRecord& rec) { return rec.iteration <= iteration; });
  if (keep == r->records.end()) return;
  r->records.erase(keep, r->records.end());
  emit recordsReset(id);
}

}  // namespace studio
