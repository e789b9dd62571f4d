// The data sets in their distributed formats: STL-10 binary files (pixel values, orientation,
// channels, grey, patches, split by file, truncated files), the Oxford-IIIT Pet images/ folder
// (shorter side, centre crop, JPEG, non-image files, ordered and random splits), image folders
// with subfolders and whole images, the refusals naming the file, and the config fields.
#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "bilevel/config_json.h"
#include "bilevel/dataset.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

namespace {

constexpr int kSide = 96;  // STL-10

std::string PathIn(const QTemporaryDir& dir, const std::string& name) {
  return dir.filePath(QString::fromStdString(name)).toStdString();
}

// The byte of record i, channel c (R, G, B), row y, column x: a transposition, a channel
// mix-up or a wrong record all change it.
int Stl10Value(int i, int c, int y, int x) {
  return (37 * i + 80 * c + 3 * y + 7 * x) % 256;
}

// Writes `count` records (records first..first+count-1 of the pattern) and `extra` bytes more.
void WriteStl10(const std::string& path, int count, int first = 0, int extra = 0) {
  std::vector<char> bytes(std::size_t(count) * 3 * kSide * kSide + std::size_t(extra), 0);
  for (int i = 0; i < count; ++i)
    for (int c = 0; c < 3; ++c)
      for (int x = 0; x < kSide; ++x)
        for (int y = 0; y < kSide; ++y)
          bytes[std::size_t(i) * 3 * kSide * kSide +
                std::size_t(c * kSide * kSide + x * kSide + y)] =
              char(Stl10Value(first + i, c, y, x));
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

// An 8-bit BGR image that names its position: R = id, G = x, B = y.
cv::Mat Tagged(int id, int h, int w) {
  cv::Mat m(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      m.at<cv::Vec3b>(y, x) = cv::Vec3b((unsigned char)y, (unsigned char)x, (unsigned char)id);
  return m;
}

float Byte(int v) {
  return float(v) / 255.0f;
}

DatasetOptions Whole(DatasetFormat format, const std::string& path) {
  DatasetOptions o;
  o.format = format;
  o.folder = path;
  o.whole_images = true;
  o.test_fraction = 0.0;
  return o;
}

std::vector<std::string> Names(const Dataset& d, bool test) {
  std::vector<std::string> names;
  for (const SourceImage& s : d.sources)
    if (s.test == test) names.push_back(s.name);
  return names;
}

bool Mentions(const std::vector<std::string>& lines, const std::string& word) {
  for (const std::string& l : lines)
    if (l.find(word) != std::string::npos) return true;
  return false;
}

}  // namespace

class DatasetFormatsTest : public QObject {
  Q_OBJECT

 private slots:
  void enumStrings() {
    for (DatasetFormat f : {DatasetFormat::kFolder, DatasetFormat::kStl10, DatasetFormat::kPets})
      QCOMPARE(DatasetFormatFromString(ToString(f)), std::optional<DatasetFormat>(f));
    QCOMPARE(std::string(ToString(DatasetFormat::kStl10)), std::string("stl10"));
    QVERIFY(!DatasetFormatFromString("mnist").has_value());
    for (DatasetSplit s : {DatasetSplit::kRandom, DatasetSplit::kOrdered})
      QCOMPARE(DatasetSplitFromString(ToString(s)), std::optional<DatasetSplit>(s));
    QVERIFY(!DatasetSplitFromString("shuffled").has_value());
  }

  void stl10PixelsAndOrientation() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string bin = PathIn(dir, "train_X.bin");
    WriteStl10(bin, 5);
    DatasetOptions o = Whole(DatasetFormat::kStl10, bin);
    Dataset d;
    Status s = LoadDataset(o, &d);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(d.train.shape(), (Shape{5, 3, kSide, kSide}));
    QCOMPARE(Names(d, false),
             (std::vector<std::string>{"train_X.bin[0]", "train_X.bin[1]", "train_X.bin[2]",
                                       "train_X.bin[3]", "train_X.bin[4]"}));
    QCOMPARE(d.sources[0].width, kSide);
    for (int i = 0; i < 5; ++i)
      for (int c = 0; c < 3; ++c)
        for (int y = 0; y < kSide; ++y)
          for (int x = 0; x < kSide; ++x)
            if (std::abs(d.train.at(i, c, y, x) - Byte(Stl10Value(i, c, y, x))) > 1e-6f)
              QFAIL(qPrintable(QStringLiteral("record %1 channel %2 pixel (%3, %4)")
                                   .arg(i)
                                   .arg(c)
                                   .arg(y)
                                   .arg(x)));

    // Grey: the folder loader's formula, value for value (the same record as a PNG).
    cv::Mat png(kSide, kSide, CV_8UC3);
    for (int y = 0; y < kSide; ++y)
      for (int x = 0; x < kSide; ++x)
        png.at<cv::Vec3b>(y, x) =
            cv::Vec3b((unsigned char)Stl10Value(3, 2, y, x), (unsigned char)Stl10Value(3, 1, y, x),
                      (unsigned char)Stl10Value(3, 0, y, x));
    QVERIFY(QDir(dir.path()).mkdir("png"));
    QVERIFY(cv::imwrite(PathIn(dir, "png/r3.png"), png));
    o.color = ColorMode::kGrey;
    o.max_images = 4;  // only the first records
    Dataset grey, folder;
    s = LoadDataset(o, &grey);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(grey.train.shape(), (Shape{4, 1, kSide, kSide}));
    DatasetOptions fo = Whole(DatasetFormat::kFolder, PathIn(dir, "png"));
    fo.color = ColorMode::kGrey;
    QVERIFY(LoadDataset(fo, &folder).ok());
    QVERIFY(std::equal(folder.train.image(0), folder.train.image(0) + folder.train.imageSize(),
                       grey.train.image(3)));
    const float want = 0.299f * Byte(Stl10Value(3, 0, 5, 9)) +
                       0.587f * Byte(Stl10Value(3, 1, 5, 9)) +
                       0.114f * Byte(Stl10Value(3, 2, 5, 9));
    QVERIFY(std::abs(grey.train.at(3, 0, 5, 9) - want) < 1e-5f);

    // Patches on a grid, from the same code as image folders.
    o = Whole(DatasetFormat::kStl10, bin);
    o.whole_images = false;
    o.patch_size = 32;
    o.stride = 32;
    o.max_images = 2;
    s = LoadDataset(o, &d);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(d.train.shape(), (Shape{18, 3, 32, 32}));
    for (int k = 0; k < 18; ++k) {
      const int i = k / 9, y0 = 32 * ((k % 9) / 3), x0 = 32 * (k % 3);
      QCOMPARE(d.train_source[std::size_t(k)], i);
      QCOMPARE(d.train.at(k, 1, 7, 11), Byte(Stl10Value(i, 1, y0 + 7, x0 + 11)));
    }
  }

  void stl10FolderSplitsByFile() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    WriteStl10(PathIn(dir, "train_X.bin"), 6);
    WriteStl10(PathIn(dir, "test_X.bin"), 4, 100);
    DatasetOptions o = Whole(DatasetFormat::kStl10, dir.path().toStdString());
    o.max_images = 3;
    o.max_test_images = 2;
    Dataset d;
    Status s = LoadDataset(o, &d);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(d.train.n(), 3);
    QCOMPARE(d.test.n(), 2);
    QCOMPARE(Names(d, true), (std::vector<std::string>{"test_X.bin[0]", "test_X.bin[1]"}));
    QCOMPARE(d.test.at(1, 2, 4, 6), Byte(Stl10Value(101, 2, 4, 6)));
    QCOMPARE(d.train.at(2, 0, 4, 6), Byte(Stl10Value(2, 0, 4, 6)));
    // test_fraction: the test share of all images used, round(0.25 / 0.75 * 6) = 2.
    o = Whole(DatasetFormat::kStl10, dir.path().toStdString());
    o.test_fraction = 0.25;
    QVERIFY(LoadDataset(o, &d).ok());
    QCOMPARE(d.train.n(), 6);
    QCOMPARE(d.test.n(), 2);
    o.max_test_images = 5;
    s = LoadDataset(o, &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "max_test_images");
    QVERIFY(s.message().find("test_X.bin") != std::string::npos);

    // Only unlabeled_X.bin: one list, split like any other (ordered: the last ones test).
    QTemporaryDir other;
    WriteStl10(PathIn(other, "unlabeled_X.bin"), 4);
    o = Whole(DatasetFormat::kStl10, other.path().toStdString());
    o.split = DatasetSplit::kOrdered;
    o.test_fraction = 0.25;
    QVERIFY(LoadDataset(o, &d).ok());
    QCOMPARE(Names(d, true), std::vector<std::string>{"unlabeled_X.bin[3]"});
  }

