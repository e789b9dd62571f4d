// Image files: 8- and 16-bit PNG and TIFF, BMP and JPEG in grey, RGB and RGBA decode to the
// exact [0, 1] values in RGB order; colour and grey modes; WriteImage round trips and refusals.
// Every file is written at run time with OpenCV into a temporary folder.
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "bilevel/dataset.h"
#include "bilevel/npy.h"
#include "test_support.h"

using namespace bilevel;
using namespace bilevel::test;

namespace {

constexpr int kH = 23, kW = 37;

// Distinct values per pixel and channel: channel k of pixel (y, x) in the file's own order
// (B, G, R, A for OpenCV). 8-bit values stay below 256, 16-bit ones use the whole range.
int FileValue(int depth, int y, int x, int k) {
  if (depth == CV_8U) return (y * 11 + x * 5 + k * 67) % 256;
  return (y * 2741 + x * 1553 + k * 20011) % 65536;
}

cv::Mat MakePattern(int depth, int channels) {
  cv::Mat m(kH, kW, CV_MAKETYPE(depth, channels));
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x)
      for (int k = 0; k < channels; ++k) {
        const int v = FileValue(depth, y, x, k);
        if (depth == CV_8U)
          m.ptr<unsigned char>(y)[x * channels + k] = (unsigned char)v;
        else
          m.ptr<unsigned short>(y)[x * channels + k] = (unsigned short)v;
      }
  return m;
}

std::string Write(const QTemporaryDir& dir, const std::string& name, const cv::Mat& image,
                  const std::vector<int>& params = {}) {
  const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
  if (!cv::imwrite(path, image, params)) qWarning("cv::imwrite failed for %s", path.c_str());
  return path;
}

// Expected RGB (or grey) value in [0, 1] of the pattern: batch channel c of a file with
// `channels` channels; colour files are B, G, R(, A) in the file.
double Expected(int depth, int channels, int c, int y, int x) {
  const double scale = depth == CV_8U ? 255.0 : 65535.0;
  const int k = channels == 1 ? 0 : 2 - c;
  return FileValue(depth, y, x, k) / scale;
}

}  // namespace

class ImageIoTest : public QObject {
  Q_OBJECT

