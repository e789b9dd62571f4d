// The run folder and the regularizer export: log.csv rows that read back bit-exactly (NaN test
// PSNR included), truncation on resume, events, checkpoints, refusals of occupied or unwritable
// folders, and regularizer.json / regularizer.npz round trips that are bit-exact and whose
// readable values match the parameter layout of DESIGN.md section 2.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "bilevel/config_json.h"
#include "bilevel/regularizer_io.h"
#include "bilevel/run_folder.h"
#include "python_support.h"
#include "regularizers/foe.h"

using namespace bilevel;
using namespace bilevel::test;

namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool SameBits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

TrainingConfig Config() {
  TrainingConfig c;
  c.name = "folder test";
  c.trainer.budget.iterations = 10;
  c.knobs.step.initial = 0.1 / 3.0;
  return c;
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// Records with awkward doubles: thirds, tiny, subnormal, huge, negative zero, NaN test PSNR.
std::vector<IterationRecord> Records() {
  std::vector<IterationRecord> out;
  const double values[] = {
      1.0 / 3.0,          0.1, 1e-300, 4.9406564584124654e-324, 1.7976931348623157e308, -0.0, 2.5,
      123456.789012345678};
  for (int k = 0; k < 5; ++k) {
    IterationRecord r;
    r.iteration = k + 1;
    r.epoch = (k + 1) / 7.0;
    r.lower_iterations = 1000L * k + 17;
    r.cg_iterations = 333L * k;
    r.power_iterations = 15L * (k + 1);
    r.computations = r.lower_iterations + r.cg_iterations;
    r.wall_seconds = values[k % 8] + k;
    r.loss = values[(k + 1) % 8];
    r.psnr = 20.0 + values[(k + 2) % 8];
    r.test_psnr = k % 2 == 0 ? kNaN : 25.0 + 1.0 / (k + 3);
    r.alpha = values[(k + 3) % 8];
    r.epsilon = values[(k + 4) % 8];
    r.delta = values[(k + 5) % 8];
    r.hypergradient_norm = values[(k + 6) % 8];
    r.batch_size = 8 + k;
    r.accepted = k % 2;
    r.rejected = k;
    r.unconverged = 3L * (k % 3);
    out.push_back(r);
  }
  return out;
}

bool SameDouble(double a, double b) {
  return std::isnan(a) ? std::isnan(b) : SameBits(a, b);
}

std::string RecordDifference(const IterationRecord& a, const IterationRecord& b) {
#define CHECK_INT(f) \
  if (a.f != b.f) return #f;
#define CHECK_DOUBLE(f) \
  if (!SameDouble(a.f, b.f)) return #f;
  CHECK_INT(iteration)
  CHECK_DOUBLE(epoch)
  CHECK_INT(lower_iterations)
  CHECK_INT(cg_iterations)
  CHECK_INT(power_iterations)
  CHECK_INT(computations)
  CHECK_DOUBLE(wall_seconds)
  CHECK_DOUBLE(loss)
  CHECK_DOUBLE(psnr)
  CHECK_DOUBLE(test_psnr)
  CHECK_DOUBLE(alpha)
  CHECK_DOUBLE(epsilon)
  CHECK_DOUBLE(delta)
  CHECK_DOUBLE(hypergradient_norm)
  CHECK_INT(batch_size)
  CHECK_INT(accepted)
  CHECK_INT(rejected)
  CHECK_INT(unconverged)
#undef CHECK_INT
#undef CHECK_DOUBLE
  return "";
}

std::string ReadAll(const std::string& path) {
  std::string bytes;
  if (!ReadFile(path, &bytes).ok()) return {};
  return bytes;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

// A FoE with random parameters that are awkward in decimal.
Eigen::VectorXd RandomTheta(const FoeConfig& config, unsigned seed);
Eigen::VectorXd RandomTheta(const RegularizerSettings& settings, unsigned seed) {
  return RandomTheta(FoeConfigFrom(settings), seed);
}
Eigen::VectorXd RandomTheta(const FoeConfig& config, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  const int d =
      2 + config.kernels * (1 + config.channels * config.kernel_size * config.kernel_size);
  Eigen::VectorXd theta(d);
  for (int i = 0; i < d; ++i)
    theta[i] = normal(rng) / 3.0;
  theta[0] = -2.3;
  theta[d - 1] = 1e-310;  // subnormal
  return theta;
}

}  // namespace

class RunFolderTest : public QObject {
  Q_OBJECT

 private slots:
  void createWritesTheRunFiles() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("runs/first").toStdString();
    RunFolder folder;
    const Status s = CreateRunFolder(dir, Config(), &folder);
    QVERIFY2(s.ok(), s.message().c_str());
    QVERIFY(folder.isOpen());
    QCOMPARE(folder.path(), dir);
    QVERIFY(RunFolder::IsRunFolder(dir));
    QCOMPARE(ReadAll(dir + "/config.json"), ConfigToJson(Config()));
    QCOMPARE(ReadAll(dir + "/log.csv"),
             std::string("iteration,epoch,lower_iterations,cg_iterations,power_iterations,"
                         "computations,wall_seconds,loss,psnr,test_psnr,alpha,epsilon,delta,"
                         "hypergradient_norm,batch_size,accepted,rejected,unconverged\n"));
    QCOMPARE(ReadAll(dir + "/events.jsonl"), std::string());
    QVERIFY(!folder.hasCheckpoint());
    NpyArrays arrays;
    QVERIFY(!folder.readCheckpoint(&arrays).ok());
  }

  void logRoundTripIsExact() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("run").toStdString();
    RunFolder folder;
    QVERIFY(CreateRunFolder(dir, Config(), &folder).ok());
    const auto records = Records();
    for (const IterationRecord& r : records)
      QVERIFY(folder.appendRecord(r).ok());
    // Flushed after every line: readable while the folder is still open.
    std::vector<IterationRecord> back;
    const Status s = RunFolder::ReadLog(dir + "/log.csv", &back);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(back.size(), records.size());
    for (std::size_t k = 0; k < records.size(); ++k) {
      const std::string diff = RecordDifference(records[k], back[k]);
      QVERIFY2(diff.empty(), ("row " + std::to_string(k) + ": " + diff).c_str());
    }
    // test_psnr (column 10) is empty when not measured.
    const auto lines = SplitLines(ReadAll(dir + "/log.csv"));
    QCOMPARE(lines.size(), records.size() + 1);
    const QStringList first = QString::fromStdString(lines[1]).split(',');
    QCOMPARE(first.size(), 18);
    QCOMPARE(first[9], QString());
    QCOMPARE(first[0], QString("1"));
    const QStringList second = QString::fromStdString(lines[2]).split(',');
    QVERIFY(!second[9].isEmpty());
  }

  void readLogRefusesBadRows() {
    QTemporaryDir tmp;
    const std::string path = tmp.filePath("log.csv").toStdString();
    std::ofstream(path) << RunFolder::LogHeader() << "\n"
                        << RunFolder::LogRow(Records()[0]) << "\n1,2,3\n";
    std::vector<IterationRecord> back;
    Status s = RunFolder::ReadLog(path, &back);
    QVERIFY2(!s.ok() && Contains(s.message(), "line 3"), s.message().c_str());
    std::string row = RunFolder::LogRow(Records()[0]);
    row.replace(0, 1, "x");
    std::ofstream(path) << RunFolder::LogHeader() << "\n" << row << "\n";
    s = RunFolder::ReadLog(path, &back);
    QVERIFY2(!s.ok() && Contains(s.message(), "iteration"), s.message().c_str());
    std::ofstream(path) << "iteration,loss\n1,2\n";
    s = RunFolder::ReadLog(path, &back);
    QVERIFY2(!s.ok() && Contains(s.message(), "epoch"), s.message().c_str());
    // Columns are found by name, and an incomplete last line is ignored.
    std::ofstream(path) << RunFolder::LogHeader() << ",extra\n"
                        << RunFolder::LogRow(Records()[1]) << ",7\n"
                        << "2,0.5,1";
    s = RunFolder::ReadLog(path, &back);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(back.size(), std::size_t(1));
    QCOMPARE(QString::fromStdString(RecordDifference(back[0], Records()[1])), QString());
  }

  void truncateAndReopen() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("run").toStdString();
    {
      RunFolder folder;
      QVERIFY(CreateRunFolder(dir, Config(), &folder).ok());
      for (const IterationRecord& r : Records())
        QVERIFY(folder.appendRecord(r).ok());
      QVERIFY(folder.truncateLog(2).ok());
      std::vector<IterationRecord> back;
      QVERIFY(RunFolder::ReadLog(dir + "/log.csv", &back).ok());
      QCOMPARE(back.size(), std::size_t(2));
      QCOMPARE(back[1].iteration, 2L);
      // Appends go to the truncated file.
      IterationRecord next = Records()[2];
      next.loss = 0.5;
      QVERIFY(folder.appendRecord(next).ok());
      QVERIFY(RunFolder::ReadLog(dir + "/log.csv", &back).ok());
      QCOMPARE(back.size(), std::size_t(3));
      QCOMPARE(back[2].loss, 0.5);
      QVERIFY(folder.truncateLog(0).ok());
      QVERIFY(RunFolder::ReadLog(dir + "/log.csv", &back).ok());
      QVERIFY(back.empty());
      QVERIFY(folder.appendRecord(Records()[0]).ok());
    }
    // A crash in the middle of a line: Open drops the partial line and warns.
    { std::ofstream(dir + "/log.csv", std::ios::app) << "2,0.28571428571428"; }
    { std::ofstream(dir + "/events.jsonl", std::ios::app) << "{\"kind\": \"st"; }
    RunFolder folder;
    TrainingConfig config;
    std::vector<std::string> warnings;
    const Status s = OpenRunFolder(dir, &folder, &config, &warnings);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(ConfigToJson(config), ConfigToJson(Config()));
    QCOMPARE(int(warnings.size()), 2);
    QVERIFY(Contains(warnings[0], "log.csv"));
    QVERIFY(folder.appendRecord(Records()[1]).ok());
    std::vector<IterationRecord> back;
    QVERIFY(RunFolder::ReadLog(dir + "/log.csv", &back).ok());
    QCOMPARE(back.size(), std::size_t(2));
    QCOMPARE(QString::fromStdString(RecordDifference(back[1], Records()[1])), QString());
    std::vector<RunEvent> events;
    QVERIFY(RunFolder::ReadEvents(dir + "/events.jsonl", &events).ok());
    QVERIFY(events.empty());
  }

  // A log written before the unconverged column reads with it not recorded, and a resume adds
  // the column (empty in the old rows) before appending.
  void olderLogsReadAndResume() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("run").toStdString();
    {
      RunFolder folder;
      QVERIFY(CreateRunFolder(dir, Config(), &folder).ok());
      for (const IterationRecord& r : Records())
        QVERIFY(folder.appendRecord(r).ok());
    }
    // The same rows without the last column, as an older version wrote them.
    std::string older;
    for (const std::string& line : SplitLines(ReadAll(dir + "/log.csv")))
      older += line.substr(0, line.rfind(',')) + "\n";
    QVERIFY(WriteFileAtomically(dir + "/log.csv", older).ok());
    std::vector<IterationRecord> back;
    const Status read = RunFolder::ReadLog(dir + "/log.csv", &back);
    QVERIFY2(read.ok(), read.message().c_str());
    QCOMPARE(back.size(), Records().size());
    for (std::size_t k = 0; k < back.size(); ++k) {
      QCOMPARE(back[k].unconverged, long(kNotRecorded));
      IterationRecord want = Records()[k];
      want.unconverged = kNotRecorded;
      QCOMPARE(QString::fromStdString(RecordDifference(back[k], want)), QString());
    }
    RunFolder folder;
    TrainingConfig config;
    const Status opened = OpenRunFolder(dir, &folder, &config, nullptr);
    QVERIFY2(opened.ok(), opened.message().c_str());
    QVERIFY(folder.appendRecord(Records()[1]).ok());
    QVERIFY(RunFolder::ReadLog(dir + "/log.csv", &back).ok());
    QCOMPARE(back.size(), Records().size() + 1);
    QCOMPARE(back.front().unconverged, long(kNotRecorded));
    QCOMPARE(back.back().unconverged, Records()[1].unconverged);
  }

  void eventsRoundTrip() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("run").toStdString();
    RunFolder folder;
    QVERIFY(CreateRunFolder(dir, Config(), &folder).ok());
    std::vector<RunEvent> events(3);
    events[0].kind = "start";
    events[0].message = "ISGD on 32 patches";
    events[1].kind = "knob";
    events[1].iteration = 7;
    events[1].wall_seconds = 1.0 / 3.0;
    events[1].field = "step.initial";
    events[1].value = "0.001";
    events[1].message = "step.initial = 0.001 from iteration 8";
    events[2].kind = "error";
    events[2].iteration = 9;
    events[2].message = "multi\nline \"quoted\" \u00e9";
    for (const RunEvent& e : events)
      QVERIFY(folder.appendEvent(e).ok());
    std::vector<RunEvent> back;
    const Status s = RunFolder::ReadEvents(dir + "/events.jsonl", &back);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(back.size(), events.size());
    for (std::size_t k = 0; k < events.size(); ++k) {
      QCOMPARE(back[k].kind, events[k].kind);
      QCOMPARE(back[k].iteration, events[k].iteration);
      QVERIFY(SameBits(back[k].wall_seconds, events[k].wall_seconds));
      QCOMPARE(back[k].field, events[k].field);
      QCOMPARE(back[k].value, events[k].value);
      QCOMPARE(back[k].message, events[k].message);
    }
    QCOMPARE(SplitLines(ReadAll(dir + "/events.jsonl")).size(), std::size_t(3));
  }

  // The initial test PSNR comes back bit for bit from the first well-formed "initial" event.
  void initialTestPsnrRoundTrip() {
    const double psnr = 20.0 + 1.0 / 3.0;
    const RunEvent event = RunFolder::InitialEvent(psnr);
    QCOMPARE(event.kind, std::string("initial"));
    QVERIFY2(event.message.find("20.333 dB") != std::string::npos, event.message.c_str());
    QVERIFY(std::isnan(RunFolder::InitialTestPsnr({})));
    RunEvent knob{.kind = "knob", .field = "test_psnr", .value = "99"};
    RunEvent broken = event;
    broken.value = "20.3x";
    QVERIFY(std::isnan(RunFolder::InitialTestPsnr({knob, broken})));
    QVERIFY(SameBits(RunFolder::InitialTestPsnr({knob, broken, event, RunFolder::InitialEvent(5)}),
                     psnr));

    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("run").toStdString();
    RunFolder folder;
    QVERIFY(CreateRunFolder(dir, Config(), &folder).ok());
    QVERIFY(folder.appendEvent(event).ok());
    std::vector<RunEvent> back;
    QVERIFY(RunFolder::ReadEvents(dir + "/events.jsonl", &back).ok());
    QVERIFY(SameBits(RunFolder::InitialTestPsnr(back), psnr));
  }

  void checkpoint() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("run").toStdString();
    RunFolder folder;
    QVERIFY(CreateRunFolder(dir, Config(), &folder).ok());
    const std::vector<double> theta = {0.1, 1.0 / 3.0, -2.3};
    NpyArrays arrays = {{"theta", NpyArray::FromDoubles(theta)},
                        {"iteration", NpyArray::ScalarInt64(12)},
                        {"rng", NpyArray::FromBytes("1 2 3 state")}};
    QVERIFY(folder.writeCheckpoint(arrays).ok());
    QVERIFY(folder.hasCheckpoint());
    NpyArrays back;
    QVERIFY(folder.readCheckpoint(&back).ok());
    QVERIFY(back == arrays);
    arrays[1].second = NpyArray::ScalarInt64(13);
    QVERIFY(folder.writeCheckpoint(arrays).ok());
    QVERIFY(folder.readCheckpoint(&back).ok());
    QVERIFY(back == arrays);
    QCOMPARE(QDir(QString::fromStdString(dir)).entryList(QDir::Files).size(), 4);  // no temps
  }

  void createRefusesOccupiedFolders() {
    QTemporaryDir tmp;
    const std::string other = tmp.filePath("other").toStdString();
    QVERIFY(QDir().mkpath(QString::fromStdString(other)));
    { std::ofstream(other + "/notes.txt") << "mine"; }
    RunFolder folder;
    Status s = CreateRunFolder(other, Config(), &folder);
    QVERIFY2(!s.ok() && Contains(s.message(), other) && Contains(s.message(), "not empty"),
             s.message().c_str());
    QVERIFY(!folder.isOpen());

    const std::string run = tmp.filePath("run").toStdString();
    {
      RunFolder first;
      QVERIFY(CreateRunFolder(run, Config(), &first).ok());
      QVERIFY(first.appendRecord(Records()[0]).ok());
      QVERIFY(first.writeCheckpoint({{"x", NpyArray::ScalarDouble(1)}}).ok());
    }
    s = CreateRunFolder(run, Config(), &folder);
    QVERIFY2(!s.ok() && Contains(s.message(), "already holds a run"), s.message().c_str());
    // With overwrite: a fresh run; the old log and checkpoint are gone, other files stay.
    { std::ofstream(run + "/notes.txt") << "mine"; }
    TrainingConfig changed = Config();
    changed.name = "second";
    s = CreateRunFolder(run, changed, &folder, true);
    QVERIFY2(s.ok(), s.message().c_str());
    QVERIFY(!folder.hasCheckpoint());
    std::vector<IterationRecord> back;
    QVERIFY(RunFolder::ReadLog(run + "/log.csv", &back).ok());
    QVERIFY(back.empty());
    QCOMPARE(ReadAll(run + "/notes.txt"), std::string("mine"));
    TrainingConfig read;
    RunFolder reopened;
    QVERIFY(OpenRunFolder(run, &reopened, &read, nullptr).ok());
    QCOMPARE(read.name, std::string("second"));

    TrainingConfig invalid = Config();
    invalid.knobs.batch_size = 0;
    s = CreateRunFolder(tmp.filePath("invalid").toStdString(), invalid, &folder);
    QVERIFY2(!s.ok() && Contains(s.message(), "batch_size"), s.message().c_str());
  }

  void unwritableAndMissingFolders() {
    QTemporaryDir tmp;
    const std::string file = tmp.filePath("plain").toStdString();
    { std::ofstream(file) << "x"; }
    RunFolder folder;
    Status s = CreateRunFolder(file + "/run", Config(), &folder);
    QVERIFY2(!s.ok() && Contains(s.message(), file + "/run"), s.message().c_str());
    s = CreateRunFolder(file, Config(), &folder);
    QVERIFY2(!s.ok() && Contains(s.message(), "not a folder"), s.message().c_str());
    s = CreateRunFolder("/proc/x/y", Config(), &folder);
    QVERIFY2(!s.ok() && Contains(s.message(), "/proc/x/y"), s.message().c_str());
    TrainingConfig config;
    s = OpenRunFolder(tmp.filePath("nothing").toStdString(), &folder, &config, nullptr);
    QVERIFY2(!s.ok() && Contains(s.message(), "not a run folder"), s.message().c_str());
    QVERIFY(!folder.appendRecord(Records()[0]).ok());  // never opened
    QVERIFY(!folder.appendEvent(RunEvent()).ok());
  }

  void regularizerJsonExact() {
    FoeConfig config;
    config.channels = 3;
    config.kernels = 4;
    config.kernel_size = 5;
    config.boundary = Boundary::kZero;
    const Eigen::VectorXd theta = RandomTheta(config, 11);
    const std::string text = RegularizerToJson(FoeSettings(config), theta);
    QVERIFY(!text.empty());
    RegularizerSettings read;
    Eigen::VectorXd back;
    const Status s = RegularizerFromJson(text, &read, &back);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(FoeConfigFrom(read).channels, 3);
    QCOMPARE(FoeConfigFrom(read).kernels, 4);
    QCOMPARE(FoeConfigFrom(read).kernel_size, 5);
    QCOMPARE(FoeConfigFrom(read).boundary, Boundary::kZero);
    QCOMPARE(back.size(), theta.size());
    for (Eigen::Index i = 0; i < theta.size(); ++i)
      QVERIFY2(SameBits(back[i], theta[i]), qPrintable(QString("theta[%1]").arg(i)));

    // The readable values follow the layout (theta0, theta_1..J, s, kernels J x C x k x k).
    const QJsonObject root = QJsonDocument::fromJson(QByteArray::fromStdString(text)).object();
    QCOMPARE(root["format"].toString(), QString(kRegularizerFormat));
    QCOMPARE(root["parameter_count"].toInt(), int(theta.size()));
    const int J = 4, C = 3, k = 5;
    QCOMPARE(root["weight"].toDouble(), std::exp(theta[0]));
    QCOMPARE(root["smoothing"].toDouble(), std::exp(theta[1 + J]));
    QCOMPARE(root["log_smoothing"].toDouble(), theta[1 + J]);
    const QJsonArray weights = root["expert_weights"].toArray();
    QCOMPARE(weights.size(), J);
    for (int j = 0; j < J; ++j)
      QCOMPARE(weights[j].toDouble(), std::exp(theta[1 + j]));
    const QJsonArray kernels = root["kernels"].toArray();
    QCOMPARE(kernels.size(), J);
    for (int j = 0; j < J; ++j) {
      QCOMPARE(kernels[j].toArray().size(), C);
      for (int c = 0; c < C; ++c)
        for (int u = 0; u < k; ++u)
          for (int v = 0; v < k; ++v)
            QCOMPARE(kernels[j].toArray()[c].toArray()[u].toArray()[v].toDouble(),
                     theta[2 + J + j * C * k * k + (c * k + u) * k + v]);
    }
    const QJsonArray layout = root["layout"].toArray();
    QCOMPARE(layout.size(), 4);
    QCOMPARE(layout[3].toObject()["name"].toString(), QString("kernels"));
    QCOMPARE(layout[3].toObject()["offset"].toInt(), 2 + J);
  }

  void regularizerJsonRefusals() {
    FoeConfig config;
    config.kernels = 2;
    config.kernel_size = 3;
    const Eigen::VectorXd theta = RandomTheta(config, 5);
    RegularizerSettings read;
    Eigen::VectorXd back;
    QVERIFY(RegularizerToJson(FoeSettings(config), theta.head(theta.size() - 1)).empty());
    Eigen::VectorXd nan = theta;
    nan[3] = kNaN;
    QVERIFY(RegularizerToJson(FoeSettings(config), nan).empty());

    QJsonObject root = QJsonDocument::fromJson(
                           QByteArray::fromStdString(RegularizerToJson(FoeSettings(config), theta)))
                           .object();
    auto attempt = [&](const QJsonObject& o) {
      return RegularizerFromJson(QJsonDocument(o).toJson().toStdString(), &read, &back);
    };
    QVERIFY(attempt(root).ok());
    QJsonObject short_theta = root;
    QJsonArray values = root["theta"].toArray();
    values.removeLast();
    short_theta["theta"] = values;
    Status s = attempt(short_theta);
    QVERIFY2(!s.ok() && Contains(s.message(), "theta"), s.message().c_str());
    QJsonObject text_value = root;
    values = root["theta"].toArray();
    values[2] = "x";
    text_value["theta"] = values;
    QVERIFY(!attempt(text_value).ok());
    QJsonObject format = root;
    format["format"] = "something else";
    QVERIFY(!attempt(format).ok());
    QJsonObject version = root;
    version["format_version"] = 99;
    QVERIFY(Contains(attempt(version).message(), "format_version"));
    QJsonObject even = root;
    QJsonObject even_config = root["config"].toObject();
    even_config["kernel_size"] = 4;
    even["config"] = even_config;
    QVERIFY(!attempt(even).ok());
    QVERIFY(!RegularizerFromJson("[]", &read, &back).ok());
    QVERIFY(!RegularizerFromJson("{", &read, &back).ok());
  }

  void regularizerNpzExact() {
    QTemporaryDir tmp;
    FoeConfig config;
    config.channels = 1;
    config.kernels = 3;
    config.kernel_size = 3;
    const Eigen::VectorXd theta = RandomTheta(config, 9);
    const std::string path = tmp.filePath("r.npz").toStdString();
    QVERIFY(WriteRegularizerNpz(path, FoeSettings(config), theta).ok());
    RegularizerSettings read;
    Eigen::VectorXd back;
    const Status s = ReadRegularizerNpz(path, &read, &back);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(FoeConfigFrom(read).channels, 1);
    QCOMPARE(FoeConfigFrom(read).kernels, 3);
    QCOMPARE(FoeConfigFrom(read).boundary, Boundary::kReflect101);
    QCOMPARE(back.size(), theta.size());
    for (Eigen::Index i = 0; i < theta.size(); ++i)
      QVERIFY(SameBits(back[i], theta[i]));

    NpyArrays arrays;
    QVERIFY(ReadNpz(path, &arrays).ok());
    const NpyArray* kernels = FindArray(arrays, "kernels");
    QVERIFY(kernels);
    QCOMPARE(kernels->dtype, std::string("<f8"));
    QCOMPARE(kernels->shape, (std::vector<std::size_t>{3, 1, 3, 3}));
    std::vector<double> values;
    QVERIFY(kernels->toDoubles(&values).ok());
    for (int i = 0; i < 27; ++i)
      QVERIFY(SameBits(values[i], theta[2 + 3 + i]));
    const NpyArray* weight = FindArray(arrays, "weight");
    QVERIFY(weight && weight->shape.empty());
    QVERIFY(weight->toDoubles(&values).ok());
    QCOMPARE(values[0], std::exp(theta[0]));
    QVERIFY(FindArray(arrays, "expert_weights")->toDoubles(&values).ok());
    QCOMPARE(values.size(), std::size_t(3));
    QCOMPARE(values[2], std::exp(theta[3]));
    QVERIFY(FindArray(arrays, "smoothing")->toDoubles(&values).ok());
    QCOMPARE(values[0], std::exp(theta[4]));
    for (const char* name : {"theta", "log_expert_weights", "theta0", "log_smoothing", "config"})
      QVERIFY2(FindArray(arrays, name), name);
    QCOMPARE(FindArray(arrays, "config")->dtype, std::string("|u1"));

    // Missing arrays and wrong sizes are refused.
    NpyArrays broken = arrays;
    broken.erase(broken.begin());  // theta
    QVERIFY(WriteNpz(path, broken).ok());
    QVERIFY(!ReadRegularizerNpz(path, &read, &back).ok());
    broken = arrays;
    broken[0].second = NpyArray::FromDoubles(std::vector<double>{1.0, 2.0});
    QVERIFY(WriteNpz(path, broken).ok());
    const Status wrong = ReadRegularizerNpz(path, &read, &back);
    QVERIFY2(!wrong.ok() && Contains(wrong.message(), "theta"), wrong.message().c_str());
  }

  void runFolderRegularizerAndNumpy() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("run").toStdString();
    RunFolder folder;
    QVERIFY(CreateRunFolder(dir, Config(), &folder).ok());
    const RegularizerSettings config = Config().regularizer;
    const Eigen::VectorXd theta = RandomTheta(config, 3);
    QCOMPARE(theta.size(), 1482);
    QVERIFY(folder.writeRegularizer(config, theta).ok());
    RegularizerSettings read;
    Eigen::VectorXd back;
    QVERIFY(ReadRegularizerJson(dir + "/regularizer.json", &read, &back).ok());
    QVERIFY(back == theta);
    QVERIFY(ReadRegularizerNpz(dir + "/regularizer.npz", &read, &back).ok());
    QVERIFY(back == theta);
    Eigen::VectorXd wrong = theta.head(10);
    QVERIFY(!folder.writeRegularizer(config, wrong).ok());

    const QString python = PythonWithNumpy();
    if (python.isEmpty()) QSKIP("python3 with numpy not found: numpy compatibility not checked");
    const QString script = R"(
