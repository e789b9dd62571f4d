// Private to core: the values of each enum of the configuration, for reading config.json
// (config_json.cpp) and for the list of choices in its error messages.
#pragma once

#include <optional>
#include <string_view>

#include "bilevel/training_config.h"

namespace bilevel {

// EnumValues<E>::kAll lists the values; Parse reads one from its name.
template <typename E>
struct EnumValues;
template <>
struct EnumValues<ColorMode> {
  static constexpr ColorMode kAll[] = {ColorMode::kColor, ColorMode::kGrey};
  static std::optional<ColorMode> Parse(std::string_view t) { return ColorModeFromString(t); }
};
template <>
struct EnumValues<DatasetFormat> {
  static constexpr DatasetFormat kAll[] = {DatasetFormat::kFolder, DatasetFormat::kStl10,
                                           DatasetFormat::kPets, DatasetFormat::kSynthetic};
  static std::optional<DatasetFormat> Parse(std::string_view t) {
    return DatasetFormatFromString(t);
  }
};
template <>
struct EnumValues<DatasetSplit> {
  static constexpr DatasetSplit kAll[] = {DatasetSplit::kRandom, DatasetSplit::kOrdered};
  static std::optional<DatasetSplit> Parse(std::string_view t) { return DatasetSplitFromString(t); }
};
template <>
struct EnumValues<OperatorKind> {
  static constexpr OperatorKind kAll[] = {OperatorKind::kIdentity, OperatorKind::kGaussianBlur,
                                          OperatorKind::kInpainting};
  static std::optional<OperatorKind> Parse(std::string_view t) { return OperatorKindFromString(t); }
};
template <>
struct EnumValues<Boundary> {
  static constexpr Boundary kAll[] = {Boundary::kReflect101, Boundary::kZero};
  static std::optional<Boundary> Parse(std::string_view t) { return BoundaryFromString(t); }
};
template <>
struct EnumValues<Method> {
  static constexpr Method kAll[] = {Method::kIsgd, Method::kAdam, Method::kMaid, Method::kIgd};
  static std::optional<Method> Parse(std::string_view t) { return MethodFromString(t); }
};
template <>
struct EnumValues<ScheduleKind> {
  static constexpr ScheduleKind kAll[] = {ScheduleKind::kConstant, ScheduleKind::kPolynomial,
                                          ScheduleKind::kLogarithmic};
  static std::optional<ScheduleKind> Parse(std::string_view t) { return ScheduleKindFromString(t); }
};
template <>
struct EnumValues<DeltaRule> {
  static constexpr DeltaRule kAll[] = {DeltaRule::kEqualEpsilon, DeltaRule::kScaled,
                                       DeltaRule::kFixed};
  static std::optional<DeltaRule> Parse(std::string_view t) { return DeltaRuleFromString(t); }
};
template <>
struct EnumValues<DevicePreference> {
  static constexpr DevicePreference kAll[] = {DevicePreference::kAuto, DevicePreference::kCpu,
                                              DevicePreference::kCuda};
  static std::optional<DevicePreference> Parse(std::string_view t) {
    return DevicePreferenceFromString(t);
  }
};

}  // namespace bilevel
