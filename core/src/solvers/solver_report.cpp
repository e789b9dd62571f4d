#include "bilevel/solver_report.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

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

long SolveSummary::unconvergedImages() const {
  return long(std::count_if(images.begin(), images.end(),
                            [](const ImageSolveReport& r) { return !r.converged; }));
}

std::string UnconvergedText(const char* solver, const char* residual,
                            const std::vector<double>& residuals,
                            const std::vector<char>& converged, const std::vector<int>& indices,
                            double tolerance, long* missed) {
  std::string which;
  double worst = 0.0;
  long count = 0;
  for (std::size_t k = 0; k < converged.size(); ++k) {
    if (converged[k]) continue;
    ++count;
    worst = std::max(worst, residuals[k]);
    if (count <= 8)
      which +=
          (which.empty() ? "" : ", ") + std::to_string(k < indices.size() ? indices[k] : int(k));
    else if (count == 9)
      which += ", ...";
  }
  if (missed) *missed = count;
  if (count == 0) return {};
  char numbers[96];
  std::snprintf(numbers, sizeof numbers, "%s up to %.3g, tolerance %.3g", residual, worst,
                tolerance);
  return std::string(solver) + " stopped at its iteration limit (max_iterations) on " +
         std::to_string(count) + " of " + std::to_string(converged.size()) + " images (" + which +
         "): " + numbers;
}

std::string UnconvergedText(const char* solver, const char* residual, const SolveSummary& summary,
                            double tolerance) {
  std::vector<double> residuals;
  std::vector<char> converged;
  for (const ImageSolveReport& r : summary.images) {
    residuals.push_back(r.residual);
    converged.push_back(r.converged ? 1 : 0);
  }
  return UnconvergedText(solver, residual, residuals, converged, {}, tolerance);
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
