#include "bilevel/file_evaluation.h"

#include <algorithm>
#include <map>

#include "bilevel/regularizer_io.h"

namespace bilevel {
namespace {

struct Loaded {
  RegularizerSettings settings;
  Eigen::VectorXd theta;
  ColorMode color = ColorMode::kGrey;
};

void AddOnce(const std::string& warning, std::vector<std::string>* warnings) {
  if (std::find(warnings->begin(), warnings->end(), warning) == warnings->end())
    warnings->push_back(warning);
}

}  // namespace

Status EvaluateFiles(const FileEvaluation& what, std::vector<LabelledScores>* out,
                     std::vector<std::string>* warnings) {
  out->clear();
  if (what.files.empty())
    return Status::Error("give a regularizer file (regularizer.json or .npz)");
  if (what.folder.empty()) return Status::Error("give the folder of clean images");
  if (Status s = what.options.problem.validate(); !s.ok()) return s;
  if (Status s = what.options.solve.validate(); !s.ok()) return s;
  std::vector<Loaded> loaded(what.files.size());
  for (std::size_t k = 0; k < what.files.size(); ++k) {
    const std::string& file = what.files[k];
    if (Status s = ReadRegularizerFile(file, &loaded[k].settings, &loaded[k].theta); !s.ok())
      return s;
    const long long channels = loaded[k].settings.integer("regularizer.channels");
    if (channels != 1 && channels != 3)
      return Status::Error("'" + file + "': a regularizer of " + std::to_string(channels) +
                           " channels fits neither grey (1) nor colour (3) images");
    loaded[k].color = channels == 1 ? ColorMode::kGrey : ColorMode::kColor;
  }
  std::map<ColorMode, std::vector<NamedImage>> sets;
  for (std::size_t k = 0; k < what.files.size(); ++k) {
    auto set = sets.find(loaded[k].color);
    if (set == sets.end()) {
      std::vector<NamedImage> images;
      std::vector<std::string> skipped;
      const Status s = ReadImageSet(what.folder, loaded[k].color, &images, &skipped, what.reading);
      for (const std::string& w : skipped)
        AddOnce(w, warnings);
      if (!s.ok()) return s;
      set = sets.emplace(loaded[k].color, std::move(images)).first;
    }
    LabelledScores scores{ScoresLabel(what.files[k]), {}};
    for (const LabelledScores& other : *out)
      if (other.label == scores.label) scores.label += "-" + std::to_string(out->size() + 1);
    SetEvaluationOptions options = what.options;
    if (what.before_each) what.before_each(k, scores.label, set->second, &options);
    const Status s =
        EvaluateSet(loaded[k].settings, loaded[k].theta, set->second, options, &scores.scores);
    for (const std::string& w : scores.scores.warnings)
      AddOnce(w, warnings);
    if (!s.ok()) return Status::Error(scores.label + ": " + s.message());
    out->push_back(std::move(scores));
  }
  return Status::Ok();
}

}  // namespace bilevel
