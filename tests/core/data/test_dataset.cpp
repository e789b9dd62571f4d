// Datasets: folder scan, colour and grey modes, resizing, random and grid patches, the split by
// source image, caps, skipped corrupt files, refused folders, progress and cancel, and the
// embedded default image set. Image files are written at run time into temporary folders.
#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>
#include <string>
#include <vector>

#include "bilevel/dataset.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

namespace {

std::string PathIn(const QTemporaryDir& dir, const std::string& name) {
  return dir.filePath(QString::fromStdString(name)).toStdString();
}

bool Write(const QTemporaryDir& dir, const std::string& name, const cv::Mat& image) {
  const bool ok = cv::imwrite(PathIn(dir, name), image);
  if (!ok) qWarning("cv::imwrite failed for %s", name.c_str());
  return ok;
}

// A 16-bit grey image whose every pixel is unique: value = 1 + y * w + x.
cv::Mat PositionImage(int h, int w) {
  cv::Mat m(h, w, CV_16UC1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      m.at<unsigned short>(y, x) = (unsigned short)(1 + y * w + x);
  return m;
}

// An 8-bit colour image that names its source and position: R = 10 * id, G = x, B = y.
cv::Mat TaggedImage(int id, int h, int w) {
  cv::Mat m(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      m.at<cv::Vec3b>(y, x) =
          cv::Vec3b((unsigned char)y, (unsigned char)x, (unsigned char)(10 * id));
  return m;
}

// The tag of pixel (y, x) of a patch: {id, x, y}.
std::array<int, 3> TagAt(const Batch<float>& b, int i, int y, int x) {
  return {int(std::lround(b.at(i, 0, y, x) * 255.0f / 10.0f)),
          int(std::lround(b.at(i, 1, y, x) * 255.0f)), int(std::lround(b.at(i, 2, y, x) * 255.0f))};
}

// Checks that patch i is one contiguous region of tagged source `id`; returns its corner.
bool PatchFromSource(const Batch<float>& b, int i, int id, std::pair<int, int>* corner) {
  const auto origin = TagAt(b, i, 0, 0);
  if (origin[0] != id) return false;
  for (int y = 0; y < b.h(); ++y)
    for (int x = 0; x < b.w(); ++x) {
      const auto t = TagAt(b, i, y, x);
      if (t[0] != id || t[1] != origin[1] + x || t[2] != origin[2] + y) return false;
    }
  if (corner) *corner = {origin[2], origin[1]};
  return true;
}

DatasetOptions FolderOptions(const QTemporaryDir& dir, int patch = 16) {
  DatasetOptions o;
  o.folder = dir.path().toStdString();
  o.patch_size = patch;
  o.patches_per_image = 5;
  return o;
}

// Eight tagged sources t0.png .. t7.png of varying size.
void WriteTaggedFolder(const QTemporaryDir& dir, int count = 8) {
  for (int id = 0; id < count; ++id) {
    // (Built with append: GCC 12 warns falsely about "t" + std::string.)
    std::string name = std::to_string(id);
    name.insert(name.begin(), 't');
    name.append(".png");
    Write(dir, name, TaggedImage(id, 40 + 3 * id, 50 + 2 * id));
  }
}

bool SameBatch(const Batch<float>& a, const Batch<float>& b) {
  return a.shape() == b.shape() && a.values() == b.values();
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines)
    out += l + "\n";
  return out;
}

}  // namespace

class DatasetTest : public QObject {
  Q_OBJECT

 private slots:
  void colourStrings() {
    for (ColorMode m : {ColorMode::kColor, ColorMode::kGrey})
      QCOMPARE(ColorModeFromString(ToString(m)), std::optional<ColorMode>(m));
    QVERIFY(!ColorModeFromString("sepia").has_value());
  }

  // Every supported format and extension spelling loads, in sorted name order; other files are
  // ignored without a warning.
  void folderOfFormats() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const cv::Mat rgb = TaggedImage(1, 24, 30);
    cv::Mat rgba, grey16, grey;
    cv::cvtColor(rgb, rgba, cv::COLOR_BGR2BGRA);
    cv::cvtColor(rgb, grey, cv::COLOR_BGR2GRAY);
    grey.convertTo(grey16, CV_16U, 257.0);
    QVERIFY(Write(dir, "e.PNG", rgb));
    QVERIFY(Write(dir, "a.png", rgba));
    QVERIFY(Write(dir, "d.tif", grey16));
    QVERIFY(Write(dir, "c.TIFF", rgb));
    QVERIFY(Write(dir, "b.bmp", grey));
    QVERIFY(Write(dir, "f.jpeg", rgb));
    QVERIFY(Write(dir, "g.JPG", grey));
    std::ofstream(PathIn(dir, "notes.txt")) << "not an image";
    QVERIFY(QDir(dir.path()).mkdir("folder.png"));

