#include "run_folder_loader.h"

#include <QDir>
#include <QFileInfo>

#include "bilevel/config_json.h"
#include "bilevel/regularizer_io.h"
#include "bilevel/run_folder.h"
#include "string_conversion.h"

namespace studio {

QString RunDisplayName(const QString& dir) {
  const QFileInfo info(QDir::cleanPath(dir));
  const QString base = info.fileName();
  static const QStringList generic = {"isgd", "adam", "maid", "igd", "run"};
  if (generic.contains(base)) return info.dir().dirName() + "/" + base;
  return base;
}

bilevel::Status LoadRunFolder(const QString& dir, RunSeries* run, QStringList* warnings) {
  const std::string path = ToStd(QDir::cleanPath(dir));
  if (!bilevel::RunFolder::IsRunFolder(path))
    return bilevel::Status::Error(path + " is not a run folder (it has no config.json)");
  std::vector<std::string> config_warnings;
  bilevel::TrainingConfig config;
  if (bilevel::Status s = bilevel::LoadConfigFile(path + "/" + bilevel::RunFolder::kConfigFile,
                                                  &config, &config_warnings);
      !s.ok())
    return s;
  for (const std::string& w : config_warnings)
    warnings->append(ToQString(w));

  std::vector<bilevel::IterationRecord> records;
  const std::string log = path + "/" + bilevel::RunFolder::kLogFile;
  if (QFileInfo::exists(ToQString(log))) {
    if (bilevel::Status s = bilevel::RunFolder::ReadLog(log, &records); !s.ok()) return s;
  } else {
    warnings->append(QStringLiteral("%1 has no log.csv yet").arg(ToQString(path)));
  }
  std::vector<bilevel::RunEvent> events;
  const std::string events_file = path + "/" + bilevel::RunFolder::kEventsFile;
  if (QFileInfo::exists(ToQString(events_file)))
    if (bilevel::Status s = bilevel::RunFolder::ReadEvents(events_file, &events); !s.ok())
      warnings->append(Message(s));

  const std::string stored = bilevel::RunFolder::DisplayName(events);
  run->name = stored.empty() ? RunDisplayName(ToQString(path)) : ToQString(stored);
  run->folder = ToQString(path);
  run->config = config;
  run->records = std::move(records);
  run->events = std::move(events);
  run->initial_test_psnr = bilevel::RunFolder::InitialTestPsnr(run->events);
  run->live = false;
  run->regularizer = config.regularizer;
  run->theta.resize(0);
  const std::string reg = path + "/" + bilevel::RunFolder::kRegularizerJsonFile;
  if (QFileInfo::exists(ToQString(reg))) {
    bilevel::RegularizerSettings read;
    Eigen::VectorXd theta;
    if (bilevel::Status s = bilevel::ReadRegularizerJson(reg, &read, &theta); s.ok()) {
      run->regularizer = read;
      run->theta = theta;
    } else {
      warnings->append(Message(s));
    }
  }
  QString status = QStringLiteral("opened");
  for (auto it = run->events.rbegin(); it != run->events.rend(); ++it)
    if (it->kind == "budget" || it->kind == "stop" || it->kind == "diverged" ||
        it->kind == "error" || it->kind == "finished") {
      status = ToQString(it->kind == "budget" ? std::string("budget reached")
                         : it->kind == "stop" ? std::string("stopped")
                                              : it->kind);
      break;
    }
  run->status = status;
  return bilevel::Status::Ok();
}

}  // namespace studio
