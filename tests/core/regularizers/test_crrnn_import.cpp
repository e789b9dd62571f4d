// ImportCrrnn (bilevel/crrnn_import.h) on a small checkpoint written by the CRR-NN reference
// implementation itself (tests/data/crrnn/make_fixture.py): the imported convex_ridge
// regularizer's gradient is the reference's lambda * model(mu * x), before and after its pruning;
// lambda and mu come from the validation table's best row or are given; bad files are refused
// with a message.
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <fstream>
#include <memory>

#include "bilevel/crrnn_import.h"
#include "bilevel/npy.h"
#include "bilevel/regularizer_registry.h"
#include "io/pickle_reader.h"
#include "test_support.h"

namespace bilevel {
namespace {

std::string Fixture(const char* name) {
  return std::string(BILEVEL_CRRNN_DIR) + "/" + name;
}

std::vector<double> Values(const char* name) {
  NpyArray a;
  std::vector<double> v;
  if (!ReadNpy(Fixture(name), &a).ok() || !a.toDoubles(&v).ok()) qFatal("cannot read %s", name);
  return v;
}

CrrnnImportOptions Options(bool prune) {
  CrrnnImportOptions o;
  o.checkpoint = Fixture("tiny.pth");
  o.config = Fixture("config.json");
  o.validation = Fixture("validation.csv");
  o.prune = prune;
  return o;
}

// The largest difference between the imported regularizer's gradient at the fixture's x and the
// reference's, relative to the reference's largest entry.
double GradientError(const CrrnnImport& imported, const char* reference) {
  std::unique_ptr<Regularizer<double>> reg;
  if (!CreateRegularizer(imported.settings, &reg).ok()) return 1e300;
  reg->setParameters(imported.theta);
  const std::vector<double> x = Values("x.npy"), want = Values(reference);
  Batch<double> image(Shape{1, 1, 9, 8}), g(Shape{1, 1, 9, 8});
  std::copy(x.begin(), x.end(), image.data());
  reg->gradient({0}, image, g);
  double error = 0.0, scale = 0.0;
  for (std::size_t p = 0; p < want.size(); ++p) {
    error = std::max(error, std::abs(g.data()[p] - want[p]));
    scale = std::max(scale, std::abs(want[p]));
  }
  return scale > 0.0 ? error / scale : 1e300;
}

}  // namespace

class TestCrrnnImport : public QObject {
  Q_OBJECT

 private slots:
  void theGradientIsTheReferences() {
    CrrnnImport imported;
    Status s = ImportCrrnn(Options(false), &imported);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(imported.lambda, 3.0);  // the row of the highest PSNR
    QCOMPARE(imported.mu, 5.0);
    QCOMPARE(imported.kept, 3);
    QCOMPARE(imported.settings.text("regularizer.boundary"), std::string("zero"));
    QCOMPARE(imported.theta[0], std::log(3.0));
    const double full = GradientError(imported, "gradient_full.npy");
    // The reference keeps its knot spacing in float32 (0.05 + 7e-10): agreement to 1e-8.
    QVERIFY2(full < 1e-8, QByteArray::number(full).constData());

    s = ImportCrrnn(Options(true), &imported);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(imported.channels, 3);
    QCOMPARE(imported.kept, 2);  // the flat spline's channel is dropped
    QCOMPARE(imported.theta.size(), Eigen::Index(2 + 2 * 9 + 2 * 2 * 9 + 2 * 5));
    const double pruned = GradientError(imported, "gradient_pruned.npy");
    QVERIFY2(pruned < 1e-8, QByteArray::number(pruned).constData());
  }

  void lambdaAndMuCanBeGiven() {
    CrrnnImportOptions o = Options(false);
    o.validation.clear();
    CrrnnImport imported;
    Status s = ImportCrrnn(o, &imported);
    QVERIFY(!s.ok() && s.message().find("lambda and mu") != std::string::npos);
    o.lambda = 2.0;
    o.mu = 4.0;
    s = ImportCrrnn(o, &imported);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(imported.theta[1], std::log(4.0));
  }

  // The pickle reader builds dicts and lists and stops at what it does not know, with its place.
  void aPickleIsReadOrRefusedWithItsPlace() {
    io::PickleRef root;
    // pickle.dumps({'a': [1, 2.5], 'b': True}, protocol=2)
    const unsigned char good[] = {0x80, 0x02, '}',  'q', 0x00, '(',  'X', 0x01, 0,    0,    0,
                                  'a',  'q',  0x01, ']', 'q',  0x02, '(', 'K',  0x01, 'G',  '@',
                                  0x04, 0,    0,    0,   0,    0,    0,   'e',  'X',  0x01, 0,
                                  0,    0,    'b',  'q', 0x03, 0x88, 'u', '.'};
    Status s =
        io::ReadPickle(std::string_view(reinterpret_cast<const char*>(good), sizeof good), &root);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(int(root->dict.size()), 2);
    QCOMPARE(root->dict[0].second->items[1]->real, 2.5);
    QCOMPARE(root->dict[1].second->integer, 1LL);
    const char unknown[] = {'\x80', 2, '}', 'Z', '.'};
    s = io::ReadPickle(std::string_view(unknown, sizeof unknown), &root);
    QVERIFY2(s.message().find("unsupported pickle operation 0x5a") != std::string::npos,
             s.message().c_str());
    const char truncated[] = {'\x80', 2, 'X', 9, 0, 0, 0, 'a', 'b'};  // 9 bytes announced, 2 there
    s = io::ReadPickle(std::string_view(truncated, sizeof truncated), &root);
    QVERIFY2(!s.ok(), s.message().c_str());
  }

  void badFilesAreRefused() {
    QTemporaryDir dir;
    const std::string text = dir.filePath("not.pth").toStdString();
    std::ofstream(text) << "not a checkpoint";
    CrrnnImportOptions o = Options(false);
    o.checkpoint = text;
    CrrnnImport imported;
    Status s = ImportCrrnn(o, &imported);
    QVERIFY2(s.message().find("not a readable PyTorch checkpoint") != std::string::npos,
             s.message().c_str());
    o = Options(false);
    o.config = Fixture("validation.csv");
    s = ImportCrrnn(o, &imported);
    QVERIFY2(s.message().find("not a CRR-NN config.json") != std::string::npos,
             s.message().c_str());
    const std::string wrong = dir.filePath("config.json").toStdString();
    std::ofstream(wrong) << R"({"net_params": {"channels": [1, 4, 3], "kernel_size": 3},
                             "activation_params": {"knots_range": 0.1, "n_knots": 5}})";
    o.config = wrong;
    s = ImportCrrnn(o, &imported);
    QVERIFY2(s.message().find("does not have the config's shape") != std::string::npos,
             s.message().c_str());
  }
};

}  // namespace bilevel

QTEST_GUILESS_MAIN(bilevel::TestCrrnnImport)
#include "test_crrnn_import.moc"