    DatasetOptions o = FolderOptions(dir);
    o.test_fraction = 0.0;
    for (ColorMode mode : {ColorMode::kColor, ColorMode::kGrey}) {
      o.color = mode;
      Dataset d;
      const Status s = LoadDataset(o, &d);
      QVERIFY2(s.ok(), s.message().c_str());
      QVERIFY2(d.warnings.empty(), Joined(d.warnings).c_str());
      std::vector<std::string> names;
      for (const SourceImage& src : d.sources)
        names.push_back(src.name);
      QCOMPARE(names, (std::vector<std::string>{"a.png", "b.bmp", "c.TIFF", "d.tif", "e.PNG",
                                                "f.jpeg", "g.JPG"}));
      for (const SourceImage& src : d.sources) {
        QCOMPARE(src.width, 30);
        QCOMPARE(src.height, 24);
        QVERIFY(!src.test);
      }
      QCOMPARE(d.train.shape(), (Shape{7 * 5, mode == ColorMode::kColor ? 3 : 1, 16, 16}));
      QCOMPARE(d.test.n(), 0);
      QCOMPARE(int(d.train_source.size()), 35);
      // The lossless colour sources keep their tags exactly.
      if (mode == ColorMode::kColor)
        for (int i = 0; i < d.train.n(); ++i) {
          const std::string& name = d.sources[std::size_t(d.train_source[std::size_t(i)])].name;
          if (name == "a.png" || name == "c.TIFF" || name == "e.PNG")
            QVERIFY2(PatchFromSource(d.train, i, 1, nullptr), name.c_str());
        }
    }
  }

