// The hand-over between the EngineWorker and the GUI. The worker adds records, events and
// the latest progress and preview under a mutex; a GUI timer takes everything at 20-30 Hz. So
// however fast training runs, the GUI sees one batch of work per timer tick and never one queued
// signal per iteration.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "bilevel/run_controller.h"
#include "bilevel/run_record.h"
#include "snapshot.h"

namespace studio {

class SnapshotBuffer {
 public:
  struct Batch {
    int run_id = 0;
    std::vector<bilevel::IterationRecord> records;
    std::vector<bilevel::RunEvent> events;
    std::optional<ProgressSnapshot> progress;
    std::shared_ptr<const PreviewSnapshot> preview;
    std::optional<bilevel::RunState> state;
    bool empty() const {
      return records.empty() && events.empty() && !progress && !preview && !state;
    }
  };

  // Starts a run: what follows belongs to run_id. Anything not taken yet is dropped.
  void begin(int run_id);
  void addRecord(const bilevel::IterationRecord& record);
  void addEvent(const bilevel::RunEvent& event);
  void setProgress(const ProgressSnapshot& progress);
  void setPreview(std::shared_ptr<const PreviewSnapshot> preview);
  void setState(bilevel::RunState state);
  // Everything added since the last take(); the buffer is empty afterwards.
  Batch take();

 private:
  std::mutex mutex_;
  Batch pending_;
};

}  // namespace studio