 private slots:
  void losslessFormatsExact_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("depth");
    QTest::addColumn<int>("channels");
    QTest::newRow("png 8-bit grey") << "g8.png" << int(CV_8U) << 1;
    QTest::newRow("png 8-bit rgb") << "c8.png" << int(CV_8U) << 3;
    QTest::newRow("png 8-bit rgba") << "a8.png" << int(CV_8U) << 4;
    QTest::newRow("png 16-bit grey") << "g16.png" << int(CV_16U) << 1;
    QTest::newRow("png 16-bit rgb") << "c16.png" << int(CV_16U) << 3;
    QTest::newRow("png 16-bit rgba") << "a16.PNG" << int(CV_16U) << 4;
    QTest::newRow("tiff 8-bit grey") << "g8.tif" << int(CV_8U) << 1;
    QTest::newRow("tiff 8-bit rgb") << "c8.tiff" << int(CV_8U) << 3;
    QTest::newRow("tiff 16-bit grey") << "g16.TIF" << int(CV_16U) << 1;
    QTest::newRow("tiff 16-bit rgb") << "c16.tif" << int(CV_16U) << 3;
    QTest::newRow("bmp 8-bit rgb") << "c8.bmp" << int(CV_8U) << 3;
    QTest::newRow("bmp 8-bit grey") << "g8.bmp" << int(CV_8U) << 1;
  }
  void losslessFormatsExact() {
    QFETCH(QString, name);
    QFETCH(int, depth);
    QFETCH(int, channels);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = Write(dir, name.toStdString(), MakePattern(depth, channels));

    // Colour mode: RGB in this order, alpha dropped, grey repeated.
    Batch<float> image;
    Status s = ReadImage(path, ColorMode::kColor, &image);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(image.shape(), (Shape{1, 3, kH, kW}));
    const int file_colour = channels == 1 ? 1 : 3;
    double worst = 0.0;
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < kH; ++y)
        for (int x = 0; x < kW; ++x) {
          const double want = Expected(depth, file_colour, file_colour == 1 ? 0 : c, y, x);
          worst = std::max(worst, std::abs(double(image.at(0, c, y, x)) - want));
        }
    BILEVEL_CHECK_ERROR(worst, 1e-6, "decoded colour values");

    // Grey mode: one channel; grey files exact, colour ones with OpenCV's luma weights.
    s = ReadImage(path, ColorMode::kGrey, &image);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(image.shape(), (Shape{1, 1, kH, kW}));
    worst = 0.0;
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x) {
        double want = Expected(depth, file_colour, 0, y, x);
        if (file_colour == 3)
          want = 0.299 * Expected(depth, 3, 0, y, x) + 0.587 * Expected(depth, 3, 1, y, x) +
                 0.114 * Expected(depth, 3, 2, y, x);
        worst = std::max(worst, std::abs(double(image.at(0, 0, y, x)) - want));
      }
    BILEVEL_CHECK_ERROR(worst, 1e-5, "decoded grey values");
  }

  // A known pixel: pure colours land in the right channels (RGB, not OpenCV's BGR).
  void channelOrder() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    cv::Mat m(8, 8, CV_8UC3, cv::Scalar(0, 0, 0));
    m.at<cv::Vec3b>(2, 3) = cv::Vec3b(10, 20, 250);  // B, G, R
    m.at<cv::Vec3b>(5, 6) = cv::Vec3b(200, 0, 0);    // blue
    for (const char* name : {"order.png", "order.bmp", "order.tiff"}) {
      Batch<float> image;
      const Status s = ReadImage(Write(dir, name, m), ColorMode::kColor, &image);
      QVERIFY2(s.ok(), s.message().c_str());
      QCOMPARE(image.at(0, 0, 2, 3), 250.0f / 255.0f);
      QCOMPARE(image.at(0, 1, 2, 3), 20.0f / 255.0f);
      QCOMPARE(image.at(0, 2, 2, 3), 10.0f / 255.0f);
      QCOMPARE(image.at(0, 0, 5, 6), 0.0f);
      QCOMPARE(image.at(0, 2, 5, 6), 200.0f / 255.0f);
    }
    cv::Mat m16(8, 8, CV_16UC3, cv::Scalar(0, 0, 0));
    m16.at<cv::Vec3w>(1, 1) = cv::Vec3w(1, 40000, 65535);
    Batch<float> image;
    const Status s = ReadImage(Write(dir, "order16.png", m16), ColorMode::kColor, &image);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(image.at(0, 0, 1, 1), 1.0f);
    QVERIFY(std::abs(image.at(0, 1, 1, 1) - 40000.0 / 65535.0) < 1e-6);
    QVERIFY(std::abs(image.at(0, 2, 1, 1) - 1.0 / 65535.0) < 1e-9);
  }

  // JPEG is lossy: a smooth image comes back close, with the colours in the right channels.
  void jpeg() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    cv::Mat m(64, 48, CV_8UC3);
    for (int y = 0; y < m.rows; ++y)
      for (int x = 0; x < m.cols; ++x)
        m.at<cv::Vec3b>(y, x) = cv::Vec3b(40, (unsigned char)(60 + 2 * y), 220);
    for (const char* name : {"smooth.jpg", "smooth.JPEG"}) {
      Batch<float> image;
      const Status s =
          ReadImage(Write(dir, name, m, {cv::IMWRITE_JPEG_QUALITY, 98}), ColorMode::kColor, &image);
      QVERIFY2(s.ok(), s.message().c_str());
      QCOMPARE(image.shape(), (Shape{1, 3, 64, 48}));
      double err = 0.0;
      for (int y = 0; y < m.rows; ++y)
        for (int x = 0; x < m.cols; ++x) {
          err += std::abs(image.at(0, 0, y, x) - 220.0 / 255.0);
          err += std::abs(image.at(0, 1, y, x) - (60.0 + 2 * y) / 255.0);
          err += std::abs(image.at(0, 2, y, x) - 40.0 / 255.0);
        }
      BILEVEL_CHECK_ERROR(err / (3.0 * m.rows * m.cols), 0.02, "mean JPEG error");
    }
  }

  void writeImageRoundTrip() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const Batch<float> batch = RandomData<float>(Shape{2, 3, 12, 17}, 4, -0.2, 1.2);
    for (const char* name : {"out.png", "out.bmp", "out.tif"}) {
      const std::string path = dir.filePath(name).toStdString();
      Status s = WriteImage(path, batch, 1);
      QVERIFY2(s.ok(), s.message().c_str());
      Batch<float> back;
      s = ReadImage(path, ColorMode::kColor, &back);
      QVERIFY2(s.ok(), s.message().c_str());
      QCOMPARE(back.shape(), (Shape{1, 3, 12, 17}));
      double worst = 0.0;
      for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 12; ++y)
          for (int x = 0; x < 17; ++x) {
            const double want = std::clamp(double(batch.at(1, c, y, x)), 0.0, 1.0);
            worst = std::max(worst, std::abs(back.at(0, c, y, x) - want));
          }
      BILEVEL_CHECK_ERROR(worst, 0.5 / 255.0 + 1e-6, std::string("round trip ") + name);
    }
    const Batch<float> grey = RandomData<float>(Shape{1, 1, 9, 9}, 5, 0.0, 1.0);
    Status s = WriteImage(dir.filePath("grey.png").toStdString(), grey);
    QVERIFY2(s.ok(), s.message().c_str());
    Batch<float> back;
    QVERIFY(ReadImage(dir.filePath("grey.png").toStdString(), ColorMode::kGrey, &back).ok());
    BILEVEL_CHECK_ERROR(MaxAbsDiff(back.data(), grey.data(), grey.size()), 0.5 / 255.0 + 1e-6,
                        "grey round trip");
  }

  // 16 bits: values x 65535, read back to within half a level; JPEG cannot hold them.
  void sixteenBitImages() {
    QTemporaryDir dir;
    const Batch<float> grey = RandomData<float>(Shape{1, 1, 9, 11}, 6, 0.0, 1.0);
    const std::string path = dir.filePath("deep.png").toStdString();
    QVERIFY(WriteImage(path, grey, 0, 16).ok());
    QCOMPARE(cv::imread(path, cv::IMREAD_UNCHANGED).depth(), CV_16U);
    Batch<float> back;
    QVERIFY(ReadImage(path, ColorMode::kGrey, &back).ok());
    BILEVEL_CHECK_ERROR(MaxAbsDiff(back.data(), grey.data(), grey.size()), 0.5 / 65535.0 + 1e-7,
                        "16-bit round trip");
    const Status s = WriteImage(dir.filePath("deep.jpg").toStdString(), grey, 0, 16);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "16-bit");
  }

  // A measurement keeps its values outside [0, 1] from a float TIFF and a .npy, not from 8 bits.
  void measurementsKeepTheirRange() {
    QTemporaryDir dir;
    cv::Mat values(4, 5, CV_32FC1);
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 5; ++x)
        values.at<float>(y, x) = -0.3f + 0.1f * float(y * 5 + x);
    const std::string tiff = Write(dir, "noisy.tif", values);
    Batch<float> read, clipped;
    QVERIFY(ReadMeasurement(tiff, ColorMode::kGrey, &read).ok());
    QVERIFY(ReadImage(tiff, ColorMode::kGrey, &clipped).ok());
    QCOMPARE(read.at(0, 0, 0, 0), -0.3f);
    QCOMPARE(read.at(0, 0, 3, 4), -0.3f + 0.1f * 19.0f);
    QCOMPARE(clipped.at(0, 0, 0, 0), 0.0f);
    const std::vector<double> array{-0.25, 0.5, 1.5, 0.0, 0.75, 2.0};
    const std::string npy = dir.filePath("noisy.npy").toStdString();
    QVERIFY(WriteNpy(npy, NpyArray::FromDoubles(array, {2, 3})).ok());
    QVERIFY(ReadMeasurement(npy, ColorMode::kGrey, &read).ok());
    QCOMPARE(read.shape(), (Shape{1, 1, 2, 3}));
    QCOMPARE(read.at(0, 0, 0, 2), 1.5f);
    const Status s = ReadMeasurement(npy, ColorMode::kColor, &read);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "(3, H, W)");
  }

  void refusals() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const Batch<float> batch(Shape{1, 3, 4, 4}, 0.5f);
    Status s = WriteImage(dir.filePath("x.gif").toStdString(), batch);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "extension");
    s = WriteImage(dir.filePath("x.png").toStdString(), batch, 1);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "range");
    s = WriteImage(dir.filePath("x.png").toStdString(), Batch<float>(Shape{1, 2, 4, 4}));
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "channels");
    s = WriteImage(dir.filePath("missing/sub/x.png").toStdString(), batch);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "cannot");

    Batch<float> image;
    s = ReadImage(dir.filePath("nothing.png").toStdString(), ColorMode::kColor, &image);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "nothing.png");
    const std::string empty = dir.filePath("empty.png").toStdString();
    std::ofstream(empty).close();
    s = ReadImage(empty, ColorMode::kColor, &image);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "empty");
    const std::string text = dir.filePath("text.jpg").toStdString();
    std::ofstream(text) << "this is not an image\n";
    s = ReadImage(text, ColorMode::kColor, &image);
    BILEVEL_CHECK_REJECTED(s.ok(), s.message(), "not a readable image");
    s = ReadImage(dir.path().toStdString(), ColorMode::kColor, &image);
    QVERIFY(!s.ok());
    s = ReadImage(text, ColorMode::kColor, nullptr);
    QVERIFY(!s.ok());
  }
};

QTEST_GUILESS_MAIN(ImageIoTest)
#include "test_image_io.moc"
