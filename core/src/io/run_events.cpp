// RunFolder's events of note: the initial and final test PSNRs, the display name and the number
// of processes, written as events.jsonl lines and found again among a run's events.
#include <cmath>
#include <cstdio>
#include <limits>

#include "bilevel/run_folder.h"
#include "io/run_folder_text.h"

namespace bilevel {

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

}  // namespace bilevel
