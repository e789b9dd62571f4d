#include "bilevel/regularizer_registry.h"

#include "backend/ops.h"

#include <cmath>
#include <mutex>

#include "regularizers/builtin_types.h"

namespace bilevel {

namespace {

struct Registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<RegularizerType>> types;  // stable addresses
};

void Add(Registry& r, RegularizerType type) {
  for (auto& existing : r.types)
    if (existing->name == type.name) {
      *existing = std::move(type);
      return;
    }
  r.types.push_back(std::make_unique<RegularizerType>(std::move(type)));
}

Registry& TheRegistry() {
  static Registry* registry = [] {
    auto* r = new Registry;
    // The built-in regularizers: one line each.
    Add(*r, FieldOfExpertsType());
    Add(*r, TotalVariationType());
    Add(*r, InputConvexType());
    Add(*r, ConvexRidgeType());
    return r;
  }();
  return *registry;
}

// The declared fields, each of its declared kind and within its choices (set() on a copy of the
// defaults checks both).
Status CheckDeclaredFields(const RegularizerSettings& settings, const RegularizerType& type) {
  RegularizerSettings probe = type.defaults;
  for (SettingGroup g : {SettingGroup::kModel, SettingGroup::kInit}) {
    const std::vector<Setting>& want = type.defaults.group(g);
    const std::vector<Setting>& have = settings.group(g);
    for (const Setting& d : want) {
      const std::string path = std::string(ToString(g)) + "." + d.name;
      const Setting* s = settings.find(path);
      if (!s) return Status::Error(path + " is missing");
      if (Status st = probe.set(path, s->value); !st.ok()) return st;
    }
    if (have.size() != want.size())
      return Status::Error(std::string(ToString(g)) + " has fields that the type '" + type.name +
                           "' does not declare");
  }
  return Status::Ok();
}

}  // namespace

void RegisterRegularizerType(RegularizerType type) {
  type.defaults.type = type.name;
  Registry& r = TheRegistry();
  std::lock_guard lock(r.mutex);
  Add(r, std::move(type));
}

const RegularizerType* FindRegularizerType(std::string_view name) {
  Registry& r = TheRegistry();
  std::lock_guard lock(r.mutex);
  for (const auto& t : r.types)
    if (t->name == name) return t.get();
  return nullptr;
}

std::vector<std::string> RegularizerTypeNames() {
  Registry& r = TheRegistry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& t : r.types)
    names.push_back(t->name);
  return names;
}

RegularizerSettings DefaultRegularizerSettings(std::string_view type) {
  const RegularizerType* t = FindRegularizerType(type);
  if (!t) t = FindRegularizerType(kDefaultRegularizerType);
  return t->defaults;
}

Status SwitchRegularizerType(const RegularizerSettings& from, std::string_view type,
                             RegularizerSettings* out) {
  if (type == from.type) {
    *out = from;
    return Status::Ok();
  }
  if (!FindRegularizerType(type)) return ValidateRegularizerSettings({std::string(type), {}, {}});
  RegularizerSettings next = DefaultRegularizerSettings(type);
  CopyChannels(from, &next);
  *out = std::move(next);
  return Status::Ok();
}

Status ValidateRegularizerSettings(const RegularizerSettings& settings) {
  const RegularizerType* type = FindRegularizerType(settings.type);
  if (!type) {
    std::string known;
    for (const std::string& n : RegularizerTypeNames())
      known += (known.empty() ? "\"" : ", \"") + n + "\"";
    return Status::Error("regularizer.type: unknown type \"" + settings.type +
                         "\" (known: " + known + ")");
  }
  if (Status s = CheckDeclaredFields(settings, *type); !s.ok()) return s;
  return type->validate ? type->validate(settings) : Status::Ok();
}

template <typename T>
Status CreateRegularizer(const RegularizerSettings& settings,
                         std::unique_ptr<Regularizer<T>>* out) {
  if (Status s = ValidateRegularizerSettings(settings); !s.ok()) return s;
  const RegularizerType* type = FindRegularizerType(settings.type);
  if constexpr (std::is_same_v<T, float>)
    *out = type->make_float(settings);
  else
    *out = type->make_double(settings);
  if (!*out) return Status::Error("the regularizer '" + settings.type + "' could not be made");
  return Status::Ok();
}

template <typename T>
Status CreateRegularizerOn(const RegularizerSettings& settings,
                           std::unique_ptr<backend::Ops<T>> ops,
                           std::unique_ptr<Regularizer<T>>* out) {
  if (Status s = ValidateRegularizerSettings(settings); !s.ok()) return s;
  const RegularizerType* type = FindRegularizerType(settings.type);
  const bool seam =
      std::is_same_v<T, float> ? bool(type->make_float_on) : bool(type->make_double_on);
  if (!seam)
    return Status::Error("regularizer.type: \"" + settings.type +
                         "\" is not written over the backend seam; it runs on the CPU only");
  if constexpr (std::is_same_v<T, float>)
    *out = type->make_float_on(settings, std::move(ops));
  else
    *out = type->make_double_on(settings, std::move(ops));
  if (!*out) return Status::Error("the regularizer '" + settings.type + "' could not be made");
  return Status::Ok();
}

template Status CreateRegularizerOn<float>(const RegularizerSettings&,
                                           std::unique_ptr<backend::Ops<float>>,
                                           std::unique_ptr<Regularizer<float>>*);
template Status CreateRegularizerOn<double>(const RegularizerSettings&,
                                            std::unique_ptr<backend::Ops<double>>,
                                            std::unique_ptr<Regularizer<double>>*);

template Status CreateRegularizer<float>(const RegularizerSettings&,
                                         std::unique_ptr<Regularizer<float>>*);
template Status CreateRegularizer<double>(const RegularizerSettings&,
                                          std::unique_ptr<Regularizer<double>>*);

Status CheckRegularizer(const RegularizerSettings& settings, const Eigen::VectorXd& theta,
                        std::unique_ptr<Regularizer<double>>* made) {
  std::unique_ptr<Regularizer<double>> reg;
  if (Status s = CreateRegularizer(settings, &reg); !s.ok()) return s;
  if (theta.size() != reg->parameterCount())
    return Status::Error("theta has " + std::to_string(theta.size()) +
                         " values, the regularizer needs " + std::to_string(reg->parameterCount()));
  for (Eigen::Index i = 0; i < theta.size(); ++i)
    if (!std::isfinite(theta[i]))
      return Status::Error("theta[" + std::to_string(i) + "] is not finite");
  if (made) *made = std::move(reg);
  return Status::Ok();
}

}  // namespace bilevel
