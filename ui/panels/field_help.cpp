#include "field_help.h"

#include <QCoreApplication>
#include <QWidget>

namespace studio {
namespace {

struct Help {
  const char* path;
  const char* text;
};

// Live knobs say so: they can be changed while a run trains and apply from the next iteration.
constexpr Help kHelp[] = {
    {"name", QT_TRANSLATE_NOOP("FieldHelp", "A label for the run, also used for its folder.")},
    {"method",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "The upper-level method: ISGD (inexact stochastic gradients on "
                       "mini-batches), ISGD preconditioned by Adam, MAID (full batch, backtracking "
                       "and adaptive accuracy) or IGD (full-batch inexact gradient descent).")},
    {"batch_size",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "Batch size: training patches per upper iteration of ISGD and Adam; "
                       "1 to 100 000 (at most the training patches). Live.")},
    {"step.kind",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "Step-size schedule α_k: constant α₀, polynomial α₀ (k+1)^−q or "
                       "logarithmic α₀ / log(k+e)^q, k the upper iteration. Live.")},
    {"step.initial",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "α₀: the step size at the first iteration, no unit; > 0 (1e-12 to 1e6), "
                       "typically 1e-5 to 0.1. The arrows multiply or divide by 10^¼. Live.")},
    {"step.exponent",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "q: how fast the step size decreases; 0 to 4 (0.5: 1/√(k+1)). Not used by "
                       "a constant schedule. Live.")},
    {"accuracy.kind",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "Accuracy schedule ε_k of the lower-level solves (the reconstructions): "
                       "constant ε₀, polynomial ε₀ (k+1)^−p or logarithmic ε₀ / log(k+e)^p. "
                       "Smaller is more exact and costs more computations. Live.")},
    {"accuracy.initial",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "ε₀: the lower-level accuracy at the first iteration, no unit; > 0 "
                       "(1e-12 to 1e6). Live.")},
    {"accuracy.exponent",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "p: how fast the accuracy tightens; 0 to 4. Not used by a constant "
                       "schedule. Live.")},
    {"delta.rule",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "δ rule: the accuracy δ_k of the conjugate-gradient solve of each "
                       "hypergradient: δ = ε_k, δ = c·ε_k or a fixed δ = c. Live.")},
    {"delta.value",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "c: the factor of δ = c·ε, or the fixed δ, no unit; > 0 (1e-12 to 1e6). "
                       "Not used by δ = ε. Live.")},
    {"maid.step",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "MAID's initial step size β₀, no unit; > 0 (1e-12 to 1e6). MAID then "
                       "adapts it by backtracking.")},
    {"maid.epsilon",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "MAID's initial lower-level accuracy ε₀, no unit; > 0 (1e-12 to 1e6). "
                       "MAID then adapts it.")},
    {"budget.iterations",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "Iterations: stop after this many upper-level iterations; 0 = no limit. "
                       "The first budget reached stops the run.")},
    {"budget.computations",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "Computations: stop after this many lower-level and CG iterations, summed "
                       "over the images; 0 = no limit. The unit of cost on the plots' x-axis.")},
    {"budget.epochs",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "Epochs: stop after this many passes over the training set; 0 to 10⁶, "
                       "0 = no limit.")},
    {"budget.wall_seconds",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "Wall time: stop after this much training time, in seconds; 0 to 10⁷, "
                       "0 = no limit.")},
    {"seed", QT_TRANSLATE_NOOP("FieldHelp",
                               "Seed of the mini-batch sampling and the initial parameters; "
                               "0 to 2 147 483 647. The same seed repeats a run exactly.")},
    {"test_interval",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "Upper iterations between two test PSNRs; 0 to 10⁶, 0 = once per "
                       "epoch.")},
    {"device",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "Where the engine computes: auto (the GPU when there is one), the CPU or "
                       "CUDA.")},
    {"dataset.folder",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "A folder of training images (PNG, JPEG, BMP or TIFF); the built-in "
                       "photographs when empty.")},
    {"dataset.patch_size",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "Side of the square patches cut from the images, in pixels; 3 to 1024.")},
    {"dataset.patches_per_image",
     QT_TRANSLATE_NOOP("FieldHelp", "Random patches cut from each image; 1 to 100 000.")},
    {"dataset.color",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "Colour (RGB, 3 channels) or grey (1 channel); the regularizer follows.")},
    {"dataset.test_fraction",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "Share of the images held out for testing; 0 to 0.95 (0.25: one in "
                       "four).")},
    {"dataset.max_train_patches",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "Keep at most this many training patches; 0 (all) = no limit.")},
    {"dataset.max_test_patches",
     QT_TRANSLATE_NOOP("FieldHelp", "Keep at most this many test patches; 0 (all) = no limit.")},
    {"problem.operator",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "The inverse problem the regularizer learns to solve: denoise (A = I), "
                       "deblur (Gaussian blur) or inpaint (a random mask of kept pixels).")},
    {"problem.noise_sigma",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "Noise σ: standard deviation of the Gaussian noise on the measurements, "
                       "in grey levels of the 0–255 scale; 0 to 255.")},
    {"problem.blur.size",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "Deblur: side of the blur kernel, in pixels; odd, 1 to 63 and at most "
                       "the patch size.")},
    {"problem.blur.sigma",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "Deblur: the width σ of the Gaussian blur, in pixels; 0.05 to 50.")},
    {"problem.keep_fraction",
     QT_TRANSLATE_NOOP("FieldHelp",
                       "Inpaint: kept fraction, the share of the pixels observed; 0.01 to 1.")},
    {"problem.mu0",
     QT_TRANSLATE_NOOP(
         "FieldHelp",
         "μ₀: strong convexity of the lower-level problem, no unit; 0 to 10. "
         "Deblur and inpaint should use μ₀ > 0 (the presets use 1e-4 to 1e-3): with 0 "
         "the panel and the run warn.")},
};

}  // namespace

QString FieldHelp(const QString& path) {
  for (const Help& h : kHelp)
    if (path == QLatin1String(h.path)) return QCoreApplication::translate("FieldHelp", h.text);
  return {};
}

void SetFieldHelp(QWidget* widget) {
  if (const QString help = FieldHelp(widget->objectName()); !help.isEmpty())
    widget->setToolTip(help);
}

}  // namespace studio