  void stl10Refusals() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string bin = PathIn(dir, "cut_X.bin");
    WriteStl10(bin, 2, 0, 100);
    Dataset d;
    Status s = LoadDataset(Whole(DatasetFormat::kStl10, bin), &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "truncated");
    for (const char* part : {"cut_X.bin", "55396 bytes", "27648", "incomplete", "100 of"})
      QVERIFY2(s.message().find(part) != std::string::npos, s.message().c_str());
    std::ofstream(PathIn(dir, "empty_X.bin")).close();
    s = LoadDataset(Whole(DatasetFormat::kStl10, PathIn(dir, "empty_X.bin")), &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "empty");
    QVERIFY(s.message().find("empty_X.bin") != std::string::npos);
    s = LoadDataset(Whole(DatasetFormat::kStl10, dir.path().toStdString()), &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "no STL-10 file");
    s = LoadDataset(Whole(DatasetFormat::kStl10, PathIn(dir, "nowhere")), &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "does not exist");
    QVERIFY(s.message().find("nowhere") != std::string::npos);
    s = LoadDataset(Whole(DatasetFormat::kStl10, ""), &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "dataset.path");
    DatasetOptions o = Whole(DatasetFormat::kStl10, bin);
    o.whole_images = false;
    o.patch_size = 128;
    s = LoadDataset(o, &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "does not fit");
    QCOMPARE(d.train.n(), 0);
  }

  void petsShorterSideAndCentreCrop() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(QDir(dir.path()).mkdir("images"));
    QVERIFY(cv::imwrite(PathIn(dir, "images/a.png"), Tagged(1, 64, 100)));   // crop only
    QVERIFY(cv::imwrite(PathIn(dir, "images/b.png"), Tagged(2, 128, 160)));  // halved, cropped
    QVERIFY(cv::imwrite(PathIn(dir, "images/c.jpg"),
                        cv::Mat(50, 70, CV_8UC3, cv::Scalar(40, 120, 200))));  // enlarged
    std::ofstream(PathIn(dir, "images/a.mat")) << "MATLAB 5.0";
    DatasetOptions o = Whole(DatasetFormat::kPets, dir.path().toStdString());
    o.image_side = 64;
    Dataset d;
    Status s = LoadDataset(o, &d);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(d.train.shape(), (Shape{3, 3, 64, 64}));
    QCOMPARE(Names(d, false), (std::vector<std::string>{"a.png", "b.png", "c.jpg"}));
    QCOMPARE(int(d.warnings.size()), 1);
    QVERIFY(Mentions(d.warnings, "a.mat"));
    for (int y = 0; y < 64; y += 9)
      for (int x = 0; x < 64; x += 7) {
        // a: columns 18..81 of 100.
        QCOMPARE(d.train.at(0, 0, y, x), Byte(1));
        QCOMPARE(d.train.at(0, 1, y, x), Byte(x + 18));
        QCOMPARE(d.train.at(0, 2, y, x), Byte(y));
        // b: 160 x 128 to 80 x 64 (means of 2 x 2 blocks), then columns 8..71.
        QVERIFY(std::abs(d.train.at(1, 1, y, x) - (2.0f * (x + 8) + 0.5f) / 255.0f) < 1e-5f);
        QVERIFY(std::abs(d.train.at(1, 2, y, x) - (2.0f * y + 0.5f) / 255.0f) < 1e-5f);
        // c: a flat JPEG stays (nearly) flat; RGB order.
        QVERIFY(std::abs(d.train.at(2, 0, y, x) - Byte(200)) < 3.0f / 255.0f);
        QVERIFY(std::abs(d.train.at(2, 2, y, x) - Byte(40)) < 3.0f / 255.0f);
      }
    // The images folder itself works too; patches of the squares.
    o.folder = PathIn(dir, "images");
    o.whole_images = false;
    o.patch_size = 32;
    o.stride = 32;
    QVERIFY(LoadDataset(o, &d).ok());
    QCOMPARE(d.train.shape(), (Shape{12, 3, 32, 32}));
    o.patch_size = 65;
    s = LoadDataset(o, &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "does not fit");
  }

  void petsSplits() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    for (int id = 0; id < 6; ++id) {
      std::string name = std::to_string(id);  // (append: GCC 12 warns falsely about "p" + ...)
      name.insert(name.begin(), 'p');
      QVERIFY(cv::imwrite(PathIn(dir, name.append(".png")), Tagged(id, 40, 48)));
    }
    DatasetOptions o = Whole(DatasetFormat::kPets, dir.path().toStdString());
    o.image_side = 32;
    o.max_images = 5;
    o.max_test_images = 2;
    o.split = DatasetSplit::kOrdered;
    Dataset d;
    Status s = LoadDataset(o, &d);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(Names(d, false), (std::vector<std::string>{"p0.png", "p1.png", "p2.png"}));
    QCOMPARE(Names(d, true), (std::vector<std::string>{"p3.png", "p4.png"}));
    QCOMPARE(d.test.at(1, 0, 0, 0), Byte(4));
    // The same count from test_fraction; random picks others, seeded.
    o.max_test_images = 0;
    o.test_fraction = 0.4;
    QVERIFY(LoadDataset(o, &d).ok());
    QCOMPARE(Names(d, true), (std::vector<std::string>{"p3.png", "p4.png"}));
    o.split = DatasetSplit::kRandom;
    Dataset a, b;
    QVERIFY(LoadDataset(o, &a).ok());
    QVERIFY(LoadDataset(o, &b).ok());
    QCOMPARE(Names(a, true), Names(b, true));
    QCOMPARE(int(Names(a, true).size()), 2);
    o.max_test_images = 5;
    s = LoadDataset(o, &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "no training image");
  }

  void foldersRecurseAndWholeImages() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(QDir(dir.path()).mkpath("sub/deeper"));
    QVERIFY(cv::imwrite(PathIn(dir, "b.png"), Tagged(1, 30, 40)));
    QVERIFY(cv::imwrite(PathIn(dir, "sub/a.png"), Tagged(2, 30, 40)));
    QVERIFY(cv::imwrite(PathIn(dir, "sub/deeper/c.bmp"), Tagged(3, 30, 40)));
    QVERIFY(cv::imwrite(PathIn(dir, "sub/odd.png"), Tagged(4, 40, 30)));
    std::ofstream(PathIn(dir, "sub/notes.txt")) << "ignored";
    DatasetOptions o = Whole(DatasetFormat::kFolder, dir.path().toStdString());
    Dataset d;
    Status s = LoadDataset(o, &d);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(Names(d, false), (std::vector<std::string>{"b.png", "sub/a.png", "sub/deeper/c.bmp"}));
    QCOMPARE(d.train.shape(), (Shape{3, 3, 30, 40}));
    QCOMPARE(d.train.at(2, 0, 0, 0), Byte(3));
    QCOMPARE(d.train.at(2, 1, 29, 39), Byte(39));
    QCOMPARE(int(d.warnings.size()), 1);  // odd.png: another size
    QVERIFY(Mentions(d.warnings, "sub/odd.png") && Mentions(d.warnings, "30x40"));
    o.color = ColorMode::kGrey;
    o.max_images = 2;
    QVERIFY(LoadDataset(o, &d).ok());
    QCOMPARE(d.train.shape(), (Shape{2, 1, 30, 40}));
    // Refusals name the folder.
    QTemporaryDir empty;
    QVERIFY(QDir(empty.path()).mkdir("nothing"));
    s = LoadDataset(Whole(DatasetFormat::kFolder, empty.path().toStdString()), &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "no image files");
    QVERIFY(s.message().find(empty.path().toStdString()) != std::string::npos);
    s = LoadDataset(Whole(DatasetFormat::kPets, empty.path().toStdString()), &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "no image files");
    s = LoadDataset(Whole(DatasetFormat::kPets, PathIn(empty, "gone")), &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "does not exist");
    QVERIFY(s.message().find("gone") != std::string::npos);
  }

  // dataset.test_path: every image of the path trains, the test images are those of the test
  // folder (the first max_test_images), cut the same way; a missing folder is refused.
  void aTestFolderOfItsOwn() {
    QTemporaryDir train, test;
    QVERIFY(train.isValid() && test.isValid());
    for (int k = 0; k < 3; ++k)
      QVERIFY(cv::imwrite(PathIn(train, "t" + std::to_string(k) + ".png"), Tagged(k, 30, 40)));
    for (int k = 0; k < 3; ++k)
      QVERIFY(cv::imwrite(PathIn(test, "s" + std::to_string(k) + ".png"), Tagged(10 + k, 30, 40)));
    DatasetOptions o = Whole(DatasetFormat::kFolder, train.path().toStdString());
    o.test_fraction = 0.5;  // not used with a test folder
    o.test_folder = test.path().toStdString();
    o.max_test_images = 2;
    Dataset d;
    Status s = LoadDataset(o, &d);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(Names(d, false), (std::vector<std::string>{"t0.png", "t1.png", "t2.png"}));
    QCOMPARE(Names(d, true), (std::vector<std::string>{"test/s0.png", "test/s1.png"}));
    QCOMPARE(d.test.shape(), (Shape{2, 3, 30, 40}));
    QCOMPARE(d.test.at(1, 0, 0, 0), Byte(11));
    o.test_folder = PathIn(test, "gone");
    s = LoadDataset(o, &d);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "the test image folder");
    o.format = DatasetFormat::kStl10;
    BILEVEL_CHECK_REJECTED(o.validate().ok(), o.validate().message(), "dataset.test_path");
  }

  void configFields() {
    TrainingConfig c;
    c.trainer.budget.iterations = 3;
    c.dataset.format = DatasetFormat::kStl10;
    c.dataset.folder = "/data/stl10_binary";
    c.dataset.whole_images = true;
    c.dataset.image_side = 128;
    c.dataset.split = DatasetSplit::kOrdered;
    c.dataset.max_images = 1536;
    c.dataset.max_test_images = 256;
    const std::string text = ConfigToJson(c);
    QVERIFY(text.find("\"path\": \"/data/stl10_binary\"") != std::string::npos);
    QVERIFY(text.find("\"folder\"") == std::string::npos);
    TrainingConfig read;
    Status s = ConfigFromJson(text, &read, nullptr);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(read.dataset.format, DatasetFormat::kStl10);
    QCOMPARE(read.dataset.folder, c.dataset.folder);
    QVERIFY(read.dataset.whole_images);
    QCOMPARE(read.dataset.image_side, 128);
    QCOMPARE(read.dataset.split, DatasetSplit::kOrdered);
    QCOMPARE(read.dataset.max_images, 1536);
    QCOMPARE(read.dataset.max_test_images, 256);
    QCOMPARE(ConfigToJson(read), text);

    // dataset.folder, the old name, is still read (files, --set, get), without a warning.
    std::vector<std::string> warnings;
    s = ConfigFromJson(R"({"budget": {"iterations": 1}, "dataset": {"folder": "/old"}})", &read,
                       &warnings);
    QVERIFY2(s.ok(), s.message().c_str());
    QVERIFY(warnings.empty());
    QCOMPARE(read.dataset.folder, std::string("/old"));
    QCOMPARE(read.dataset.format, DatasetFormat::kFolder);
    s = ConfigFromJson(R"({"dataset": {"folder": "/a", "path": "/b"}})", &read, nullptr);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "dataset.folder");
    QVERIFY(SetConfigField(&read, "dataset.folder", "/via/set").ok());
    QCOMPARE(read.dataset.folder, std::string("/via/set"));
    QVERIFY(SetConfigField(&read, "dataset.format", "pets").ok());
    QCOMPARE(read.dataset.format, DatasetFormat::kPets);
    std::string value;
    QVERIFY(GetConfigField(read, "dataset.folder", &value).ok());
    QCOMPARE(value, std::string("/via/set"));
    s = SetConfigField(&read, "dataset.split", "sideways");
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "dataset.split");

    // Whole images: the format's side bounds the blur instead of patch_size.
    c.problem.kind = OperatorKind::kGaussianBlur;
    c.inner.mu0 = 1e-3;
    c.problem.blur.size = 97;
    s = c.validate();
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "whole images (96)");
    c.problem.blur.size = 95;
    QVERIFY2(c.validate().ok(), c.validate().message().c_str());
  }
};

QTEST_GUILESS_MAIN(DatasetFormatsTest)
#include "test_dataset_formats.moc"
