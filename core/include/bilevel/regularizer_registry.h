// The registry of regularizer types: `regularizer.type` to its settings and its factory.
//
// The built-in types are registered in core/src/regularizers/registry.cpp, one line each. A
// program or a test may register more at run time with RegisterRegularizerType; from then on the
// config file, the trainer, the run folder, exports and apply handle it like the built-in ones.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bilevel/regularizer.h"
#include "bilevel/regularizer_settings.h"
#include "bilevel/status.h"

namespace bilevel {

namespace backend {
template <typename T>
class Ops;  // the backend seam's operation table (core/src/backend/ops.h)
}  // namespace backend

inline constexpr const char* kDefaultRegularizerType = "field_of_experts";

struct RegularizerType {
  std::string name;   // the config's regularizer.type, e.g. "total_variation"
  std::string label;  // for people: "Smoothed total variation"
  // Every field with its default; `type` is name.
  RegularizerSettings defaults;
  // The type's own checks of settings that already have the declared fields and kinds; the
  // message names the field ("regularizer.kernels must be at least 1, got 0").
  std::function<Status(const RegularizerSettings&)> validate;
  // Make a regularizer from valid settings.
  std::function<std::unique_ptr<Regularizer<float>>(const RegularizerSettings&)> make_float;
  std::function<std::unique_ptr<Regularizer<double>>(const RegularizerSettings&)> make_double;
  // Make one on a backend of one's choice: only the types written over the backend seam
  // (docs/REGULARIZERS.md) have these; the others run on the CPU.
  std::function<std::unique_ptr<Regularizer<float>>(const RegularizerSettings&,
                                                    std::unique_ptr<backend::Ops<float>>)>
      make_float_on;
  std::function<std::unique_ptr<Regularizer<double>>(const RegularizerSettings&,
                                                     std::unique_ptr<backend::Ops<double>>)>
      make_double_on;
  // Sets both factories for a class template constructed from its settings, R<T>(settings).
  template <template <typename> class R>
  void setFactories() {
    make_float = [](const RegularizerSettings& s) -> std::unique_ptr<Regularizer<float>> {
      return std::make_unique<R<float>>(s);
    };
    make_double = [](const RegularizerSettings& s) -> std::unique_ptr<Regularizer<double>> {
      return std::make_unique<R<double>>(s);
    };
  }
};

// Sets all four factories for a class template written over the backend seam, constructed as
// R<T>(settings) on the CPU and R<T>(settings, ops) on a backend.
template <template <typename> class R>
void SetSeamFactories(RegularizerType& type) {
  type.setFactories<R>();
  type.make_float_on =
      [](const RegularizerSettings& s,
         std::unique_ptr<backend::Ops<float>> ops) -> std::unique_ptr<Regularizer<float>> {
    return std::make_unique<R<float>>(s, std::move(ops));
  };
  type.make_double_on =
      [](const RegularizerSettings& s,
         std::unique_ptr<backend::Ops<double>> ops) -> std::unique_ptr<Regularizer<double>> {
    return std::make_unique<R<double>>(s, std::move(ops));
  };
}

// Adds a type, or replaces the one of the same name.
void RegisterRegularizerType(RegularizerType type);
// Null for an unknown name.
const RegularizerType* FindRegularizerType(std::string_view name);
// The registered names, in registration order (the built-in ones first).
std::vector<std::string> RegularizerTypeNames();

// The defaults of a type; those of the Field of Experts for an unknown name.
RegularizerSettings DefaultRegularizerSettings(std::string_view type = kDefaultRegularizerType);

// The settings of `type` at its defaults, with the channels of `from` (CopyChannels); `from`
// itself when it is of that type already; an error naming regularizer.type for an unknown type.
Status SwitchRegularizerType(const RegularizerSettings& from, std::string_view type,
                             RegularizerSettings* out);

// A known type, the declared fields of the declared kinds, then the type's own checks.
Status ValidateRegularizerSettings(const RegularizerSettings& settings);

// A regularizer from settings, after ValidateRegularizerSettings.
template <typename T>
Status CreateRegularizer(const RegularizerSettings& settings, std::unique_ptr<Regularizer<T>>* out);

// The same on a backend (backend/ops.h); an error naming regularizer.type for a type that is not
// written over the backend seam.
template <typename T>
Status CreateRegularizerOn(const RegularizerSettings& settings,
                           std::unique_ptr<backend::Ops<T>> ops,
                           std::unique_ptr<Regularizer<T>>* out);

// Makes the regularizer of the settings and checks that theta has its size and is finite; *made
// (when given) receives the regularizer.
Status CheckRegularizer(const RegularizerSettings& settings, const Eigen::VectorXd& theta,
                        std::unique_ptr<Regularizer<double>>* made = nullptr);

}  // namespace bilevel
