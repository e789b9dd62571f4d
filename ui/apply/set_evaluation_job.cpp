#include "set_evaluation_job.h"

#include <QFileInfo>
#include <QString>
#include <algorithm>
#include <exception>
#include <map>
#include <new>

#include "bilevel/dataset.h"
#include "bilevel/regularizer_io.h"
#include "image_conversion.h"

namespace studio {
namespace {

struct LoadedRegularizer {
  std::string file;
  bilevel::RegularizerSettings settings;
  Eigen::VectorXd theta;
  bilevel::ColorMode color = bilevel::ColorMode::kGrey;
};

void AddWarning(const std::string& warning, std::vector<std::string>* warnings) {
  if (std::find(warnings->begin(), warnings->end(), warning) == warnings->end())
    warnings->push_back(warning);
}

// The inputs that need no solve: the folder, the options and every file, before the first
// (long) evaluation starts.
bilevel::Status ReadInputs(const SetEvaluationRequest& request,
                           std::vector<LoadedRegularizer>* out) {
  if (request.regularizers.empty())
    return bilevel::Status::Error("add a regularizer file (regularizer.json or .npz)");
  if (request.folder.empty()) return bilevel::Status::Error("choose the folder of clean images");
  const QFileInfo folder(QString::fromStdString(request.folder));
  if (!folder.exists())
    return bilevel::Status::Error("the folder '" + request.folder + "' does not exist");
  if (!folder.isDir()) return bilevel::Status::Error("'" + request.folder + "' is not a folder");
  if (bilevel::Status s = request.options.problem.validate(); !s.ok()) return s;
  if (bilevel::Status s = request.options.solve.validate(); !s.ok()) return s;
  for (const std::string& file : request.regularizers) {
    LoadedRegularizer r;
    r.file = file;
    if (bilevel::Status s = bilevel::ReadRegularizerFile(file, &r.settings, &r.theta); !s.ok())
      return s;
    const long long channels = r.settings.integer("regularizer.channels");
    if (channels != 1 && channels != 3)
      return bilevel::Status::Error("'" + file + "': a regularizer of " + std::to_string(channels) +
                                    " channels fits neither grey (1) nor colour (3) images");
    r.color = channels == 1 ? bilevel::ColorMode::kGrey : bilevel::ColorMode::kColor;
    out->push_back(std::move(r));
  }
  return bilevel::Status::Ok();
}

SetEvaluationResult Evaluate(const SetEvaluationRequest& request, const std::atomic<bool>* cancel,
                             SetEvaluationProgress* progress) {
  SetEvaluationResult result;
  std::vector<LoadedRegularizer> regularizers;
  if (bilevel::Status s = ReadInputs(request, &regularizers); !s.ok()) {
    result.status = s;
    return result;
  }
  if (progress) progress->regularizers.store(int(regularizers.size()));
  const auto cancelled = [cancel] { return cancel && cancel->load(); };
  // Grey regularizers read the images as grey, colour ones as colour: each set once.
  std::map<bilevel::ColorMode, std::vector<bilevel::NamedImage>> sets;
  for (std::size_t k = 0; k < regularizers.size(); ++k) {
    const LoadedRegularizer& reg = regularizers[k];
    if (progress) {
      progress->regularizer.store(int(k));
      progress->done.store(0);
      progress->total.store(0);
    }
    auto set = sets.find(reg.color);
    if (set == sets.end()) {
      std::vector<bilevel::NamedImage> images;
      std::vector<std::string> warnings;
      const bilevel::LoadProgress keep_going = [&](int, int) { return !cancelled(); };
      const bilevel::Status s =
          bilevel::ReadImageSet(request.folder, reg.color, &images, &warnings, keep_going);
      for (const std::string& w : warnings)
        AddWarning(w, &result.warnings);
      if (!s.ok()) {
        result.cancelled = cancelled();
        result.status = result.cancelled ? bilevel::Status::Error("cancelled") : s;
        return result;
      }
      set = sets.emplace(reg.color, std::move(images)).first;
    }
    const std::vector<bilevel::NamedImage>& images = set->second;
    if (progress) progress->total.store(int(images.size()));

    bilevel::LabelledScores scores{bilevel::ScoresLabel(reg.file), {}};
    for (const bilevel::LabelledScores& other : result.scores)
      if (other.label == scores.label)
        scores.label += "-" + std::to_string(result.scores.size() + 1);
    SetEvaluationPictures pictures;
    pictures.measured.resize(images.size());
    pictures.restored.resize(images.size());
    bilevel::SetEvaluationOptions options = request.options;
    options.solve.fista.keep_going = [cancelled] { return !cancelled(); };
    options.progress = [progress](int done, int) {
      if (progress) progress->done.store(done);
    };
    options.reconstructed = [&pictures](int i, const bilevel::Batch<float>& x,
                                        const bilevel::Batch<float>& measured) {
      if (i < 0 || i >= int(pictures.restored.size())) return;
      pictures.restored[std::size_t(i)] = ToQImage(x, 0);
      pictures.measured[std::size_t(i)] = ToQImage(measured, 0);
    };
    const bilevel::Status s =
        bilevel::EvaluateSet(reg.settings, reg.theta, images, options, &scores.scores);
    for (const std::string& w : scores.scores.warnings)
      AddWarning(w, &result.warnings);
    if (!s.ok()) {
      result.cancelled = cancelled();
      result.status = result.cancelled ? bilevel::Status::Error("cancelled")
                                       : bilevel::Status::Error(scores.label + ": " + s.message());
      return result;
    }
    result.scores.push_back(std::move(scores));
    result.pictures.push_back(std::move(pictures));
  }
  return result;
}

}  // namespace

SetEvaluationResult RunSetEvaluationJob(const SetEvaluationRequest& request,
                                        const std::atomic<bool>* cancel,
                                        SetEvaluationProgress* progress) {
  try {
    return Evaluate(request, cancel, progress);
  } catch (const std::bad_alloc&) {
    SetEvaluationResult result;
    result.status = bilevel::Status::Error("out of memory");
    return result;
  } catch (const std::exception& e) {
    SetEvaluationResult result;
    result.status = bilevel::Status::Error(std::string("internal error: ") + e.what());
    return result;
  } catch (...) {
    SetEvaluationResult result;
    result.status = bilevel::Status::Error("internal error");
    return result;
  }
}

}  // namespace studio
