// The published convex ridge regularizers (CRR-NN, Goujon, Neumayer, Bohra, Ducotterd and Unser
// 2023) as this tool's "convex_ridge" regularizer: the reference implementation's checkpoint
// (trained_models/<model>/checkpoints/*.pth, a PyTorch state dict) and its config.json.
//
// The model is the same: R(x) = (lambda / mu) sum_i sum_p psi_i(mu (W x)_i(p)) with W the
// composition of zero-padded convolutions (PyTorch's conv2d is the correlation written in
// docs/FORMATS.md, so the weights keep their layout) and psi_i' = sigma_i linear splines on the
// same knots. The import applies what the reference applies before it denoises: its zero-mean
// reparametrisation of every layer (each output channel's kernel minus its mean over input
// channels and positions), the projection of the spline coefficients onto nondecreasing splines
// with sigma(0) = 0 and flat end pieces (cache_constraint), and, when asked, its pruning of the
// channels whose spline is nearly linear (the product of the spline's second-order total variation
// and its effective filter's energy at most prune_tolerance). lambda and mu are not the trained
// ones: the reference denoises with those its validation chose (the best row of its validation
// table), or given ones.
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "bilevel/regularizer_settings.h"
#include "bilevel/status.h"

namespace bilevel {

struct CrrnnImportOptions {
  std::string checkpoint;  // a .pth of torch.save (state dict under "state_dict" or at the top)
  std::string config;      // the model's config.json
  std::string validation;  // its validation table (CSV with columns p1 = lambda, p2 = mu, psnr)
  double lambda = 0.0;     // used when validation is empty (both > 0)
  double mu = 0.0;
  bool prune = false;
  double prune_tolerance = 1e-4;  // the reference's
};

struct CrrnnImport {
  RegularizerSettings settings;  // convex_ridge with the checkpoint's sizes, zero boundary
  Eigen::VectorXd theta;
  double lambda = 0.0, mu = 0.0;
  double validation_psnr = 0.0;  // of the validation row chosen; 0 when given
  int channels = 0;              // the last layer's channels in the checkpoint
  int kept = 0;                  // and after pruning
};

Status ImportCrrnn(const CrrnnImportOptions& options, CrrnnImport* out);

}  // namespace bilevel
