// bilevel-cli evaluate --regularizer: learned regularizers on a folder of whole images by the
// literature's protocol (bilevel/set_evaluation.h), one table of PSNR and SSIM per image and
// regularizer, as CSV and Markdown.
#pragma once

#include <QCommandLineParser>

namespace cli {

struct SetEvaluationFlags {
  QCommandLineOption regularizer{"regularizer",
                                 "Evaluate this regularizer (regularizer.json or .npz) on --data; "
                                 "repeat for several (one table).",
                                 "FILE"};
  QCommandLineOption data{"data", "The clean images: a folder (and its subfolders).", "FOLDER"};
  QCommandLineOption sigma{"sigma", "Noise standard deviation on the 0-255 scale.", "S", "25"};
  QCommandLineOption problem{"problem", "denoise, deblur or inpaint.", "KIND", "denoise"};
  QCommandLineOption blur_size{"blur-size", "Gaussian blur size (deblur).", "K", "7"};
  QCommandLineOption blur_sigma{"blur-sigma", "Gaussian blur sigma in pixels (deblur).", "S", "2"};
  QCommandLineOption keep{"keep-fraction", "Inpaint: share of pixels observed.", "F", "0.5"};
  QCommandLineOption mu0{"mu0", "Strong convexity mu0 of the lower level.", "M", "0"};
  QCommandLineOption seed{
      "seed", "Seed of the noise and masks: image k (in sorted order) uses SEED + k.", "SEED", "0"};
  QCommandLineOption eps{"eps",
                         "Accuracy of every solve: ||grad h|| <= eps * sqrt(N / (C 96^2)) for an "
                         "image of N values and C channels (eps per pixel as on 96 x 96).",
                         "E", "1e-3"};
  QCommandLineOption max_iterations{"max-iterations", "FISTA iteration limit per image.", "N",
                                    "5000"};
  QCommandLineOption batch{"batch", "Images of one size solved together (threads share them).", "N",
                           "16"};
  QCommandLineOption out{"out",
                         "Write the table as CSV (a row per image and regularizer, a mean row "
                         "per regularizer) and as Markdown beside it (.md).",
                         "FILE"};
  QCommandLineOption save{"save",
                          "Write each reconstruction as a 16-bit PNG named like its clean image "
                          "(in a folder per regularizer when there are several).",
                          "DIR"};
  QCommandLineOption save_measured{
      "save-measured",
      "Write each image's measurement (the noisy image) as a float32 .npy array of shape (C, H, "
      "W) on [0, 1], neither rounded nor clipped, named like its clean image (a folder per "
      "regularizer as --save): the same inputs for another implementation, or for apply.",
      "DIR"};
  void addTo(QCommandLineParser& parser) const;
};

// Runs the set form of `evaluate`; device and allow are the command's --device and
// --allow-unconverged. Returns the exit code: 0, 1 on a failure, 2 on a usage error, 3 when a
// solve stopped at its iteration limit (without --allow-unconverged; the tables are written),
// 130 when interrupted.
int RunSetEvaluation(const QCommandLineParser& parser, const SetEvaluationFlags& flags,
                     const QCommandLineOption& device, const QCommandLineOption& allow);

}  // namespace cli
