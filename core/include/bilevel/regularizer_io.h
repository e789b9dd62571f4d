// Export and import of a learned Field of Experts (docs/FORMATS.md): regularizer.json, a
// self-describing JSON file, and regularizer.npz with the kernels as a J x C x k x k array. Both
// carry the raw parameter vector theta, which is what is read back (bit-exact); the readable
// values beside it (a = exp(theta0), b_j = exp(theta_j), nu = exp(s), the kernels) are for
// other programs.
#pragma once

#include <Eigen/Core>
#include <string>
#include <string_view>

#include "bilevel/foe.h"
#include "bilevel/status.h"

namespace bilevel {

inline constexpr const char* kRegularizerFormat = "bilevel-studio-regularizer";
inline constexpr int kRegularizerFormatVersion = 1;

// A valid config and a finite theta of its layout's size.
Status CheckRegularizer(const FoeConfig& config, const Eigen::VectorXd& theta);

// Pretty JSON; empty when CheckRegularizer fails.
std::string RegularizerToJson(const FoeConfig& config, const Eigen::VectorXd& theta);
// Reads "config" and "theta"; checks the format name, version, size and finiteness.
Status RegularizerFromJson(std::string_view text, FoeConfig* config, Eigen::VectorXd* theta);

Status WriteRegularizerJson(const std::string& path, const FoeConfig& config,
                            const Eigen::VectorXd& theta);  // atomic
Status ReadRegularizerJson(const std::string& path, FoeConfig* config, Eigen::VectorXd* theta);

// Arrays: theta (d,), kernels (J, C, k, k), expert_weights (J,), log_expert_weights (J,),
// weight (), theta0 (), smoothing (), log_smoothing (), all float64; config: uint8, the UTF-8
// JSON text {"format", "format_version", "type", "channels", "kernels", "kernel_size",
// "boundary"}.
Status WriteRegularizerNpz(const std::string& path, const FoeConfig& config,
                           const Eigen::VectorXd& theta);  // atomic
Status ReadRegularizerNpz(const std::string& path, FoeConfig* config, Eigen::VectorXd* theta);

}  // namespace bilevel
