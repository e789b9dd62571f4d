// Pins the engine's numbers: every built-in preset, shrunk to a few small patches and a few
// upper iterations, trains on the CPU and must write the same log.csv (every column but the wall
// time) and the same regularizer.json, byte for byte, as the files in tests/data/golden/.
//
// A change that means to alter the numbers regenerates them with
//   BILEVEL_WRITE_GOLDEN=tests/data/golden build/tests/test_golden_runs
// and says why in its commit.
#include <QTemporaryDir>
#include <QTest>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "bilevel/prepared_run.h"
#include "bilevel/presets.h"
#include "bilevel/run_controller.h"

using namespace bilevel;

namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream s(line);
  std::string f;
  while (std::getline(s, f, ','))
    fields.push_back(f);
  return fields;
}

// log.csv without its wall_seconds column.
std::string LogWithoutWallTime(const std::string& log) {
  std::stringstream in(log);
  std::string line, out;
  int wall = -1;
  bool header = true;
  while (std::getline(in, line)) {
    const std::vector<std::string> fields = SplitCsv(line);
    if (header) {
      for (std::size_t k = 0; k < fields.size(); ++k)
        if (fields[k] == "wall_seconds") wall = int(k);
      header = false;
    }
    for (std::size_t k = 0; k < fields.size(); ++k) {
      if (int(k) == wall) continue;
      out += fields[k];
      out += k + 1 < fields.size() ? "," : "";
    }
    out += "\n";
  }
  return out;
}

// The preset on 4 training and 2 test patches of 32 x 32 of the embedded images, for a few upper
// iterations.
TrainingConfig Shrunk(const std::string& preset) {
  TrainingConfig c;
  if (Status s = LoadPreset(preset, &c); !s.ok()) qFatal("%s", s.message().c_str());
  c.dataset.folder.clear();  // the embedded images, for the presets of a research data set too
  c.dataset.test_folder.clear();
  c.dataset.patch_size = 32;
  c.dataset.patches_per_image = 2;
  c.dataset.max_train_patches = 4;
  c.dataset.max_test_patches = 2;
  c.knobs.batch_size = std::min(c.knobs.batch_size, 2);
  c.trainer.budget = Budget{};
  c.trainer.budget.iterations = 3;
  c.trainer.test_interval = 1;
  c.checkpoint_interval = 2;
  c.snapshots.clear();
  c.backend.device = DevicePreference::kCpu;
  return c;
}

}  // namespace

class TestGoldenRuns : public QObject {
  Q_OBJECT
 private slots:
  void presetRunsAreUnchanged_data() {
    QTest::addColumn<QString>("preset");
    for (const PresetInfo& p : Presets())
      QTest::newRow(p.name.c_str()) << QString::fromStdString(p.name);
  }

  void presetRunsAreUnchanged() {
    QFETCH(QString, preset);
    const std::string name = preset.toStdString();
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::string dir = tmp.path().toStdString();
    PreparedRun prepared;
    PrepareOptions options;
    options.out_dir = dir;
    options.overwrite = true;
    const Status s = PrepareRun(Shrunk(name), options, &prepared);
    QVERIFY2(s.ok(), s.message().c_str());
    RunController(prepared).run();
    prepared.folder.reset();

    const std::string log = LogWithoutWallTime(ReadText(dir + "/log.csv"));
    const std::string regularizer = ReadText(dir + "/regularizer.json");
    QVERIFY(log.size() > 100);
    QVERIFY(regularizer.size() > 100);
    const std::string golden = std::string(BILEVEL_GOLDEN_DIR) + "/" + name;
    if (const char* write = std::getenv("BILEVEL_WRITE_GOLDEN")) {
      const std::string out = std::string(write) + "/" + name;
      WriteText(out + ".log.csv", log);
      WriteText(out + ".regularizer.json", regularizer);
      QSKIP("golden files written; nothing compared");
    }
    const std::string want_log = ReadText(golden + ".log.csv");
    const std::string want_regularizer = ReadText(golden + ".regularizer.json");
    QVERIFY2(!want_log.empty(), ("missing " + golden + ".log.csv").c_str());
    QCOMPARE(log, want_log);
    QCOMPARE(regularizer, want_regularizer);
  }
};

QTEST_GUILESS_MAIN(TestGoldenRuns)
#include "test_golden_runs.moc"
