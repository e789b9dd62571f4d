#include "evaluate_set.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "bilevel/file_evaluation.h"
#include "bilevel/npy.h"
#include "bilevel/regularizer_io.h"
#include "bilevel/set_evaluation.h"
#include "bilevel/set_evaluation_table.h"
#include "cli_common.h"

namespace cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCommand = "evaluate";

// Options shared by every regularizer; false (with the message printed) on a bad value.
bool ReadOptions(const QCommandLineParser& parser, const SetEvaluationFlags& flags,
                 const QCommandLineOption& device, bilevel::SetEvaluationOptions* options) {
  bool ok[9] = {};
  bilevel::ProblemOptions& p = options->problem;
  p.noise_sigma = parser.value(flags.sigma).toDouble(&ok[0]);
  p.blur.size = parser.value(flags.blur_size).toInt(&ok[1]);
  p.blur.sigma = parser.value(flags.blur_sigma).toDouble(&ok[2]);
  p.keep_fraction = parser.value(flags.keep).toDouble(&ok[3]);
  p.seed = parser.value(flags.seed).toUInt(&ok[4]);
  options->solve.mu0 = parser.value(flags.mu0).toDouble(&ok[5]);
  options->solve.fista.tolerance = parser.value(flags.eps).toDouble(&ok[6]);
  options->solve.fista.max_iterations = parser.value(flags.max_iterations).toInt(&ok[7]);
  options->batch = parser.value(flags.batch).toInt(&ok[8]);
  for (bool b : ok)
    if (!b) {
      Fail(kCommand,
           "--sigma, --blur-size, --blur-sigma, --keep-fraction, --seed, --mu0, --eps, "
           "--max-iterations and --batch take numbers",
           2);
      return false;
    }
  const std::string kind = parser.value(flags.problem).toStdString();
  const auto found = bilevel::OperatorKindFromString(kind);
  if (!found) {
    Fail(kCommand, "--problem takes denoise, deblur or inpaint, got '" + kind + "'", 2);
    return false;
  }
  p.kind = *found;
  const std::string where = parser.isSet(device) ? parser.value(device).toStdString() : "auto";
  const auto preference = bilevel::DevicePreferenceFromString(where);
  if (!preference) {
    Fail(kCommand, "--device expects auto, cpu or cuda, got '" + where + "'", 2);
    return false;
  }
  options->solve.device = *preference;
  for (const bilevel::Status& s : {p.validate(), options->solve.validate()})
    if (!s.ok()) {
      Fail(kCommand, s.message(), 2);
      return false;
    }
  if (options->batch < 1) {
    Fail(kCommand, "--batch must be >= 1", 2);
    return false;
  }
  return true;
}

}  // namespace

void SetEvaluationFlags::addTo(QCommandLineParser& parser) const {
  parser.addOptions({regularizer, data, sigma, problem, blur_size, blur_sigma, keep, mu0, seed, eps,
                     max_iterations, batch, out, save, save_measured});
}

