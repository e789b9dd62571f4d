#include "set_evaluation_job.h"

#include <QFileInfo>
#include <QString>
#include <algorithm>
#include <exception>
#include <new>

#include "bilevel/file_evaluation.h"
#include "image_conversion.h"

namespace studio {
namespace {

SetEvaluationResult Evaluate(const SetEvaluationRequest& request, const std::atomic<bool>* cancel,
                             SetEvaluationProgress* progress) {
  SetEvaluationResult result;
  if (!request.folder.empty()) {  // the folder's own words before the engine's
    const QFileInfo folder(QString::fromStdString(request.folder));
    if (!folder.exists())
      result.status = bilevel::Status::Error("the folder '" + request.folder + "' does not exist");
    else if (!folder.isDir())
      result.status = bilevel::Status::Error("'" + request.folder + "' is not a folder");
    if (!result.status.ok()) return result;
  }
  const auto cancelled = [cancel] { return cancel && cancel->load(); };
  bilevel::FileEvaluation what;
  what.files = request.regularizers;
  what.folder = request.folder;
  what.options = request.options;
  what.options.solve.fista.keep_going = [cancelled] { return !cancelled(); };
  what.reading = [cancelled](int, int) { return !cancelled(); };
  if (progress) progress->regularizers.store(int(what.files.size()));
  // Each regularizer's measurements and reconstructions as pictures, in the images' order.
  std::vector<SetEvaluationPictures> pictures(what.files.size());
  what.before_each = [&pictures, progress](std::size_t k, const std::string&,
                                           const std::vector<bilevel::NamedImage>& images,
                                           bilevel::SetEvaluationOptions* options) {
    if (progress) {
      progress->regularizer.store(int(k));
      progress->done.store(0);
      progress->total.store(int(images.size()));
    }
    options->progress = [progress](int done, int) {
      if (progress) progress->done.store(done);
    };
    SetEvaluationPictures& own = pictures[k];
    own.measured.resize(images.size());
    own.restored.resize(images.size());
    options->reconstructed = [&own](int i, const bilevel::Batch<float>& x,
                                    const bilevel::Batch<float>& measured) {
      if (i < 0 || i >= int(own.restored.size())) return;
      own.restored[std::size_t(i)] = ToQImage(x, 0);
      own.measured[std::size_t(i)] = ToQImage(measured, 0);
    };
  };
  const bilevel::Status s = bilevel::EvaluateFiles(what, &result.scores, &result.warnings);
  pictures.resize(result.scores.size());
  result.pictures = std::move(pictures);
  result.cancelled = cancelled();
  result.status = result.cancelled ? bilevel::Status::Error("cancelled") : s;
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
