#include "snapshot_buffer.h"

#include <utility>

namespace studio {

void SnapshotBuffer::begin(int run_id) {
  std::lock_guard lock(mutex_);
  pending_ = Batch{};
  pending_.run_id = run_id;
}

void SnapshotBuffer::addRecord(const bilevel::IterationRecord& record) {
  std::lock_guard lock(mutex_);
  pending_.records.push_back(record);
}

void SnapshotBuffer::addEvent(const bilevel::RunEvent& event) {
  std::lock_guard lock(mutex_);
  pending_.events.push_back(event);
}

void SnapshotBuffer::setProgress(const ProgressSnapshot& progress) {
  std::lock_guard lock(mutex_);
  pending_.progress = progress;
}

void SnapshotBuffer::setPreview(std::shared_ptr<const PreviewSnapshot> preview) {
  std::lock_guard lock(mutex_);
  pending_.preview = std::move(preview);
}

void SnapshotBuffer::setState(bilevel::RunState state) {
  std::lock_guard lock(mutex_);
  pending_.state = state;
}

SnapshotBuffer::Batch SnapshotBuffer::take() {
  std::lock_guard lock(mutex_);
  Batch out = std::move(pending_);
  pending_ = Batch{};
  pending_.run_id = out.run_id;
  return out;
}

}  // namespace studio
