// The application's settings, each a typed key with a default (the Tiled SessionOption habit),
// stored with QSettings, and the recent-items lists. Each set() writes the settings file, so the
// window keeps its state in memory and sets the keys when it closes.
#pragma once

#include <QSettings>
#include <QString>
#include <QStringList>
#include <QVariant>

namespace studio {

template <typename T>
class Setting {
 public:
  Setting(const char* key, T fallback) : key_(key), fallback_(std::move(fallback)) {}
  T get() const {
    const QVariant v = QSettings().value(QLatin1String(key_));
    return v.isValid() && v.canConvert<T>() ? v.value<T>() : fallback_;
  }
  void set(const T& value) const { QSettings().setValue(QLatin1String(key_), value); }
  const char* key() const { return key_; }

 private:
  const char* key_;
  T fallback_;
};

namespace settings {

extern const Setting<QByteArray> kWindowGeometry;
extern const Setting<QByteArray> kWindowState;
extern const Setting<QString> kLastConfig;  // the panels' configuration, as config.json text
extern const Setting<QString> kRunsFolder;  // where new runs are written
extern const Setting<QString> kXAxis;       // computations, iterations, epochs, wall
extern const Setting<bool> kLogX;
extern const Setting<bool> kLogLoss;
extern const Setting<QStringList> kRecentDataFolders;
extern const Setting<QStringList> kRecentRuns;
// The run list when the window closed: the folders in order, those hidden, and each one's colour.
extern const Setting<QStringList> kOpenRuns;
extern const Setting<QStringList> kHiddenRuns;
extern const Setting<QStringList> kRunColors;

// The folder runs go to when none was chosen: ~/BilevelStudio/runs.
QString DefaultRunsFolder();

}  // namespace settings

// Puts item first in the list (removing older copies) and keeps at most `limit` entries.
QStringList PushRecent(QStringList list, const QString& item, int limit = 8);

}  // namespace studio