import json, numpy as np
z = np.load('regularizer.npz')
cfg = json.loads(z['config'].tobytes().decode('utf-8'))
assert cfg['format'] == 'bilevel-studio-regularizer' and cfg['kernels'] == 10, cfg
theta = z['theta']
assert theta.shape == (1482,) and theta.dtype == np.float64
k = z['kernels']
assert k.shape == (10, 3, 7, 7) and np.array_equal(k.reshape(-1), theta[12:])
# numpy's vectorised exp may differ from the C library's in the last bit
assert z['weight'].shape == () and np.isclose(z['weight'], np.exp(theta[0]), rtol=1e-15, atol=0)
assert np.allclose(z['expert_weights'], np.exp(theta[1:11]), rtol=1e-15, atol=0)
assert np.isclose(z['smoothing'], np.exp(theta[11]), rtol=1e-15, atol=0)
r = json.load(open('regularizer.json'))
assert np.array_equal(np.array(r['theta']), theta)
assert np.array_equal(np.array(r['kernels']), k)
print('OK')
)";
    QProcess p;
    p.setWorkingDirectory(QString::fromStdString(dir));
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(python, {"-c", script});
    QVERIFY(p.waitForFinished(120000));
    QVERIFY2(p.exitCode() == 0, p.readAll().constData());
  }
};

QTEST_GUILESS_MAIN(RunFolderTest)
#include "test_run_folder.moc"
