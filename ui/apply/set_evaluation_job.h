// "Evaluate on a Folder": learned regularizers scored on a folder of whole clean images by the
// literature's protocol (bilevel/set_evaluation.h), as bilevel-cli evaluate --regularizer does,
// keeping each measurement and reconstruction as a picture. Plain C++ on engine types and
// QImages, run off the GUI thread by SetEvaluationDialog (and directly by tests).
#pragma once

#include <QImage>
#include <atomic>
#include <string>
#include <vector>

#include "bilevel/set_evaluation.h"
#include "bilevel/set_evaluation_table.h"
#include "bilevel/status.h"

namespace studio {

struct SetEvaluationRequest {
  std::vector<std::string> regularizers;  // regularizer.json or .npz, evaluated in this order
  std::string folder;                     // the clean images (and its subfolders)
  // The problem (operator, noise, blur, mask fraction, seed) and the solve (eps, iteration
  // limit, mu0, device); its callbacks and fista.keep_going are the job's own.
  bilevel::SetEvaluationOptions options;
};

// One regularizer's pictures, one per image in the table's order (RGB32, clamped to [0, 1]).
struct SetEvaluationPictures {
  std::vector<QImage> measured;  // the measurement y (grey or colour, as the regularizer reads)
  std::vector<QImage> restored;  // its reconstruction
};

struct SetEvaluationResult {
  bilevel::Status status;  // the first failure, naming the file or regularizer; "cancelled"
  bool cancelled = false;
  // One per regularizer, labelled as the tables label them (ScoresLabel, made unique); when the
  // status is an error, those evaluated before it.
  std::vector<bilevel::LabelledScores> scores;
  std::vector<SetEvaluationPictures> pictures;  // beside scores
  std::vector<std::string> warnings;            // skipped files, the solver's remarks
};

// How far the job is, read by the dialog's timer while it runs on another thread.
struct SetEvaluationProgress {
  std::atomic<int> regularizer{0};  // the one being evaluated (0-based)
  std::atomic<int> regularizers{0};
  std::atomic<int> done{0};   // its images scored so far
  std::atomic<int> total{0};  // its images (0 until the folder is read)
};

// cancel (may be null) is polled at every FISTA iteration; progress (may be null) is updated.
// Never throws: every failure is in the result's status.
SetEvaluationResult RunSetEvaluationJob(const SetEvaluationRequest& request,
                                        const std::atomic<bool>* cancel,
                                        SetEvaluationProgress* progress = nullptr);

}  // namespace studio
