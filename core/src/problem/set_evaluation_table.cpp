#include "bilevel/set_evaluation_table.h"

#include <cstdio>
#include <filesystem>

namespace bilevel {

std::string ScoresLabel(const std::string& file) {
  namespace fs = std::filesystem;
  const fs::path path(file);
  const std::string stem = path.stem().string();
  if (stem == "regularizer" && path.has_parent_path()) {
    std::error_code ec;
    const fs::path absolute = fs::absolute(path, ec);
    const std::string folder = ec ? std::string() : absolute.parent_path().filename().string();
    if (!folder.empty()) return folder;
  }
  return stem;
}

std::string SetScoresCsv(const std::vector<LabelledScores>& all) {
  std::string text =
      "regularizer,image,psnr,ssim,iterations,seconds,measured_psnr,residual,tolerance,converged\n";
  char line[512];
  for (const LabelledScores& e : all) {
    long iterations = 0;
    for (const ImageScore& s : e.scores.images) {
      std::snprintf(line, sizeof line, "%s,%s,%.6f,%.6f,%d,%.3f,%.6f,%.6e,%.6e,%d\n",
                    e.label.c_str(), s.name.c_str(), s.psnr, s.ssim, s.iterations, s.seconds,
                    s.measured_psnr, s.residual, s.tolerance, s.converged ? 1 : 0);
      text += line;
      iterations += s.iterations;
    }
    const double n = double(e.scores.images.size());
    std::snprintf(line, sizeof line, "%s,mean,%.6f,%.6f,%.1f,%.3f,,,,%d\n", e.label.c_str(),
                  e.scores.mean_psnr, e.scores.mean_ssim, double(iterations) / n,
                  e.scores.seconds / n, int(n) - e.scores.unconverged);
    text += line;
  }
  return text;
}

std::string SetScoresMarkdown(const std::vector<LabelledScores>& all) {
  if (all.empty()) return {};
  std::string text = "| image |", rule = "| --- |";
  for (const LabelledScores& e : all) {
    text += " " + e.label + " PSNR | SSIM |";
    rule += " --: | --: |";
  }
  text += "\n" + rule + "\n";
  char cell[64];
  const std::size_t rows = all.front().scores.images.size();
  for (std::size_t k = 0; k <= rows; ++k) {
    text += k < rows ? "| " + all.front().scores.images[k].name + " |" : "| **mean** |";
    for (const LabelledScores& e : all) {
      const bool mean = k == rows;
      // A regularizer with fewer images (another colour mode that skipped a file) leaves its
      // cells of the missing rows empty.
      if (!mean && k >= e.scores.images.size()) {
        text += " | |";
        continue;
      }
      std::snprintf(cell, sizeof cell, " %.2f | %.4f |",
                    mean ? e.scores.mean_psnr : e.scores.images[k].psnr,
                    mean ? e.scores.mean_ssim : e.scores.images[k].ssim);
      text += cell;
    }
    text += "\n";
  }
  return text;
}

}  // namespace bilevel
