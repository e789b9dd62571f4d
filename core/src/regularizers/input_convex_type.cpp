// The input-convex network as a registered type: its settings and their checks.
#include <cmath>

#include "regularizers/builtin_types.h"
#include "regularizers/input_convex.h"

namespace bilevel {

namespace {

Status ValidateInputConvex(const RegularizerSettings& s) {
  const long long hidden = s.integer("regularizer.hidden"), depth = s.integer("regularizer.depth"),
                  size = s.integer("regularizer.kernel_size");
  if (Status st = CheckChannels(s); !st.ok()) return st;
  if (hidden < 1 || hidden > 256)
    return FieldError("regularizer.hidden", "must be in [1, 256]", double(hidden));
  if (depth < 1 || depth > 16)
    return FieldError("regularizer.depth", "must be at least 1 (and at most 16)", double(depth));
  if (size < 1 || size % 2 == 0 || size > 15)
    return FieldError("regularizer.kernel_size", "must be a positive odd number (at most 15)",
                      double(size));
  const double beta = s.real("regularizer.beta");
  if (!(beta > 0.0) || !std::isfinite(beta) || beta > 1e4)
    return FieldError("regularizer.beta", "must be positive and finite (at most 1e4)", beta);
  // exp() of it must stay finite and non-zero in single precision.
  if (Status st = CheckFieldRange(s, "init.scale", -50, 50); !st.ok()) return st;
  if (Status st = CheckSeed(s); !st.ok()) return st;
  return Status::Ok();
}

}  // namespace

RegularizerType InputConvexType() {
  RegularizerType t;
  t.name = "input_convex";
  t.label = "Input-convex network";
  t.defaults.type = t.name;
  t.defaults.fields = {
      {"channels", 3LL, "C: 3 for colour data, 1 for grey", {}, {}},
      {"hidden", 16LL, "n, the hidden channels of every layer", {}, {}},
      {"depth", 2LL, "L, the number of layers", {}, {}},
      {"kernel_size", 5LL, "k, odd: A_l is n x C x k x k, B_l is n x n x k x k", {}, {}},
      {"beta", 10.0, "sharpness of the softplus log(1 + exp(beta t)) / beta", {}, {}},
      {"boundary",
       std::string("reflect101"),
       "boundary rule of the correlations",
       {"reflect101", "zero"},
       {"mirror (reflect-101)", "zero"}},
  };
  t.defaults.init = {
      {"scale", -4.0, "initial theta0, the log of the overall weight (exp(-4) ~ 0.018)", {}, {}},
      {"zero_mean", true, "the A_l start with zero-mean k x k blocks", {}, {}},
      {"seed", 1LL, "the random initial weights", {}, {}},
  };
  t.validate = ValidateInputConvex;
  SetSeamFactories<InputConvexNetwork>(t);
  return t;
}

}  // namespace bilevel
