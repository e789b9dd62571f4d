// The tables of a set evaluation (bilevel/set_evaluation.h) of one or more regularizers, as
// bilevel-cli evaluate and the desktop application write them: CSV (a row per image and
// regularizer, a mean row per regularizer) and Markdown (a row per image, PSNR and SSIM per
// regularizer, the means last).
#pragma once

#include <string>
#include <vector>

#include "bilevel/set_evaluation.h"

namespace bilevel {

struct LabelledScores {
  std::string label;  // ScoresLabel of the regularizer's file
  SetScores scores;
};

// The label of a regularizer file in the tables: the file's stem, or its folder's name for a
// run's regularizer.json ("runs/fast-1/regularizer.json" -> "fast-1").
std::string ScoresLabel(const std::string& file);

// regularizer,image,psnr,ssim,iterations,seconds,measured_psnr,residual,tolerance,converged
// and, after each regularizer's images, its mean row (mean iterations and seconds per image, the
// count of converged solves in the last column).
std::string SetScoresCsv(const std::vector<LabelledScores>& all);

// One row per image (those of the first regularizer), PSNR (dB, 2 decimals) and SSIM (4
// decimals) per regularizer; the means last. Empty for no regularizer.
std::string SetScoresMarkdown(const std::vector<LabelledScores>& all);

}  // namespace bilevel
