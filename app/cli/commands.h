// Sub-commands of bilevel-cli. Each parses its own arguments and returns a process exit code.
#pragma once

#include <QStringList>

int RunDemoCommand(const QStringList& arguments);
int RunBenchCommand(const QStringList& arguments);