  void resize() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    cv::Mat flat(60, 80, CV_8UC3, cv::Scalar(30, 90, 150));
    QVERIFY(Write(dir, "flat.png", flat));
    DatasetOptions o = FolderOptions(dir);
    o.test_fraction = 0.0;
    for (double scale : {0.5, 0.3, 1.5}) {
      o.scale = scale;
      Dataset d;
      const Status s = LoadDataset(o, &d);
      QVERIFY2(s.ok(), s.message().c_str());
      QCOMPARE(d.sources.at(0).width, int(std::lround(80 * scale)));
      QCOMPARE(d.sources.at(0).height, int(std::lround(60 * scale)));
      // A flat image stays flat under area and linear interpolation.
      for (int i = 0; i < d.train.n(); ++i)
        for (int y = 0; y < 16; ++y) {
          QVERIFY(std::abs(d.train.at(i, 0, y, 3) - 150.0f / 255.0f) < 1e-5f);
          QVERIFY(std::abs(d.train.at(i, 2, y, 3) - 30.0f / 255.0f) < 1e-5f);
        }
    }
    // Shrunk below the patch size: skipped with a warning that says so, and nothing left.
    o.scale = 0.25;
    Dataset d;
    const Status s = LoadDataset(o, &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "flat.png");
    QVERIFY(MentionsAny(s.message(), {"too small"}));
  }

  void randomPatchesDeterministic() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    WriteTaggedFolder(dir, 3);
    DatasetOptions o = FolderOptions(dir);
    o.test_fraction = 0.0;
    o.patches_per_image = 20;
    Dataset a, b, c;
    QVERIFY(LoadDataset(o, &a).ok());
    QVERIFY(LoadDataset(o, &b).ok());
    o.seed = 77;
    QVERIFY(LoadDataset(o, &c).ok());
    QCOMPARE(a.train.n(), 60);
    QVERIFY(SameBatch(a.train, b.train));
    QCOMPARE(a.train_source, b.train_source);
    QVERIFY(!SameBatch(a.train, c.train));
    // Random positions spread over the image (not all the same corner).
    std::set<std::pair<int, int>> corners;
    for (int i = 0; i < a.train.n(); ++i) {
      std::pair<int, int> corner;
      QVERIFY(PatchFromSource(a.train, i, a.train_source[std::size_t(i)], &corner));
      corners.insert(corner);
    }
    QVERIFY(corners.size() > 30);
  }

  void strideGrid() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const int h = 40, w = 50;
    QVERIFY(Write(dir, "grid.png", PositionImage(h, w)));
    DatasetOptions o = FolderOptions(dir);
    o.color = ColorMode::kGrey;
    o.test_fraction = 0.0;
    o.stride = 10;
    Dataset d;
    const Status s = LoadDataset(o, &d);
    QVERIFY2(s.ok(), s.message().c_str());
    // Rows 0, 10, 20 (20 + 16 <= 40), columns 0, 10, 20, 30 (30 + 16 <= 50): 12 patches.
    QCOMPARE(d.train.shape(), (Shape{12, 1, 16, 16}));
    for (int k = 0; k < 12; ++k) {
      const int y0 = 10 * (k / 4), x0 = 10 * (k % 4);
      for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 16; ++x) {
          const float want = float(1 + (y0 + y) * w + (x0 + x)) / 65535.0f;
          if (std::abs(d.train.at(k, 0, y, x) - want) > 1e-7f)
            QFAIL(qPrintable(QStringLiteral("grid patch %1 pixel (%2, %3)").arg(k).arg(y).arg(x)));
        }
    }
    // stride 7 on 40 x 50: rows 0..21 (4), columns 0..28 (5); the grid ignores patches_per_image.
    o.stride = 7;
    o.patches_per_image = 0;
    QVERIFY(LoadDataset(o, &d).ok());
    QCOMPARE(d.train.n(), 20);
  }

  void splitBySource() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    WriteTaggedFolder(dir);
    DatasetOptions o = FolderOptions(dir);
    o.test_fraction = 0.25;
    Dataset d;
    const Status s = LoadDataset(o, &d);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(int(d.sources.size()), 8);
    int tests = 0;
    for (const SourceImage& src : d.sources)
      tests += src.test ? 1 : 0;
    QCOMPARE(tests, 2);  // round(0.25 * 8)
    QCOMPARE(d.train.n(), 6 * 5);
    QCOMPARE(d.test.n(), 2 * 5);
    QCOMPARE(int(d.train_source.size()), d.train.n());
    QCOMPARE(int(d.test_source.size()), d.test.n());
    std::set<int> train_ids, test_ids;
    for (int i = 0; i < d.train.n(); ++i) {
      const int src = d.train_source[std::size_t(i)];
      QVERIFY(!d.sources[std::size_t(src)].test);
      const int id = std::stoi(d.sources[std::size_t(src)].name.substr(1));
      QVERIFY2(PatchFromSource(d.train, i, id, nullptr), "training patch not from its source");
      train_ids.insert(id);
    }
    for (int i = 0; i < d.test.n(); ++i) {
      const int src = d.test_source[std::size_t(i)];
      QVERIFY(d.sources[std::size_t(src)].test);
      const int id = std::stoi(d.sources[std::size_t(src)].name.substr(1));
      QVERIFY2(PatchFromSource(d.test, i, id, nullptr), "test patch not from its source");
      test_ids.insert(id);
    }
    std::vector<int> common;
    std::set_intersection(train_ids.begin(), train_ids.end(), test_ids.begin(), test_ids.end(),
                          std::back_inserter(common));
    QVERIFY(common.empty());
    QCOMPARE(int(train_ids.size() + test_ids.size()), 8);

    // Deterministic, and the seed moves the split.
    Dataset again;
    QVERIFY(LoadDataset(o, &again).ok());
    QVERIFY(SameBatch(d.test, again.test));
    QCOMPARE(d.test_source, again.test_source);
    std::set<std::set<int>> splits;
    for (unsigned seed = 1; seed <= 8; ++seed) {
      o.seed = seed;
      Dataset other;
      QVERIFY(LoadDataset(o, &other).ok());
      std::set<int> ids;
      for (std::size_t k = 0; k < other.sources.size(); ++k)
        if (other.sources[k].test) ids.insert(int(k));
      splits.insert(ids);
    }
    QVERIFY(splits.size() > 1);
  }

  void splitCounts_data() {
    QTest::addColumn<int>("sources");
    QTest::addColumn<double>("fraction");
    QTest::addColumn<int>("tests");
    QTest::newRow("none held out") << 4 << 0.0 << 0;
    QTest::newRow("at least one") << 3 << 0.1 << 1;
    QTest::newRow("single source") << 1 << 0.5 << 0;
    QTest::newRow("never all") << 2 << 0.9 << 1;
    QTest::newRow("rounded") << 5 << 0.5 << 3;
  }
  void splitCounts() {
    QFETCH(int, sources);
    QFETCH(double, fraction);
    QFETCH(int, tests);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    WriteTaggedFolder(dir, sources);
    DatasetOptions o = FolderOptions(dir);
    o.test_fraction = fraction;
    Dataset d;
    const Status s = LoadDataset(o, &d);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(d.test.n(), 5 * tests);
    QCOMPARE(d.train.n(), 5 * (sources - tests));
  }

  void capsKeepTheFirstPatches() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    WriteTaggedFolder(dir);
    DatasetOptions o = FolderOptions(dir);
    Dataset full, capped;
    QVERIFY(LoadDataset(o, &full).ok());
    o.max_train_patches = 7;
    o.max_test_patches = 3;
    QVERIFY(LoadDataset(o, &capped).ok());
    QCOMPARE(capped.train.n(), 7);
    QCOMPARE(capped.test.n(), 3);
    QVERIFY(std::equal(capped.train.data(), capped.train.data() + capped.train.size(),
                       full.train.data()));
    QVERIFY(
        std::equal(capped.test.data(), capped.test.data() + capped.test.size(), full.test.data()));
    QCOMPARE(capped.train_source,
             std::vector<int>(full.train_source.begin(), full.train_source.begin() + 7));
    // Grid patches too.
    o.stride = 4;
    o.max_train_patches = 11;
    QVERIFY(LoadDataset(o, &capped).ok());
    QCOMPARE(capped.train.n(), 11);
  }

  void corruptFilesSkipped() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(Write(dir, "good.png", TaggedImage(2, 30, 30)));
    std::ofstream(PathIn(dir, "empty.png")).close();
    {
      std::vector<unsigned char> png;
      QVERIFY(cv::imencode(".png", TaggedImage(3, 64, 64), png));
      std::ofstream(PathIn(dir, "truncated.png"), std::ios::binary)
          .write(reinterpret_cast<const char*>(png.data()), std::streamsize(png.size() / 2));
    }
    std::ofstream(PathIn(dir, "text.jpg")) << "hello, I am not a JPEG\n";
    QVERIFY(Write(dir, "small.png", TaggedImage(4, 10, 40)));
    std::ofstream(PathIn(dir, "readme.txt")) << "ignored";

    DatasetOptions o = FolderOptions(dir);
    Dataset d;
    const Status s = LoadDataset(o, &d);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(int(d.sources.size()), 1);
    QCOMPARE(d.sources[0].name, std::string("good.png"));
    QCOMPARE(d.train.n(), 5);
    const std::string all = Joined(d.warnings);
    QCOMPARE(int(d.warnings.size()), 4);
    for (const char* name : {"empty.png", "truncated.png", "text.jpg", "small.png"}) {
      const auto hit = std::find_if(d.warnings.begin(), d.warnings.end(), [&](const auto& w) {
        return w.find(name) != std::string::npos;
      });
      QVERIFY2(hit != d.warnings.end(), qPrintable(QStringLiteral("no warning names %1 in:\n%2")
                                                       .arg(name, QString::fromStdString(all))));
    }
    QVERIFY(all.find("readme") == std::string::npos);
    for (const std::string& w : d.warnings) {
      if (w.find("empty.png") != std::string::npos) QVERIFY(MentionsAny(w, {"empty"}));
      if (w.find("small.png") != std::string::npos) QVERIFY(MentionsAny(w, {"too small"}));
      if (w.find("text.jpg") != std::string::npos) QVERIFY(MentionsAny(w, {"not a readable"}));
    }

    // Without the good file nothing is usable: refused, naming the folder.
    QVERIFY(QFile::remove(dir.filePath("good.png")));
    Dataset none;
    const Status refused = LoadDataset(o, &none);
    BILEVEL_CHECK_REJECTED(refused.ok(), refused.message(), "no usable image");
    QVERIFY(refused.message().find(o.folder) != std::string::npos);
  }

  void refusedFolders() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    DatasetOptions o = FolderOptions(dir);
    Dataset d;
    // Empty folder.
    Status s = LoadDataset(o, &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "no image files");
    QVERIFY(s.message().find(o.folder) != std::string::npos);
    // Missing folder.
    o.folder = PathIn(dir, "does-not-exist");
    s = LoadDataset(o, &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "does not exist");
    QVERIFY(s.message().find("does-not-exist") != std::string::npos);
    // A file, not a folder.
    QVERIFY(Write(dir, "file.png", TaggedImage(0, 20, 20)));
    o.folder = PathIn(dir, "file.png");
    s = LoadDataset(o, &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "not a folder");
    // Bad options name the field; a null output is refused.
    o = FolderOptions(dir);
    o.patch_size = 1;
    s = LoadDataset(o, &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "patch_size");
    o = FolderOptions(dir);
    o.test_fraction = 1.0;
    s = LoadDataset(o, &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "test_fraction");
    s = LoadDataset(FolderOptions(dir), nullptr);
    QVERIFY(!s.ok());
    // A failed load leaves the output as it was.
    QCOMPARE(d.train.n(), 0);
  }

  void progressAndCancel() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    WriteTaggedFolder(dir, 4);
    std::vector<std::pair<int, int>> calls;
    Dataset d;
    Status s = LoadDataset(FolderOptions(dir), &d, [&](int done, int total) {
      calls.emplace_back(done, total);
      return true;
    });
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(calls, (std::vector<std::pair<int, int>>{{1, 4}, {2, 4}, {3, 4}, {4, 4}}));
    Dataset cancelled;
    int seen = 0;
    s = LoadDataset(FolderOptions(dir), &cancelled, [&](int done, int) {
      seen = done;
      return done < 2;
    });
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "cancelled");
    QCOMPARE(seen, 2);
    QCOMPARE(cancelled.train.n(), 0);
  }

  void embeddedSet() {
    const std::vector<std::string> names = EmbeddedImageNames();
    QVERIFY2(names.size() >= 12, qPrintable(QString::number(names.size())));
    QVERIFY(std::is_sorted(names.begin(), names.end()));
    int large = 0;
    for (const std::string& name : names) {
      const std::string_view bytes = EmbeddedImageBytes(name);
      QVERIFY2(bytes.size() > 100, name.c_str());
      const std::vector<unsigned char> copy(bytes.begin(), bytes.end());
      const cv::Mat m = cv::imdecode(copy, cv::IMREAD_COLOR);
      QVERIFY2(!m.empty(), name.c_str());
      QVERIFY2(std::min(m.rows, m.cols) >= 96, name.c_str());
      QVERIFY2(std::max(m.rows, m.cols) <= 400, name.c_str());
      if (std::min(m.rows, m.cols) >= 160) ++large;
    }
    QVERIFY(large >= 4);
    QVERIFY(EmbeddedImageBytes("no-such-image.png").empty());

    DatasetOptions o;  // empty folder: the embedded set
    Dataset d;
    Status s = LoadDataset(o, &d);
    QVERIFY2(s.ok(), s.message().c_str());
    QVERIFY2(d.warnings.empty(), Joined(d.warnings).c_str());
    QCOMPARE(int(d.sources.size()), int(names.size()));
    QVERIFY(d.train.n() > 0);
    QVERIFY(d.test.n() > 0);
    QCOMPARE(d.train.c(), 3);
    QCOMPARE(d.train.h(), 96);
    QCOMPARE(d.train.w(), 96);
    QCOMPARE(d.test.shape(), (Shape{d.test.n(), 3, 96, 96}));
    QVERIFY(d.train.allFinite());
    const auto [lo, hi] = std::minmax_element(d.train.values().begin(), d.train.values().end());
    QVERIFY(*lo >= 0.0f && *hi <= 1.0f && *hi - *lo > 0.5f);

    // 128-pixel patches (the deblurring preset) fit every embedded image.
    o.patch_size = 128;
    o.color = ColorMode::kGrey;
    s = LoadDataset(o, &d);
    QVERIFY2(s.ok(), s.message().c_str());
    QVERIFY2(d.warnings.empty(), Joined(d.warnings).c_str());
    QCOMPARE(d.train.shape(), (Shape{d.train.n(), 1, 128, 128}));
  }
};

QTEST_GUILESS_MAIN(DatasetTest)
#include "test_dataset.moc"
