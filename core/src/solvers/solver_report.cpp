#include "bilevel/solver_report.h"

#include <algorithm>
#include <cstdio>

namespace bilevel {

const char* ToString(SolverStatus status) {
  switch (status) {
    case SolverStatus::kConverged:
      return "converged";
    case SolverStatus::kMaxIterations:
      return "max_iterations";
    case SolverStatus::kNonFinite:
      return "non_finite";
    case SolverStatus::kCancelled:
      return "cancelled";
    case SolverStatus::kInvalidInput:
      return "invalid_input";
  }
  return "unknown";
}

long SolveSummary::totalIterations() const {
  long total = 0;
  for (const auto& im : images)
    total += im.iterations;
  return total;
}

long SolveSummary::totalPowerIterations() const {
  long total = 0;
  for (const auto& im : images)
    total += im.power_iterations;
  return total;
}

std::string SolveSummary::briefReport() const {
  double worst = 0.0;
  int converged = 0;
  for (const auto& im : images) {
    worst = std::max(worst, im.residual);
    converged += im.converged ? 1 : 0;
  }
  char line[256];
  std::snprintf(line, sizeof line, "%s: %d/%zu images converged, %ld iterations, max residual %.3g",
                ToString(status), converged, images.size(), totalIterations(), worst);
  std::string report = line;
  if (!message.empty()) report += " (" + message + ")";
  return report;
}

// "FISTA: 2 of 8 images stopped at the precision floor (||grad h|| up to 3.1e-03, tolerance
// 1.0e-03)".
std::string StallMessage(const SolveSummary& summary, double tolerance) {
  int count = 0;
  double worst = 0.0;
  for (const ImageSolveReport& r : summary.images)
    if (r.stalled) {
      ++count;
      worst = std::max(worst, r.residual);
    }
  char text[160];
  std::snprintf(text, sizeof text,
                "FISTA: %d of %zu images stopped at the precision floor (||grad h|| up to %.2e, "
                "tolerance %.2e)",
                count, summary.images.size(), worst, tolerance);
  return text;
}

}  // namespace bilevel
