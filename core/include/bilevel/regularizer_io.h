// Export and import of a learned regularizer of any type (docs/FORMATS.md): regularizer.json, a
// self-describing JSON file (type, config, parameter layout, the raw theta and readable values),
// and regularizer.npz with the same readable values as arrays of their shapes. Both carry the raw
// parameter vector theta, which is what is read back (bit-exact); the readable values beside it
// (for the Field of Experts a = exp(theta0), b_j = exp(theta_j), nu = exp(s), the kernels) are
// for other programs.
#pragma once

#include <Eigen/Core>
#include <string>
#include <string_view>

#include "bilevel/regularizer_registry.h"
#include "bilevel/status.h"

namespace bilevel {

inline constexpr const char* kRegularizerFormat = "bilevel-studio-regularizer";
inline constexpr int kRegularizerFormatVersion = 1;

// Pretty JSON; empty when CheckRegularizer fails.
std::string RegularizerToJson(const RegularizerSettings& settings, const Eigen::VectorXd& theta);
// Reads "type", "config" and "theta"; checks the format name, version, type, size and
// finiteness. A file without "type" is a Field of Experts. The init.* settings, which files do
// not carry, are the type's defaults.
Status RegularizerFromJson(std::string_view text, RegularizerSettings* settings,
                           Eigen::VectorXd* theta);

Status WriteRegularizerJson(const std::string& path, const RegularizerSettings& settings,
                            const Eigen::VectorXd& theta);  // atomic
Status ReadRegularizerJson(const std::string& path, RegularizerSettings* settings,
                           Eigen::VectorXd* theta);

// Arrays: theta (d,), then the type's readable values, all float64 (for the Field of Experts:
// theta0 (), weight (), log_expert_weights (J,), expert_weights (J,), log_smoothing (),
// smoothing (), kernels (J, C, k, k)); config: uint8, the UTF-8 JSON text {"format",
// "format_version", "type", <the type's regularizer.* fields>}.
Status WriteRegularizerNpz(const std::string& path, const RegularizerSettings& settings,
                           const Eigen::VectorXd& theta);  // atomic
Status ReadRegularizerNpz(const std::string& path, RegularizerSettings* settings,
                          Eigen::VectorXd* theta);

// Either file, by its extension (.npz, else JSON).
Status ReadRegularizerFile(const std::string& path, RegularizerSettings* settings,
                           Eigen::VectorXd* theta);

}  // namespace bilevel
