// Re-opening a run folder written by this application or by bilevel-cli: config.json, log.csv
// (RunFolder::ReadLog), events.jsonl and the learned regularizer, into a RunSeries.
#pragma once

#include <QString>
#include <QStringList>

#include "bilevel/status.h"
#include "run_store.h"

namespace studio {

// Fills everything but id and colour. A missing events.jsonl or regularizer is not an error (it is
// noted in warnings); a folder without config.json or with an unreadable log is.
bilevel::Status LoadRunFolder(const QString& dir, RunSeries* run, QStringList* warnings);

// A short display name for a run folder: its base name, with the parent's for the generic
// names of a comparison ("cmp/isgd").
QString RunDisplayName(const QString& dir);

}  // namespace studio
