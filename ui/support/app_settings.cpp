#include "app_settings.h"

#include <QDir>

namespace studio {
namespace settings {

const Setting<QByteArray> kWindowGeometry("window/geometry", {});
const Setting<QByteArray> kWindowState("window/state", {});
const Setting<QString> kLastConfig("session/config", {});
const Setting<QString> kRunsFolder("session/runs_folder", {});
const Setting<QString> kXAxis("plots/x_axis", QStringLiteral("computations"));
const Setting<bool> kLogX("plots/log_x", false);
const Setting<bool> kLogLoss("plots/log_loss", true);
const Setting<QStringList> kRecentDataFolders("recent/data_folders", {});
const Setting<QStringList> kRecentRuns("recent/runs", {});
const Setting<QStringList> kOpenRuns("runs/open", {});
const Setting<QStringList> kHiddenRuns("runs/hidden", {});
const Setting<QStringList> kRunColors("runs/colors", {});

QString DefaultRunsFolder() {
  return QDir::homePath() + QStringLiteral("/BilevelStudio/runs");
}

}  // namespace settings

QStringList PushRecent(QStringList list, const QString& item, int limit) {
  list.removeAll(item);
  list.prepend(item);
  while (list.size() > limit)
    list.removeLast();
  return list;
}

}  // namespace studio
