// The lines of events.jsonl, and RunFolder's events of note: the initial and final test PSNRs,
// the display name and the number of processes, written as events.jsonl lines and found again
// among a run's events.
#include <cmath>
#include <cstdio>
#include <limits>

#include "bilevel/run_folder.h"
#include "io/json_read.h"
#include "io/run_folder_text.h"

namespace bilevel {

using namespace json;
using run_text::DoubleText;
using run_text::ParseNumber;

RunEvent RunFolder::InitialEvent(double test_psnr) {
  char text[64];
  std::snprintf(text, sizeof text, "initial test PSNR %.3f dB", test_psnr);
  return {.kind = "initial", .field = "test_psnr", .value = DoubleText(test_psnr), .message = text};
}

double RunFolder::InitialTestPsnr(const std::vector<RunEvent>& events) {
  for (const RunEvent& e : events) {
    double psnr = 0.0;
    if (e.kind == "initial" && e.field == "test_psnr" && ParseNumber(e.value, &psnr) &&
        std::isfinite(psnr))
      return psnr;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

RunEvent RunFolder::FinalEvent(double test_psnr) {
  char text[64];
  std::snprintf(text, sizeof text, "final test PSNR %.3f dB", test_psnr);
  return {.kind = "final", .field = "test_psnr", .value = DoubleText(test_psnr), .message = text};
}

double RunFolder::FinalTestPsnr(const std::vector<RunEvent>& events) {
  for (auto e = events.rbegin(); e != events.rend(); ++e) {
    double psnr = 0.0;
    if (e->kind == "final" && e->field == "test_psnr" && ParseNumber(e->value, &psnr) &&
        std::isfinite(psnr))
      return psnr;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

RunEvent RunFolder::ProcessesEvent(int processes) {
  const std::string n = std::to_string(processes);
  return {.kind = "ranks",
          .field = "ranks",
          .value = n,
          .message = processes > 1 ? n +
                                         " processes (MPI): training and test image i on process "
                                         "i mod " +
                                         n
                                   : "one process"};
}

int RunFolder::Processes(const std::vector<RunEvent>& events) {
  for (auto e = events.rbegin(); e != events.rend(); ++e) {
    double n = 0.0;
    if (e->kind == "ranks" && ParseNumber(e->value, &n) && n >= 1 && n <= 1e9) return int(n);
  }
  return 1;
}

std::string RunFolder::DisplayName(const std::vector<RunEvent>& events) {
  for (auto e = events.rbegin(); e != events.rend(); ++e)
    if (e->kind == "name" && !e->value.empty()) return e->value;
  return {};
}

std::string RunEventToJson(const RunEvent& event) {
  Json node = Json::object();
  node["iteration"] = event.iteration;
  node["wall_seconds"] = event.wall_seconds;
  node["kind"] = event.kind;
  if (!event.field.empty()) node["field"] = event.field;
  if (!event.value.empty()) node["value"] = event.value;
  node["message"] = event.message;
  return Dump(node, -1);
}

Status RunEventFromJson(std::string_view line, RunEvent* event) {
  if (!event) return Status::Error("RunEventFromJson: no output given");
  Json root;
  if (Status s = Parse(line, "the event", &root); !s.ok()) return s;
  if (!root.is_object())
    return Status::Error("an event must be a JSON object, got " + Describe(root));
  RunEvent out;
  const Json* kind = Find(root, "kind");
  if (!kind) return Status::Error("the event has no \"kind\"");
  Status s = Read(*kind, "kind", &out.kind);
  if (s.ok() && out.kind.empty()) s = Status::Error("kind must not be empty");
  if (const Json* n = Find(root, "iteration"); s.ok() && n)
    s = Read(*n, "iteration", &out.iteration);
  if (const Json* n = Find(root, "wall_seconds"); s.ok() && n) {
    if (n->is_null())
      out.wall_seconds = std::numeric_limits<double>::quiet_NaN();
    else
      s = Read(*n, "wall_seconds", &out.wall_seconds);
  }
  if (const Json* n = Find(root, "field"); s.ok() && n) s = Read(*n, "field", &out.field);
  if (const Json* n = Find(root, "value"); s.ok() && n) s = Read(*n, "value", &out.value);
  if (const Json* n = Find(root, "message"); s.ok() && n) s = Read(*n, "message", &out.message);
  if (!s.ok()) return Status::Error("event: " + s.message());
  *event = std::move(out);
  return Status::Ok();
}

}  // namespace bilevel
