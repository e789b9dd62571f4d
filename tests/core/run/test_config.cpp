// The experiment configuration: validation with the field's path in every message, the JSON
// form (every field written and read back, unknown fields warned, bad values refused), live
// knob changes, and the events of events.jsonl.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "bilevel/config_json.h"
#include "bilevel/training_config.h"

using namespace bilevel;

namespace {

// A configuration that passes validate(): the defaults plus a budget.
TrainingConfig Valid() {
  TrainingConfig c;
  c.trainer.budget.iterations = 100;
  return c;
}

// Every field different from its default (and still valid).
TrainingConfig Changed() {
  TrainingConfig c;
  c.name = "changed run \"quoted\" \u00e9";
  c.description = "every field changed";
  c.dataset.format = DatasetFormat::kPets;
  c.dataset.folder = "/data/images";
  c.dataset.test_folder = "/data/test";
  c.dataset.color = ColorMode::kGrey;
  c.dataset.whole_images = true;
  c.dataset.patch_size = 64;
  c.dataset.patches_per_image = 3;
  c.dataset.stride = 17;
  c.dataset.scale = 0.5;
  c.dataset.image_side = 200;
  c.dataset.test_fraction = 0.125;
  c.dataset.split = DatasetSplit::kOrdered;
  c.dataset.max_images = 500;
  c.dataset.max_test_images = 50;
  c.dataset.max_train_patches = 1000;
  c.dataset.max_test_patches = 99;
  c.dataset.seed = 4000000000u;
  c.problem.kind = OperatorKind::kGaussianBlur;
  c.problem.noise_sigma = 5.0;
  c.problem.blur.size = 5;
  c.problem.blur.sigma = 1.5;
  c.problem.blur.boundary = Boundary::kZero;
  c.problem.keep_fraction = 0.3;
  c.inner.mu0 = 1e-3;
  c.problem.seed = 77;
  c.regularizer.set("regularizer.channels", 1);
  c.regularizer.set("regularizer.kernels", 24);
  c.regularizer.set("regularizer.kernel_size", 5);
  c.regularizer.set("regularizer.boundary", std::string("zero"));
  c.regularizer.set("init.theta0", -1.25);
  c.regularizer.set("init.expert_weight", 0.1);
  c.regularizer.set("init.smoothing", -2.0);
  c.regularizer.set("init.zero_mean", false);
  c.regularizer.set("init.seed", 5);
  c.trainer.method = Method::kMaid;
  c.knobs.batch_size = 3;
  c.knobs.step = {ScheduleKind::kPolynomial, 0.1 / 3.0, 0.75};
  c.knobs.accuracy = {ScheduleKind::kLogarithmic, 1e-1, 1.0};
  c.knobs.delta = {DeltaRule::kScaled, 0.3};
  c.trainer.adam = {0.8, 0.99, 1e-6};
  c.trainer.maid.step = 2e-3;
  c.trainer.maid.epsilon = 0.2;
  c.trainer.maid.delta = 0.15;
  c.trainer.maid.rho = 0.6;
  c.trainer.maid.nu_low = 0.4;
  c.trainer.maid.nu_high = 1.1;
  c.trainer.maid.step_growth = 1.2;
  c.trainer.maid.eta = 2e-4;
  c.trainer.maid.max_backtracks = 7;
  c.trainer.maid.lipschitz_g = 3.0;
  c.trainer.maid.min_epsilon = 1e-8;
  c.trainer.budget.computations = 123456789012L;
  c.trainer.budget.epochs = 2.5;
  c.trainer.budget.wall_seconds = 3600.5;
  c.trainer.budget.iterations = 321;
  c.inner.lower_max_iterations = 500;
  c.inner.cg_max_iterations = 250;
  c.inner.power_iterations = 20;
  c.trainer.test_accuracy = 1e-4;
  c.trainer.test_interval = 7;
  c.checkpoint_interval = 3;
  c.snapshots = {0, 1000, 250000};
  c.trainer.seed = 99;
  c.backend.device = DevicePreference::kCpu;
  c.backend.allow_cpu_fallback = false;
  c.backend.threads = 2;
  return c;
}

// Field-by-field comparison written out independently of the JSON mapping; returns the first
// field that differs, or "".
std::string FirstDifference(const TrainingConfig& a, const TrainingConfig& b) {
#define CHECK_FIELD(f) \
  if (!(a.f == b.f)) return #f;
  CHECK_FIELD(version)
  CHECK_FIELD(name)
  CHECK_FIELD(description)
  CHECK_FIELD(dataset.format)
  CHECK_FIELD(dataset.folder)
  CHECK_FIELD(dataset.color)
  CHECK_FIELD(dataset.whole_images)
  CHECK_FIELD(dataset.patch_size)
  CHECK_FIELD(dataset.patches_per_image)
  CHECK_FIELD(dataset.stride)
  CHECK_FIELD(dataset.scale)
  CHECK_FIELD(dataset.image_side)
  CHECK_FIELD(dataset.test_fraction)
  CHECK_FIELD(dataset.split)
  CHECK_FIELD(dataset.max_images)
  CHECK_FIELD(dataset.max_test_images)
  CHECK_FIELD(dataset.max_train_patches)
  CHECK_FIELD(dataset.max_test_patches)
  CHECK_FIELD(dataset.seed)
  CHECK_FIELD(problem.kind)
  CHECK_FIELD(problem.noise_sigma)
  CHECK_FIELD(problem.blur.size)
  CHECK_FIELD(problem.blur.sigma)
  CHECK_FIELD(problem.blur.boundary)
  CHECK_FIELD(problem.keep_fraction)
  CHECK_FIELD(inner.mu0)
  CHECK_FIELD(problem.seed)
  CHECK_FIELD(regularizer)
  CHECK_FIELD(trainer.method)
  CHECK_FIELD(knobs.batch_size)
  CHECK_FIELD(knobs.step)
  CHECK_FIELD(knobs.accuracy)
  CHECK_FIELD(knobs.delta)
  CHECK_FIELD(trainer.adam.beta1)
  CHECK_FIELD(trainer.adam.beta2)
  CHECK_FIELD(trainer.adam.epsilon)
  CHECK_FIELD(trainer.maid.step)
  CHECK_FIELD(trainer.maid.epsilon)
  CHECK_FIELD(trainer.maid.delta)
  CHECK_FIELD(trainer.maid.rho)
  CHECK_FIELD(trainer.maid.nu_low)
  CHECK_FIELD(trainer.maid.nu_high)
  CHECK_FIELD(trainer.maid.step_growth)
  CHECK_FIELD(trainer.maid.eta)
  CHECK_FIELD(trainer.maid.max_backtracks)
  CHECK_FIELD(trainer.maid.lipschitz_g)
  CHECK_FIELD(trainer.maid.min_epsilon)
  CHECK_FIELD(trainer.budget.computations)
  CHECK_FIELD(trainer.budget.epochs)
  CHECK_FIELD(trainer.budget.wall_seconds)
  CHECK_FIELD(trainer.budget.iterations)
  CHECK_FIELD(inner.lower_max_iterations)
  CHECK_FIELD(inner.cg_max_iterations)
  CHECK_FIELD(inner.power_iterations)
  CHECK_FIELD(trainer.test_accuracy)
  CHECK_FIELD(trainer.test_interval)
  CHECK_FIELD(checkpoint_interval)
  CHECK_FIELD(snapshots)
  CHECK_FIELD(trainer.seed)
  CHECK_FIELD(backend.device)
  CHECK_FIELD(backend.allow_cpu_fallback)
  CHECK_FIELD(backend.threads)
#undef CHECK_FIELD
  return "";
}

// The documented layout of config.json (docs/FORMATS.md), every leaf.
const char* const kDocumentedPaths[] = {"version",
                                        "name",
                                        "description",
                                        "dataset.format",
                                        "dataset.test_path",
                                        "dataset.path",
                                        "dataset.color",
                                        "dataset.whole_images",
                                        "dataset.patch_size",
                                        "dataset.patches_per_image",
                                        "dataset.stride",
                                        "dataset.scale",
                                        "dataset.image_side",
                                        "dataset.test_fraction",
                                        "dataset.split",
                                        "dataset.max_images",
                                        "dataset.max_test_images",
                                        "dataset.max_train_patches",
                                        "dataset.max_test_patches",
                                        "dataset.seed",
                                        "problem.operator",
                                        "problem.noise_sigma",
                                        "problem.blur.size",
                                        "problem.blur.sigma",
                                        "problem.blur.boundary",
                                        "problem.keep_fraction",
                                        "problem.mu0",
                                        "problem.seed",
                                        "regularizer.type",
                                        "regularizer.channels",
                                        "regularizer.kernels",
                                        "regularizer.kernel_size",
                                        "regularizer.boundary",
                                        "init.theta0",
                                        "init.expert_weight",
                                        "init.smoothing",
                                        "init.zero_mean",
                                        "init.seed",
                                        "method",
                                        "batch_size",
                                        "step.kind",
                                        "step.initial",
                                        "step.exponent",
                                        "accuracy.kind",
                                        "accuracy.initial",
                                        "accuracy.exponent",
                                        "delta.rule",
                                        "delta.value",
                                        "adam.beta1",
                                        "adam.beta2",
                                        "adam.epsilon",
                                        "maid.step",
                                        "maid.epsilon",
                                        "maid.delta",
                                        "maid.rho",
                                        "maid.nu_low",
                                        "maid.nu_high",
                                        "maid.step_growth",
                                        "maid.eta",
                                        "maid.max_backtracks",
                                        "maid.lipschitz_g",
                                        "maid.min_epsilon",
                                        "budget.computations",
                                        "budget.epochs",
                                        "budget.wall_seconds",
                                        "budget.iterations",
                                        "lower_max_iterations",
                                        "cg_max_iterations",
                                        "power_iterations",
                                        "test_accuracy",
                                        "test_interval",
                                        "checkpoint_interval",
                                        "snapshots",
                                        "seed",
                                        "device",
                                        "allow_cpu_fallback",
                                        "threads"};

QJsonValue At(const QJsonObject& root, const QString& path) {
  const QStringList parts = path.split('.');
  QJsonValue node = root;
  for (const QString& part : parts) {
    if (!node.isObject()) return QJsonValue(QJsonValue::Undefined);
    node = node.toObject().value(part);
  }
  return node;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

class ConfigTest : public QObject {
  Q_OBJECT

 private slots:
  void enumStrings() {
    for (Method m : {Method::kIsgd, Method::kAdam, Method::kMaid, Method::kIgd})
      QCOMPARE(MethodFromString(ToString(m)), std::optional<Method>(m));
    QCOMPARE(std::string(ToString(Method::kIsgd)), std::string("isgd"));
    QCOMPARE(std::string(ToString(Method::kAdam)), std::string("adam"));
    QCOMPARE(std::string(ToString(Method::kMaid)), std::string("maid"));
    QCOMPARE(std::string(ToString(Method::kIgd)), std::string("igd"));
    QVERIFY(!MethodFromString("newton"));
    for (DevicePreference d :
         {DevicePreference::kAuto, DevicePreference::kCpu, DevicePreference::kCuda})
      QCOMPARE(DevicePreferenceFromString(ToString(d)), std::optional<DevicePreference>(d));
    QCOMPARE(std::string(ToString(DevicePreference::kCuda)), std::string("cuda"));
    QVERIFY(!DevicePreferenceFromString("tpu"));
  }

  void validateDefaultsNeedABudget() {
    const Status none = TrainingConfig().validate();
    QVERIFY(!none.ok());
    QVERIFY2(Contains(none.message(), "budget"), none.message().c_str());
    QVERIFY2(Valid().validate().ok(), Valid().validate().message().c_str());
    QVERIFY2(Changed().validate().ok(), Changed().validate().message().c_str());
  }

  void validateSubOptions() {
    QVERIFY(AdamOptions().validate().ok());
    QVERIFY(MaidOptions().validate().ok());
    QVERIFY(!Budget().validate().ok());
    Budget b;
    b.wall_seconds = 10;
    QVERIFY(b.validate().ok());
    b.epochs = std::numeric_limits<double>::infinity();
    QVERIFY(Contains(b.validate().message(), "epochs"));
    AdamOptions a;
    a.beta2 = 1.0;
    QVERIFY(Contains(a.validate().message(), "beta2"));
    MaidOptions m;
    m.max_backtracks = 0;
    QVERIFY(Contains(m.validate().message(), "max_backtracks"));
  }

  void validateCombinations() {
    TrainingConfig c = Valid();
    c.regularizer.set("regularizer.channels", 1);  // colour data needs 3
    Status s = c.validate();
    QVERIFY2(Contains(s.message(), "regularizer.channels"), s.message().c_str());
    c.dataset.color = ColorMode::kGrey;
    QVERIFY2(c.validate().ok(), c.validate().message().c_str());
    c.regularizer.set("regularizer.channels", 3);  // grey data needs 1
    QVERIFY(Contains(c.validate().message(), "regularizer.channels"));

    c = Valid();
    c.regularizer.set("regularizer.kernel_size", 4);
    QVERIFY(Contains(c.validate().message(), "regularizer.kernel_size"));
    c.regularizer.set("regularizer.kernel_size", 9);
    c.dataset.patch_size = 8;
    s = c.validate();
    QVERIFY2(
        Contains(s.message(), "regularizer.kernel_size") && Contains(s.message(), "patch_size"),
        s.message().c_str());

    c = Valid();
    c.knobs.step.initial = -1;
    s = c.validate();
    QVERIFY2(Contains(s.message(), "step.initial must be positive and finite, got -1"),
             s.message().c_str());
    c = Valid();
    c.knobs.accuracy.exponent = -0.5;
    QVERIFY(Contains(c.validate().message(), "accuracy.exponent"));
    c = Valid();
    c.trainer.maid.min_epsilon = 1.0;  // above maid.epsilon
    QVERIFY(Contains(c.validate().message(), "maid.min_epsilon"));
    c = Valid();
    c.trainer.budget.computations = -1;
    QVERIFY(Contains(c.validate().message(), "budget.computations"));
    c = Valid();
    c.inner.power_iterations = 0;
    QVERIFY(Contains(c.validate().message(), "power_iterations"));
  }

  void jsonRoundTripOfEveryField() {
    const TrainingConfig defaults;
    const TrainingConfig changed = Changed();
    // The test data really changes every field.
    // (regularizer.type: the other types' round trip is regularizerTypes below.)
    for (const std::string& path : ConfigFieldPaths()) {
      if (path == "version" || path == "regularizer.type") continue;
      std::string a, b;
      QVERIFY(GetConfigField(defaults, path, &a).ok());
      QVERIFY(GetConfigField(changed, path, &b).ok());
      QVERIFY2(a != b, path.c_str());
    }
    const std::string text = ConfigToJson(changed);
    TrainingConfig read;
    std::vector<std::string> warnings;
    const Status s = ConfigFromJson(text, &read, &warnings);
    QVERIFY2(s.ok(), s.message().c_str());
    QVERIFY(warnings.empty());
    const std::string diff = FirstDifference(changed, read);
    QVERIFY2(diff.empty(), ("differs after the round trip: " + diff).c_str());
    QVERIFY(FirstDifference(Valid(), read) != "");
    QCOMPARE(ConfigToJson(read), text);
  }

  void regularizerTypes() {
    // A config without a type is a Field of Experts, as every file written before types were.
    TrainingConfig c;
    QVERIFY(ConfigFromJson(R"({"budget": {"iterations": 1}, "regularizer": {"kernels": 4}})", &c,
                           nullptr)
                .ok());
    QCOMPARE(c.regularizer.type, std::string("field_of_experts"));
    QCOMPARE(c.regularizer.integer("regularizer.kernels"), 4LL);

    // Another type brings its own fields; those of the old type are unknown there.
    std::vector<std::string> warnings;
    const char* tv = R"({"budget": {"iterations": 1},
        "regularizer": {"type": "total_variation", "kernels": 4},
        "init": {"weight": -1.5, "smoothing": -2.5}})";
    Status s = ConfigFromJson(tv, &c, &warnings);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(c.regularizer.type, std::string("total_variation"));
    QCOMPARE(c.regularizer.real("init.weight"), -1.5);
    QCOMPARE(warnings.size(), std::size_t(1));
    QVERIFY2(Contains(warnings[0], "regularizer.kernels"), warnings[0].c_str());
    TrainingConfig back;
    QVERIFY(ConfigFromJson(ConfigToJson(c), &back, nullptr).ok());
    QCOMPARE(ConfigToJson(back), ConfigToJson(c));
    QVERIFY(back.regularizer == c.regularizer);

    // Bad values and types are refused naming the field.
    s = ConfigFromJson(R"({"budget": {"iterations": 1}, "regularizer": {"type": "nope"}})", &c,
                       nullptr);
    QVERIFY2(Contains(s.message(), "regularizer.type") && Contains(s.message(), "total_variation"),
             s.message().c_str());
    s = ConfigFromJson(R"({"budget": {"iterations": 1}, "regularizer": {"type": 3}})", &c, nullptr);
    QVERIFY2(Contains(s.message(), "regularizer.type"), s.message().c_str());
    s = ConfigFromJson(R"({"budget": {"iterations": 1}, "regularizer": {"type": "total_variation"},
        "init": {"weight": 99}})",
                       &c, nullptr);
    QVERIFY2(Contains(s.message(), "init.weight"), s.message().c_str());
    s = ConfigFromJson(R"({"budget": {"iterations": 1}, "regularizer": {"boundary": "wrap"}})", &c,
                       nullptr);
    QVERIFY2(Contains(s.message(), "regularizer.boundary"), s.message().c_str());

    // --set regularizer.type switches to that type's defaults and keeps the channels.
    TrainingConfig grey;
    grey.dataset.color = ColorMode::kGrey;
    QVERIFY(SetConfigField(&grey, "regularizer.channels", "1").ok());
    QVERIFY(SetConfigField(&grey, "regularizer.type", "total_variation").ok());
    QCOMPARE(grey.regularizer.integer("regularizer.channels"), 1LL);
    QVERIFY(SetConfigField(&grey, "init.weight", "-2").ok());
    QCOMPARE(grey.regularizer.real("init.weight"), -2.0);
    QVERIFY(!SetConfigField(&grey, "regularizer.kernels", "3").ok());
    QVERIFY(!SetConfigField(&grey, "regularizer.type", "nope").ok());
  }

  void jsonLayoutIsTheDocumentedOne() {
    const TrainingConfig c = Changed();
    const std::string text = ConfigToJson(c);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(text), &error);
    QVERIFY2(!doc.isNull(), qPrintable(error.errorString()));
    const QJsonObject root = doc.object();
    int leaves = 0;
    for (const char* path : kDocumentedPaths) {
      const QJsonValue v = At(root, path);
      QVERIFY2(!v.isUndefined() && !v.isObject(), path);
      ++leaves;
    }
    QCOMPARE(int(ConfigFieldPaths().size()), leaves);
    QCOMPARE(At(root, "step.initial").toDouble(), 0.1 / 3.0);
    QCOMPARE(At(root, "step.kind").toString(), QString("polynomial"));
    QCOMPARE(At(root, "problem.operator").toString(), QString("deblur"));
    QCOMPARE(At(root, "problem.blur.boundary").toString(), QString("zero"));
    QCOMPARE(At(root, "dataset.color").toString(), QString("grey"));
    QCOMPARE(At(root, "method").toString(), QString("maid"));
    QCOMPARE(At(root, "device").toString(), QString("cpu"));
    QCOMPARE(At(root, "delta.rule").toString(), QString("scaled"));
    QCOMPARE(At(root, "budget.computations").toDouble(), 123456789012.0);
    QCOMPARE(At(root, "allow_cpu_fallback").toBool(), false);
    QCOMPARE(At(root, "dataset.seed").toDouble(), 4000000000.0);
    QCOMPARE(At(root, "version").toInt(), TrainingConfig::kVersion);
    QVERIFY(text.back() == '\n');
  }

  void everyFieldOptional() {
    TrainingConfig read;
    QVERIFY(ConfigFromJson(R"({"budget": {"epochs": 3}})", &read, nullptr).ok());
    TrainingConfig expected = TrainingConfig();
    expected.trainer.budget.epochs = 3;
    QCOMPARE(QString::fromStdString(FirstDifference(expected, read)), QString());
    // Comments are allowed in hand-written files; integers in float form are accepted.
    QVERIFY(
        ConfigFromJson("// a comment\n{\"budget\": {\"computations\": 1e6}}", &read, nullptr).ok());
    QCOMPARE(read.trainer.budget.computations, 1000000L);
  }

  void unknownFieldsWarned() {
    TrainingConfig read;
    std::vector<std::string> warnings;
    const Status s = ConfigFromJson(
        R"({"budget": {"iterations": 5}, "colour": "grey", "step": {"initial": 0.25,
            "bogus": true}, "problem": {"blur": {"radius": 3}}})",
        &read, &warnings);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(read.knobs.step.initial, 0.25);
    QCOMPARE(int(warnings.size()), 3);
    QVERIFY(Contains(warnings[0], "'colour'"));
    QVERIFY(Contains(warnings[1], "'step.bogus'"));
    QVERIFY(Contains(warnings[2], "'problem.blur.radius'"));
  }

  void badValuesNameTheField_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("path");
    auto row = [](const char* name, const char* body, const char* path) {
      QTest::newRow(name) << QString(R"({"budget": {"iterations": 5}, %1})").arg(body)
                          << QString(path);
    };
    row("negative step", R"("step": {"initial": -1})", "step.initial");
    row("null step", R"("step": {"initial": null})", "step.initial");
    row("string step", R"("step": {"initial": "big"})", "step.initial");
    row("step not object", R"("step": 5)", "step");
    row("unknown schedule", R"("accuracy": {"kind": "cubic"})", "accuracy.kind");
    row("negative exponent", R"("accuracy": {"exponent": -1})", "accuracy.exponent");
    row("delta zero", R"("delta": {"rule": "fixed", "value": 0})", "delta.value");
    row("delta rule", R"("delta": {"rule": "double"})", "delta.rule");
    row("batch zero", R"("batch_size": 0)", "batch_size");
    row("batch fraction", R"("batch_size": 2.5)", "batch_size");
    row("batch text", R"("batch_size": "eight")", "batch_size");
    row("batch huge", R"("batch_size": 1e12)", "batch_size");
    row("negative seed", R"("seed": -1)", "seed");
    row("colour", R"("dataset": {"color": "blue"})", "dataset.color");
    row("patch", R"("dataset": {"patch_size": 2})", "dataset.patch_size");
    row("test fraction", R"("dataset": {"test_fraction": 1.5})", "dataset.test_fraction");
    row("operator", R"("problem": {"operator": "warp"})", "problem.operator");
    row("blur size", R"("problem": {"operator": "deblur", "blur": {"size": 4}})",
        "problem.blur.size");
    row("blur sigma", R"("problem": {"operator": "deblur", "blur": {"sigma": 0}})",
        "problem.blur.sigma");
    row("blur boundary", R"("problem": {"blur": {"boundary": "wrap"}})", "problem.blur.boundary");
    row("keep", R"("problem": {"operator": "inpaint", "keep_fraction": 0})",
        "problem.keep_fraction");
    row("mu0", R"("problem": {"mu0": -1})", "problem.mu0");
    row("channels", R"("regularizer": {"channels": 1})", "regularizer.channels");
    row("kernels", R"("regularizer": {"kernels": 0})", "regularizer.kernels");
    row("even kernel", R"("regularizer": {"kernel_size": 4})", "regularizer.kernel_size");
    row("kernel > patch", R"("regularizer": {"kernel_size": 101})", "regularizer.kernel_size");
    row("init", R"("init": {"smoothing": 1e300})", "init.smoothing");
    row("zero mean", R"("init": {"zero_mean": 1})", "init.zero_mean");
    row("method", R"("method": "newton")", "method");
    row("adam", R"("adam": {"beta1": 1})", "adam.beta1");
    row("maid rho", R"("maid": {"rho": 1.5})", "maid.rho");
    row("maid backtracks", R"("maid": {"max_backtracks": 0})", "maid.max_backtracks");
    row("budget negative", R"("budget": {"epochs": -1})", "budget.epochs");
    row("lower", R"("lower_max_iterations": 0)", "lower_max_iterations");
    row("cg", R"("cg_max_iterations": 0)", "cg_max_iterations");
    row("test accuracy", R"("test_accuracy": 0)", "test_accuracy");
    row("test interval", R"("test_interval": -1)", "test_interval");
    row("checkpoint", R"("checkpoint_interval": 0)", "checkpoint_interval");
    row("snapshots not a list", R"("snapshots": 1000)", "snapshots");
    row("snapshot not an integer", R"("snapshots": [10, "x"])", "snapshots[1]");
    row("snapshots descending", R"("snapshots": [10, 5])", "snapshots[1]");
    row("snapshot negative", R"("snapshots": [-5])", "snapshots[0]");
    row("threads", R"("threads": -2)", "threads");
    row("device", R"("device": "tpu")", "device");
    row("fallback", R"("allow_cpu_fallback": "yes")", "allow_cpu_fallback");
    row("version", R"("version": 2)", "version");
    row("name", R"("name": "")", "name");
    row("name type", R"("name": 5)", "name");
  }

  void badValuesNameTheField() {
    QFETCH(QString, json);
    QFETCH(QString, path);
    TrainingConfig config = Changed();
    const std::string before = ConfigToJson(config);
    const Status s = ConfigFromJson(json.toStdString(), &config, nullptr);
    QVERIFY2(!s.ok(), qPrintable(json));
    // The duplicate "budget" key of the budget row is fine: the later one wins.
    QVERIFY2(Contains(s.message(), path.toStdString() + " "), s.message().c_str());
    QCOMPARE(ConfigToJson(config), before);  // unchanged on error
  }

  void setFieldTakesWordsNumbersAndLists() {
    TrainingConfig c = Valid();
    QVERIFY(SetConfigField(&c, "snapshots", "[0, 5000, 1e5]").ok());
    QCOMPARE(c.snapshots, (std::vector<long>{0, 5000, 100000}));
    QVERIFY(SetConfigField(&c, "method", "adam").ok());
    QCOMPARE(c.trainer.method, Method::kAdam);
    QVERIFY(SetConfigField(&c, "step.initial", "2.5e-4").ok());
    QCOMPARE(c.knobs.step.initial, 2.5e-4);
    const Status s = SetConfigField(&c, "step.initial", "[1, 2]");
    QVERIFY(!s.ok());
    QVERIFY2(Contains(s.message(), "step.initial"), s.message().c_str());
    QVERIFY(!SetConfigField(&c, "snapshots", "{\"a\": 1}").ok());
    QCOMPARE(c.snapshots, (std::vector<long>{0, 5000, 100000}));  // unchanged on error
  }

  void budgetRequired() {
    TrainingConfig config;
    const Status s = ConfigFromJson(R"({"budget": {"iterations": 0}})", &config, nullptr);
    QVERIFY(!s.ok());
    QVERIFY2(Contains(s.message(), "budget"), s.message().c_str());
  }

  void notJson() {
    TrainingConfig config;
    Status s = ConfigFromJson("{\"budget\": ", &config, nullptr);
    QVERIFY(!s.ok());
    QVERIFY2(Contains(s.message(), "not valid JSON"), s.message().c_str());
    s = ConfigFromJson("[1, 2]", &config, nullptr);
    QVERIFY2(Contains(s.message(), "must be a JSON object"), s.message().c_str());
    s = ConfigFromJson("", &config, nullptr);
    QVERIFY(!s.ok());
  }

  // Every layer's options check themselves and name the field as config.json does.
  void eachLayersOptionsNameTheirFields() {
    const auto names = [](const Status& s, const char* field) {
      return !s.ok() && Contains(s.message(), field);
    };
    QVERIFY(LiveKnobs().validate().ok());
    QVERIFY(ImageProblemOptions().validate().ok());
    QVERIFY(BackendOptions().validate().ok());
    TrainerOptions trainer;
    QVERIFY(names(trainer.validate(), "budget"));  // a run's budget is always chosen
    trainer.budget.iterations = 10;
    QVERIFY(trainer.validate().ok());
    LiveKnobs knobs;
    knobs.delta.value = -1;
    knobs.delta.rule = DeltaRule::kScaled;
    QVERIFY(names(knobs.validate(), "delta.value"));
    trainer.maid.rho = 1.5;
    QVERIFY(names(trainer.validate(), "maid.rho"));
    trainer.maid = MaidOptions();
    trainer.test_accuracy = 0;
    QVERIFY(names(trainer.validate(), "test_accuracy"));
    ImageProblemOptions inner;
    inner.cg_max_iterations = 0;
    QVERIFY(names(inner.validate(), "cg_max_iterations"));
    inner = ImageProblemOptions();
    inner.mu0 = -1;
    QVERIFY(names(inner.validate(), "problem.mu0"));
    BackendOptions backend;
    backend.threads = -2;
    QVERIFY(names(backend.validate(), "threads must be >= 0, got -2"));
  }

  void applyKnobGood() {
    TrainingConfig c = Valid();
    QVERIFY(SetKnob(&c.knobs, "step.initial", "1e-3").ok());
    QCOMPARE(c.knobs.step.initial, 1e-3);
    QVERIFY(SetKnob(&c.knobs, "step.kind", "polynomial").ok());
    QCOMPARE(c.knobs.step.kind, ScheduleKind::kPolynomial);
    QVERIFY(SetKnob(&c.knobs, "step.kind", "\"log\"").ok());
    QCOMPARE(c.knobs.step.kind, ScheduleKind::kLogarithmic);
    QVERIFY(SetKnob(&c.knobs, "step.exponent", " 0.25 ").ok());
    QCOMPARE(c.knobs.step.exponent, 0.25);
    QVERIFY(SetKnob(&c.knobs, "accuracy.kind", "polynomial").ok());
    QVERIFY(SetKnob(&c.knobs, "accuracy.initial", "0.05").ok());
    QVERIFY(SetKnob(&c.knobs, "accuracy.exponent", "1").ok());
    QCOMPARE(c.knobs.accuracy, (Schedule{ScheduleKind::kPolynomial, 0.05, 1.0}));
    QVERIFY(SetKnob(&c.knobs, "delta.value", "0.5").ok());
    QVERIFY(SetKnob(&c.knobs, "delta.rule", "scaled").ok());
    QCOMPARE(c.knobs.delta, (DeltaSetting{DeltaRule::kScaled, 0.5}));
    QVERIFY(SetKnob(&c.knobs, "batch_size", "16").ok());
    QCOMPARE(c.knobs.batch_size, 16);
    std::string value;
    QVERIFY(GetConfigField(c, "batch_size", &value).ok());
    QCOMPARE(value, std::string("16"));
    QVERIFY(GetConfigField(c, "step.kind", &value).ok());
    QCOMPARE(value, std::string("logarithmic"));
    QVERIFY(!GetConfigField(c, "step", &value).ok());
    QCOMPARE(int(LiveKnobFields().size()), 9);
    // What the knob events of a change say: the fields that differ, in LiveKnobFields() order.
    LiveKnobs after = c.knobs;
    after.batch_size = 4;
    after.step.initial = 0.5;
    const auto changes = KnobChanges(c.knobs, after);
    QCOMPARE(int(changes.size()), 2);
    QCOMPARE(changes[0].first + "=" + changes[0].second, std::string("step.initial=0.5"));
    QCOMPARE(changes[1].first + "=" + changes[1].second, std::string("batch_size=4"));
    QVERIFY(KnobChanges(after, after).empty());
  }

  void applyKnobBad_data() {
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("expected");
    QTest::newRow("negative") << "step.initial"
                              << "-1"
                              << "step.initial";
    QTest::newRow("text") << "step.initial"
                          << "fast"
                          << "step.initial";
    QTest::newRow("nan") << "step.initial"
                         << "nan"
                         << "step.initial";
    QTest::newRow("empty") << "step.initial"
                           << ""
                           << "step.initial";
    QTest::newRow("kind") << "step.kind"
                          << "cubic"
                          << "step.kind";
    QTest::newRow("batch zero") << "batch_size"
                                << "0"
                                << "batch_size";
    QTest::newRow("batch frac") << "batch_size"
                                << "2.5"
                                << "batch_size";
    QTest::newRow("delta") << "delta.rule"
                           << "triple"
                           << "delta.rule";
    QTest::newRow("exponent") << "accuracy.exponent"
                              << "-2"
                              << "accuracy.exponent";
    QTest::newRow("object") << "step.initial"
                            << "{\"a\": 1}"
                            << "step.initial";
    QTest::newRow("not live") << "dataset.patch_size"
                              << "64"
                              << "cannot change";
    QTest::newRow("unknown") << "step.size"
                             << "1"
                             << "unknown knob";
    QTest::newRow("group") << "step"
                           << "1"
                           << "unknown knob";
  }

  void applyKnobBad() {
    QFETCH(QString, field);
    QFETCH(QString, value);
    QFETCH(QString, expected);
    TrainingConfig c = Valid();
    const std::string before = ConfigToJson(c);
    const Status s = SetKnob(&c.knobs, field.toStdString(), value.toStdString());
    QVERIFY(!s.ok());
    QVERIFY2(Contains(s.message(), expected.toStdString()), s.message().c_str());
    QCOMPARE(ConfigToJson(c), before);
  }

  void configFiles() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("config.json").toStdString();
    QVERIFY(SaveConfigFile(path, Changed()).ok());
    TrainingConfig read;
    std::vector<std::string> warnings;
    const Status s = LoadConfigFile(path, &read, &warnings);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(QString::fromStdString(FirstDifference(Changed(), read)), QString());

    const Status missing = LoadConfigFile(path + ".missing", &read, nullptr);
    QVERIFY(!missing.ok());
    QVERIFY2(Contains(missing.message(), path + ".missing"), missing.message().c_str());
    // A directory below a regular file cannot exist.
    const Status unwritable = SaveConfigFile(path + "/sub/config.json", Changed());
    QVERIFY(!unwritable.ok());
    QVERIFY2(Contains(unwritable.message(), path + "/sub/config.json"),
             unwritable.message().c_str());

    std::ofstream(path) << R"({"budget": {"iterations": 1}, "step": {"initial": 0}})";
    const Status bad = LoadConfigFile(path, &read, nullptr);
    QVERIFY(!bad.ok());
    QVERIFY2(Contains(bad.message(), path) && Contains(bad.message(), "step.initial"),
             bad.message().c_str());
  }

  void eventsRoundTrip() {
    RunEvent e;
    e.iteration = 42;
    e.wall_seconds = 12.345678901234567;
    e.kind = "knob";
    e.field = "step.initial";
    e.value = "0.001";
    e.message = "line one\nline \"two\" \u03b1 \\ tab\t";
    const std::string line = RunEventToJson(e);
    QVERIFY(line.find('\n') == std::string::npos);
    RunEvent back;
    QVERIFY(RunEventFromJson(line, &back).ok());
    QCOMPARE(back.iteration, e.iteration);
    QCOMPARE(std::memcmp(&back.wall_seconds, &e.wall_seconds, sizeof(double)), 0);
    QCOMPARE(back.kind, e.kind);
    QCOMPARE(back.field, e.field);
    QCOMPARE(back.value, e.value);
    QCOMPARE(back.message, e.message);

    RunEvent plain;
    plain.kind = "stop";
    plain.message = "stopped by the user";
    const std::string plain_line = RunEventToJson(plain);
    QVERIFY(!Contains(plain_line, "\"field\""));
    QVERIFY(RunEventFromJson(plain_line, &back).ok());
    QCOMPARE(back.kind, std::string("stop"));
    QVERIFY(back.field.empty());

    Status s = RunEventFromJson(R"({"kind": "stop", "iteration": "ten"})", &back);
    QVERIFY2(Contains(s.message(), "iteration"), s.message().c_str());
    s = RunEventFromJson(R"({"iteration": 1})", &back);
    QVERIFY2(Contains(s.message(), "kind"), s.message().c_str());
    s = RunEventFromJson("{not json", &back);
    QVERIFY(!s.ok());
  }
};

QTEST_GUILESS_MAIN(ConfigTest)
#include "test_config.moc"
