// A classical baseline scored on a set of whole images, as a learned regularizer is.
#include <chrono>

#include "bilevel/baselines.h"

namespace bilevel {

Status EvaluateBaselineSet(BaselineKind kind, double parameter,
                           const std::vector<NamedImage>& images,
                           const SetEvaluationOptions& options, SetScores* out) {
  return ScoreSet(
      images, options,
      [&](const ForwardOperator<float>& op, const Batch<float>& measured) {
        ReconstructResult r;
        const auto start = std::chrono::steady_clock::now();
        r.status = RunBaseline(kind, parameter, op, measured, &r.x);
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        r.backend = "CPU (OpenCV)";
        r.summary.status = r.status.ok() ? SolverStatus::kConverged : SolverStatus::kInvalidInput;
        ImageSolveReport report;
        report.converged = true;
        r.summary.images.assign(std::size_t(measured.n()), report);
        return r;
      },
      out);
}

}  // namespace bilevel