int RunSetEvaluation(const QCommandLineParser& parser, const SetEvaluationFlags& flags,
                     const QCommandLineOption& device, const QCommandLineOption& allow) {
  if (!parser.positionalArguments().isEmpty())
    return Fail(kCommand, "give run folders or --regularizer, not both", 2);
  if (!parser.isSet(flags.data)) return Fail(kCommand, "--regularizer needs --data FOLDER", 2);
  bilevel::FileEvaluation what;
  if (!ReadOptions(parser, flags, device, &what.options)) return 2;
  const std::string save = parser.value(flags.save).toStdString();
  const std::string save_measured = parser.value(flags.save_measured).toStdString();
  for (const QString& file : parser.values(flags.regularizer))
    what.files.push_back(file.toStdString());
  what.folder = parser.value(flags.data).toStdString();

  const Interrupts interrupts;
  bool interrupted = false;
  what.options.solve.fista.keep_going = [&] { return !(interrupted |= Interrupts::interrupted()); };
  std::string save_error;
  auto started = std::chrono::steady_clock::now();
  // Each regularizer's reconstructions go to --save (a folder each when there are several), and
  // its progress to stderr.
  what.before_each = [&](std::size_t, const std::string& label,
                         const std::vector<bilevel::NamedImage>& images,
                         bilevel::SetEvaluationOptions* options) {
    started = std::chrono::steady_clock::now();
    options->progress = [&started, label](int done, int total) {
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::fprintf(stderr, "evaluate: %s: %d of %d images (%.0f s)\n", label.c_str(), done, total,
                   s);
    };
    const auto folder = [&](const std::string& root) {
      return root.empty() || what.files.size() == 1 ? root : root + "/" + label;
    };
    const std::string dir = folder(save), measured_dir = folder(save_measured);
    if (dir.empty() && measured_dir.empty()) return;
    options->reconstructed = [&images, &save_error, dir, measured_dir](
                                 int i, const bilevel::Batch<float>& x,
                                 const bilevel::Batch<float>& measured) {
      const auto path = [&](const std::string& root, const char* extension) {
        const fs::path name = fs::path(root) / fs::path(images[std::size_t(i)].name);
        std::error_code made;
        fs::create_directories(name.parent_path(), made);
        return fs::path(name).replace_extension(extension).string();
      };
      bilevel::Status s;
      if (!dir.empty()) s = bilevel::WriteImage(path(dir, ".png"), x, 0, 16);
      if (s.ok() && !measured_dir.empty()) {
        const std::vector<std::size_t> shape{std::size_t(measured.c()), std::size_t(measured.h()),
                                             std::size_t(measured.w())};
        const std::span<const float> values(measured.image(0), measured.imageSize());
        s = bilevel::WriteNpy(path(measured_dir, ".npy"),
                              bilevel::NpyArray::FromFloats(values, shape));
      }
      if (!s.ok() && save_error.empty()) save_error = s.message();
    };
  };
  std::vector<bilevel::LabelledScores> all;
  std::vector<std::string> warnings;
  const bilevel::Status evaluated = bilevel::EvaluateFiles(what, &all, &warnings);
  for (const std::string& w : warnings)
    std::fprintf(stderr, "bilevel-cli evaluate: warning: %s\n", w.c_str());
  if (interrupted) return Fail(kCommand, "interrupted", 130);
  if (!evaluated.ok()) return Fail(kCommand, evaluated.message());
  if (!save_error.empty()) return Fail(kCommand, save_error);
  for (const bilevel::LabelledScores& e : all)
    std::fprintf(stderr, "evaluate: %s: %zu images in %.1f s of solves on %s\n", e.label.c_str(),
                 e.scores.images.size(), e.scores.seconds, e.scores.backend.c_str());

  const std::string markdown = bilevel::SetScoresMarkdown(all);
  std::fputs(markdown.c_str(), stdout);
  if (parser.isSet(flags.out)) {
    const std::string csv_path = parser.value(flags.out).toStdString();
    const std::string md_path = fs::path(csv_path).replace_extension(".md").string();
    if (!WriteTextFile(csv_path, bilevel::SetScoresCsv(all)))
      return Fail(kCommand, "cannot write '" + csv_path + "'");
    if (md_path != csv_path && !WriteTextFile(md_path, markdown))
      return Fail(kCommand, "cannot write '" + md_path + "'");
  }
  int unconverged = 0;
  for (const bilevel::LabelledScores& e : all)
    for (const bilevel::ImageScore& s : e.scores.images)
      if (!s.converged) {
        ++unconverged;
        std::fprintf(stderr,
                     "bilevel-cli evaluate: %s: %s stopped at the iteration limit with ||grad h|| "
                     "= %.3g, above its tolerance %.3g\n",
                     e.label.c_str(), s.name.c_str(), s.residual, s.tolerance);
      }
  if (unconverged > 0 && !parser.isSet(allow))
    return Fail(kCommand,
                std::to_string(unconverged) +
                    " solves stopped at the iteration limit: their PSNR and SSIM are those of "
                    "inexact solutions (raise --max-iterations, or --allow-unconverged)",
                3);
  return 0;
}

}  // namespace cli
