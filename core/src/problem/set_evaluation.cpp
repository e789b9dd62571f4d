#include "bilevel/set_evaluation.h"

#include <algorithm>
#include <map>
#include <new>
#include <tuple>

#include "bilevel/metrics.h"

namespace bilevel {
namespace {

// The image indices in batches of one size each, at most `size` images, in order of first use.
std::vector<std::vector<int>> Batches(const std::vector<NamedImage>& images, int size) {
  std::map<std::tuple<int, int, int>, std::size_t> open;
  std::vector<std::vector<int>> batches;
  for (int i = 0; i < int(images.size()); ++i) {
    const Shape s = images[std::size_t(i)].image.shape();
    const auto key = std::make_tuple(s.c, s.h, s.w);
    auto it = open.find(key);
    if (it == open.end() || int(batches[it->second].size()) >= size) {
      batches.emplace_back();
      it = open.insert_or_assign(key, batches.size() - 1).first;
    }
    batches[it->second].push_back(i);
  }
  return batches;
}

// The images of a batch, their measurements and the operator of them all.
struct Measured {
  Batch<float> clean, measured;
  std::unique_ptr<ForwardOperator<float>> op;
};

Status Measure(const std::vector<NamedImage>& images, const std::vector<int>& indices,
               const ProblemOptions& options, Measured* out) {
  const Shape one = images[std::size_t(indices.front())].image.shape();
  const Shape shape{int(indices.size()), one.c, one.h, one.w};
  out->clean = Batch<float>(shape);
  out->measured = Batch<float>(shape);
  Batch<float> masks(options.kind == OperatorKind::kInpainting ? shape : Shape{0, 0, 0, 0});
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const int i = indices[k];
    Dataset single;
    single.train = images[std::size_t(i)].image;
    ProblemOptions own = options;
    own.seed = options.seed + unsigned(i);
    ProblemData data;
    if (Status s = MakeProblem(own, single, &data); !s.ok()) return s;
    std::copy_n(single.train.image(0), shape.imageSize(), out->clean.image(int(k)));
    std::copy_n(data.train_measured.image(0), shape.imageSize(), out->measured.image(int(k)));
    if (options.kind == OperatorKind::kInpainting) {
      const auto& op = static_cast<const InpaintingOperator<float>&>(*data.train_op);
      std::copy_n(op.masks().image(0), shape.imageSize(), masks.image(int(k)));
    } else if (!out->op) {
      out->op = std::move(data.train_op);  // one image's blur or identity applies to every one
    }
  }
  if (options.kind == OperatorKind::kInpainting)
    out->op = std::make_unique<InpaintingOperator<float>>(std::move(masks));
  return Status::Ok();
}

}  // namespace

Status EvaluateSet(const RegularizerSettings& settings, const Eigen::VectorXd& theta,
                   const std::vector<NamedImage>& images, const SetEvaluationOptions& options,
                   SetScores* out) {
  *out = SetScores{};
  if (Status s = options.solve.validate(); !s.ok()) return s;
  return ScoreSet(
      images, options,
      [&](const ForwardOperator<float>& op, const Batch<float>& measured) {
        return Reconstruct(settings, theta, op, measured, options.solve);
      },
      out);
}

Status ScoreSet(const std::vector<NamedImage>& images, const SetEvaluationOptions& options,
                const SetSolver& solve, SetScores* out) {
  *out = SetScores{};
  if (Status s = options.problem.validate(); !s.ok()) return s;
  if (options.batch < 1) return Status::Error("batch must be >= 1");
  if (images.empty()) return Status::Error("no images to evaluate");
  const int total = int(images.size());
  double psnr = 0.0, ssim = 0.0;
  std::vector<int> scored;  // the image of each score
  try {
    for (const std::vector<int>& indices : Batches(images, options.batch)) {
      Measured m;
      if (Status s = Measure(images, indices, options.problem, &m); !s.ok()) return s;
      const ReconstructResult r = solve(*m.op, m.measured);
      for (const std::string& w : r.warnings)
        if (std::find(out->warnings.begin(), out->warnings.end(), w) == out->warnings.end())
          out->warnings.push_back(w);
      out->backend = r.backend;
      const std::string& first = images[std::size_t(indices.front())].name;
      if (!r.status.ok())
        return Status::Error(first + (indices.size() > 1 ? " and its batch" : "") + ": " +
                             r.status.message());
      out->seconds += r.seconds;
      for (std::size_t k = 0; k < indices.size(); ++k) {
        const int i = indices[k];
        const ImageSolveReport& solve = r.summary.images[k];
        ImageScore score;
        score.name = images[std::size_t(i)].name;
        score.measured_psnr = Psnr(m.measured, m.clean, int(k));
        score.psnr = Psnr(r.x, m.clean, int(k));
        score.ssim = Ssim(r.x, m.clean, int(k));
        score.iterations = solve.iterations;
        score.residual = solve.residual;
        score.tolerance = r.tolerance;
        score.converged = solve.converged;
        score.seconds = r.seconds / double(indices.size());
        out->unconverged += score.converged ? 0 : 1;
        psnr += score.psnr;
        ssim += score.ssim;
        out->images.push_back(std::move(score));
        scored.push_back(i);
        if (options.reconstructed) {
          Batch<float> x(Shape{1, r.x.c(), r.x.h(), r.x.w()});
          std::copy_n(r.x.image(int(k)), x.size(), x.data());
          Batch<float> y(x.shape());
          std::copy_n(m.measured.image(int(k)), y.size(), y.data());
          options.reconstructed(i, x, y);
        }
      }
      if (options.progress) options.progress(int(out->images.size()), total);
    }
  } catch (const std::bad_alloc&) {
    return Status::Error("out of memory");
  }
  // Batches group images by size: the scores in the order given.
  std::vector<ImageScore> ordered(images.size());
  for (std::size_t k = 0; k < scored.size(); ++k)
    ordered[std::size_t(scored[k])] = std::move(out->images[k]);
  out->images = std::move(ordered);
  out->mean_psnr = psnr / total;
  out->mean_ssim = ssim / total;
  return Status::Ok();
}

}  // namespace bilevel
