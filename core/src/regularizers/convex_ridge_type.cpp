// The convex ridge regularizer as a registered type: its settings, their checks, its config and
// parameter layout.
#include <cmath>
#include <sstream>

#include "regularizers/builtin_types.h"
#include "regularizers/convex_ridge.h"

namespace bilevel {

namespace {

Status ValidateCrr(const RegularizerSettings& s) {
  if (Status st = CheckChannels(s); !st.ok()) return st;
  std::vector<int> layers, sizes;
  if (!ParseIntegerList(s.text("regularizer.layers"), &layers))
    return Status::Error(
        "regularizer.layers must be a comma-separated list of channel counts "
        "such as \"8, 32\", got \"" +
        s.text("regularizer.layers") + "\"");
  for (int n : layers)
    if (n < 1 || n > 256) return FieldError("regularizer.layers", "entries must be in [1, 256]", n);
  if (!ParseIntegerList(s.text("regularizer.kernel_sizes"), &sizes))
    return Status::Error(
        "regularizer.kernel_sizes must be a comma-separated list of odd sizes "
        "such as \"7, 7\", got \"" +
        s.text("regularizer.kernel_sizes") + "\"");
  if (sizes.size() != layers.size())
    return Status::Error("regularizer.kernel_sizes must have one size per layer (" +
                         std::to_string(layers.size()) + "), got " + std::to_string(sizes.size()));
  for (int k : sizes)
    if (k < 1 || k % 2 == 0 || k > 31)
      return FieldError("regularizer.kernel_sizes", "entries must be odd and in [1, 31]", k);
  const long long knots = s.integer("regularizer.knots");
  if (knots < 3 || knots % 2 == 0 || knots > 1001)
    return FieldError("regularizer.knots", "must be odd and in [3, 1001] (0 is the middle knot)",
                      double(knots));
  const double range = s.real("regularizer.range");
  if (!(range > 0.0 && range <= 1e3))
    return FieldError("regularizer.range", "must be positive (and at most 1000)", range);
  for (const char* path : {"init.log_lambda", "init.log_mu"})
    if (Status st = CheckFieldRange(s, path, -30, 30); !st.ok()) return st;
  if (Status st = CheckSeed(s); !st.ok()) return st;
  return Status::Ok();
}

}  // namespace

int CrrConfig::effectiveSize() const {
  int size = 1;
  for (int k : kernel_sizes)
    size += k - 1;
  return size;
}

CrrConfig CrrConfigFrom(const RegularizerSettings& s) {
  CrrConfig c;
  c.channels = int(s.integer("regularizer.channels"));
  std::vector<int> layers, sizes;
  if (ParseIntegerList(s.text("regularizer.layers"), &layers)) c.layers = layers;
  if (ParseIntegerList(s.text("regularizer.kernel_sizes"), &sizes)) c.kernel_sizes = sizes;
  c.knots = int(s.integer("regularizer.knots"));
  c.range = s.real("regularizer.range");
  c.boundary = BoundaryFromString(s.text("regularizer.boundary")).value_or(Boundary::kReflect101);
  return c;
}

CrrLayout::CrrLayout(const CrrConfig& c) {
  size = 2;
  for (std::size_t l = 0; l < c.layers.size(); ++l) {
    const int k = c.kernel_sizes[l];
    weight_offset.push_back(size);
    weight_count.push_back(c.layers[l] * c.inChannels(int(l)) * k * k);
    size += weight_count.back();
  }
  splines = size;
  size += c.outputs() * c.knots;
}

RegularizerType ConvexRidgeType() {
  RegularizerType t;
  t.name = "convex_ridge";
  t.label = "Convex ridge regularizer (CRR-NN)";
  t.defaults.type = t.name;
  t.defaults.fields = {
      {"channels", 3LL, "C: 3 for colour data, 1 for grey", {}, {}},
      {"layers",
       std::string("8, 32"),
       "channels n_1, ..., n_L of the layers of W; each 1 to 256",
       {},
       {},
       true},
      {"kernel_sizes",
       std::string("7, 7"),
       "odd kernel size k_l of each layer, 1 to 31",
       {},
       {},
       true},
      {"knots", 21LL, "K, odd: knots of each activation spline, 3 to 1001", {}, {}},
      {"range", 0.1, "T: the knots span [-T, T]; above 0, at most 1000", {}, {}},
      {"boundary",
       std::string("reflect101"),
       "boundary rule of the correlations",
       {"reflect101", "zero"},
       {"mirror (reflect-101)", "zero"}},
  };
  t.defaults.init = {
      {"log_lambda", -1.0, "initial log lambda, the overall weight; -30 to 30", {}, {}},
      {"log_mu", 0.0, "initial log mu, the scale of the responses; -30 to 30", {}, {}},
      {"seed", 1LL, "the random initial kernels", {}, {}},
  };
  t.validate = ValidateCrr;
  SetSeamFactories<ConvexRidge>(t);
  return t;
}

}  // namespace bilevel
