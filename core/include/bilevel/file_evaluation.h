// Regularizer files scored on a folder of whole images (bilevel/set_evaluation.h), as
// bilevel-cli evaluate --regularizer and the application's Evaluate on a Folder do: every file
// is read before the first solve, the folder once per colour mode (grey regularizers read the
// images as grey, colour ones as colour), and each regularizer is labelled as the tables label
// it, made unique.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "bilevel/dataset.h"
#include "bilevel/set_evaluation.h"
#include "bilevel/set_evaluation_table.h"
#include "bilevel/status.h"

namespace bilevel {

struct FileEvaluation {
  std::vector<std::string> files;  // regularizer.json or .npz, evaluated in this order
  std::string folder;              // the clean images (and its subfolders)
  SetEvaluationOptions options;    // the problem and the solve; fista.keep_going cancels
  // Before each regularizer's solves: its index, label and images; it may set that evaluation's
  // progress and reconstructed callbacks in *options (a copy of `options` each time).
  std::function<void(std::size_t index, const std::string& label,
                     const std::vector<NamedImage>& images, SetEvaluationOptions* options)>
      before_each;
  LoadProgress reading;  // while the folder is read: false cancels
};

// out: one LabelledScores per file evaluated (all of them on success); warnings: the skipped
// image files and the solver's remarks, each once. A bad file fails before any solve; a failed
// solve names the regularizer's label.
Status EvaluateFiles(const FileEvaluation& what, std::vector<LabelledScores>* out,
                     std::vector<std::string>* warnings);

}  // namespace bilevel
