// config.json: the experiment configuration as JSON (docs/FORMATS.md), and the run events of
// events.jsonl. Every field is optional on reading (the defaults of TrainingConfig fill in),
// unknown fields are warned about, and wrong types, unknown names and bad values are rejected
// with the field's dotted path ("step.initial"). The same paths name the live knobs. Old names
// are still read, in files and by GetConfigField / SetConfigField, but never written:
// dataset.folder is dataset.path.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bilevel/run_folder.h"
#include "bilevel/run_record.h"
#include "bilevel/status.h"
#include "bilevel/training_config.h"

namespace bilevel {

// Pretty JSON (two-space indent, a final newline) with every field, in the documented order.
std::string ConfigToJson(const TrainingConfig& config);
// Starts from the defaults, reads the fields present, then calls validate(). warnings (may be
// null) receives one line per unknown field. *config is unchanged on error.
Status ConfigFromJson(std::string_view text, TrainingConfig* config,
                      std::vector<std::string>* warnings);

Status LoadConfigFile(const std::string& path, TrainingConfig* config,
                      std::vector<std::string>* warnings);
Status SaveConfigFile(const std::string& path, const TrainingConfig& config);  // atomic

// The array of checkpoint.npz that holds the run's settings as it goes on (config.json's text
// with the live knobs and budget of that moment), written by RunController.
inline constexpr const char* kCheckpointSettings = "settings";

// A new run folder (RunFolder::Create) with config, which must pass validate(), as its
// config.json.
Status CreateRunFolder(const std::string& dir, const TrainingConfig& config, RunFolder* out,
                       bool overwrite = false);
// An existing run folder opened to continue it (RunFolder::Open), with its config.json read into
// *config; warnings (may be null) receives unknown fields and dropped incomplete lines.
Status OpenRunFolder(const std::string& dir, RunFolder* out, TrainingConfig* config,
                     std::vector<std::string>* warnings);

// The dotted paths of every field, in file order ("version", "name", "dataset.format", ...).
std::vector<std::string> ConfigFieldPaths();
// One field's value as text: numbers as JSON writes them, strings and enum names unquoted.
Status GetConfigField(const TrainingConfig& config, const std::string& field, std::string* value);

// The dotted paths of the live knobs (LiveKnobs): step.kind, step.initial, step.exponent,
// accuracy.kind, accuracy.initial, accuracy.exponent, delta.rule, delta.value, batch_size.
const std::vector<std::string>& LiveKnobFields();
// Sets one live knob from text ("1e-3", "polynomial") and validates the result. Other fields and
// bad values are refused with a message naming the field; *knobs is unchanged on error.
Status SetKnob(LiveKnobs* knobs, const std::string& field, const std::string& value);
// The knobs that differ from before to after, as (path, value as text), in LiveKnobFields()
// order: what the "knob" events of a change say.
std::vector<std::pair<std::string, std::string>> KnobChanges(const LiveKnobs& before,
                                                             const LiveKnobs& after);
// Sets any field (a dotted path of ConfigFieldPaths()) from text, without validating the whole
// config (the caller does, after all its changes). *config is unchanged on error.
Status SetConfigField(TrainingConfig* config, const std::string& field, const std::string& value);

}  // namespace bilevel
