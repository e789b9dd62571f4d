// bilevel-cli presets: the built-in experiments, and the JSON of one.
#include <cstdio>

#include "bilevel/presets.h"
#include "cli_common.h"
#include "commands.h"

int RunPresetsCommand(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Lists the built-in experiments. With a NAME, prints its configuration as JSON, a starting "
      "point for 'bilevel-cli train --config FILE'.");
  parser.addPositionalArgument("NAME", "A preset to print.", "[NAME]");
  if (int code = cli::Parse(parser, "presets", arguments, true); code >= 0) return code;
  if (parser.positionalArguments().size() > 1)
    return cli::Fail("presets", "give at most one preset name", 2);
  if (parser.positionalArguments().size() == 1) {
    const std::string name = parser.positionalArguments().first().toStdString();
    bilevel::TrainingConfig config;
    if (bilevel::Status s = bilevel::LoadPreset(name, &config); !s.ok())
      return cli::Fail("presets", s.message());
    std::fputs(bilevel::PresetJson(name).c_str(), stdout);
    return 0;
  }
  for (const bilevel::PresetInfo& p : bilevel::Presets())
    std::printf("%-24s %s\n", p.name.c_str(), p.description.c_str());
  return 0;
}
