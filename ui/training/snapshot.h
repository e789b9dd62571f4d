// What the EngineWorker hands to the GUI besides the log records: the latest progress and
// the latest preview (ground truth, measurement, reconstruction, kernels). Only the newest of
// each is kept; both are immutable once published.
#pragma once

#include <Eigen/Core>
#include <QImage>
#include <QString>
#include <limits>
#include <vector>

#include "bilevel/regularizer.h"
#include "bilevel/regularizer_settings.h"

namespace studio {

struct ProgressSnapshot {
  int run_id = 0;
  long iteration = 0;
  long computations = 0;
  double epoch = 0.0;
  double wall_seconds = 0.0;
  double budget_fraction = 0.0;  // the largest fraction over the budget's limits, in [0, 1]
};

struct PreviewSnapshot {
  int run_id = 0;
  long iteration = 0;
  bool test = false;  // a test image (else a training image)
  int index = 0;      // into the training or test patches
  QString source;     // the photograph the patch was cut from
  QImage truth, measured, reconstruction;
  double measured_psnr = std::numeric_limits<double>::quiet_NaN();
  double reconstruction_psnr = std::numeric_limits<double>::quiet_NaN();
  double epsilon = 0.0;  // accuracy of the reconstruction
  bilevel::RegularizerSettings regularizer;
  Eigen::VectorXd theta;        // the parameters it was made with
  std::vector<QImage> kernels;  // the regularizer's filters, normalised each on its own
  std::vector<double> weights;  // each filter's weight (a FoE expert's exp(theta0) exp(theta_j))
  double smoothing = std::numeric_limits<double>::quiet_NaN();  // nu, when the model has one
  QString summary;  // the regularizer's small readable values, one line ("weights 0.1, 0.1")
  std::vector<bilevel::Curve> curves;  // learned activations (a convex ridge model's splines)
};

}  // namespace studio
