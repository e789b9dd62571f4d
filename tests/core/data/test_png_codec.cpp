// The PNG codec of the lean build (BILEVEL_IMAGE_CODECS=png) against OpenCV's: every PNG layout
// OpenCV writes (8- and 16-bit grey, BGR and BGRA), a palette image and a 1-bit grey image
// written with libpng, all decoded pixel for pixel as cv::imdecode(ANYDEPTH | ANYCOLOR) decodes
// them; its own files read back exactly by OpenCV; and refusals (not a PNG, truncated, a layout
// PNG cannot hold) with a message and no crash.
#include <png.h>

#include <QTest>

#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "data/image_codec.h"

namespace bilevel {
namespace {

cv::Mat Pattern(int depth, int channels, int h = 19, int w = 29) {
  cv::Mat m(h, w, CV_MAKETYPE(depth, channels));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < channels; ++k) {
        if (depth == CV_8U)
          m.ptr<unsigned char>(y)[x * channels + k] =
              (unsigned char)((y * 11 + x * 5 + k * 67) % 256);
        else
          m.ptr<unsigned short>(y)[x * channels + k] =
              (unsigned short)((y * 2741 + x * 1553 + k * 20011) % 65536);
      }
  return m;
}

cv::Mat OpenCvDecode(const std::vector<unsigned char>& bytes) {
  return cv::imdecode(bytes, cv::IMREAD_ANYDEPTH | cv::IMREAD_ANYCOLOR);
}

bool Identical(const cv::Mat& a, const cv::Mat& b) {
  if (a.type() != b.type() || a.size() != b.size()) return false;
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  return cv::countNonZero(diff.reshape(1)) == 0;
}

void Append(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<std::vector<unsigned char>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}

// A PNG that OpenCV does not write: a 4-colour palette image with one transparent entry, or a
// 1-bit grey image; rows of the given packed bytes.
std::vector<unsigned char> HandWrittenPng(bool palette, int w, int h) {
  std::vector<unsigned char> out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return {};
  }
  png_set_write_fn(png, &out, Append, nullptr);
  const int depth = palette ? 2 : 1;
  png_set_IHDR(png, info, png_uint_32(w), png_uint_32(h), depth,
               palette ? PNG_COLOR_TYPE_PALETTE : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_ADAM7,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (palette) {
    png_color colors[4] = {{10, 20, 30}, {200, 100, 50}, {0, 255, 128}, {90, 90, 90}};
    png_set_PLTE(png, info, colors, 4);
    png_byte alpha[1] = {0};
    png_set_tRNS(png, info, alpha, 1, nullptr);
  }
  png_write_info(png, info);
  const int row_bytes = (w * depth + 7) / 8;
  std::vector<unsigned char> rows(std::size_t(row_bytes) * h);
  for (std::size_t k = 0; k < rows.size(); ++k)
    rows[k] = (unsigned char)(k * 37 + 11);
  std::vector<png_bytep> pointers(static_cast<std::size_t>(h));
  for (int y = 0; y < h; ++y)
    pointers[std::size_t(y)] = rows.data() + std::size_t(y) * row_bytes;
  png_write_image(png, pointers.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

}  // namespace

class TestPngCodec : public QObject {
  Q_OBJECT

 private slots:
  void decodesWhatOpenCvWrites_data() {
    QTest::addColumn<int>("depth");
    QTest::addColumn<int>("channels");
    for (int depth : {CV_8U, CV_16U})
      for (int channels : {1, 3, 4})
        QTest::newRow(
            qPrintable(QString("%1-bit, %2 channels").arg(depth == CV_8U ? 8 : 16).arg(channels)))
            << depth << channels;
  }

  void decodesWhatOpenCvWrites() {
    QFETCH(int, depth);
    QFETCH(int, channels);
    std::vector<unsigned char> bytes;
    QVERIFY(cv::imencode(".png", Pattern(depth, channels), bytes));
    std::string error;
    const cv::Mat ours = DecodePng(bytes, &error);
    QVERIFY2(!ours.empty(), error.c_str());
    QVERIFY(Identical(ours, OpenCvDecode(bytes)));
  }

  void decodesPaletteAndOneBitImages() {
    for (bool palette : {true, false}) {
      const std::vector<unsigned char> bytes = HandWrittenPng(palette, 13, 7);
      QVERIFY(!bytes.empty());
      std::string error;
      const cv::Mat ours = DecodePng(bytes, &error);
      QVERIFY2(!ours.empty(), error.c_str());
      QCOMPARE(ours.channels(), palette ? 3 : 1);
      QVERIFY(Identical(ours, OpenCvDecode(bytes)));
    }
  }

  void opencvReadsItsFilesExactly() {
    for (int depth : {CV_8U, CV_16U})
      for (int channels : {1, 3}) {
        const cv::Mat image = Pattern(depth, channels, 5, 300);
        std::vector<unsigned char> bytes;
        std::string error;
        QVERIFY2(EncodePng(image, &bytes, &error), error.c_str());
        QVERIFY(Identical(OpenCvDecode(bytes), image));
      }
  }

  void refusesWithAMessage() {
    std::string error;
    const std::vector<unsigned char> text = {'n', 'o', 't', ' ', 'a', ' ', 'p', 'n', 'g', '!'};
    QVERIFY(DecodePng(text, &error).empty());
    QCOMPARE(error, std::string("not a PNG file"));

    std::vector<unsigned char> bytes;
    QVERIFY(cv::imencode(".png", Pattern(CV_8U, 3), bytes));
    for (std::size_t keep :
         {std::size_t(8), std::size_t(40), bytes.size() / 2, bytes.size() - 13}) {
      error.clear();
      const std::vector<unsigned char> cut(bytes.begin(), bytes.begin() + std::ptrdiff_t(keep));
      QVERIFY(DecodePng(cut, &error).empty());
      QVERIFY2(!error.empty(), qPrintable(QString("no message at %1 bytes").arg(keep)));
    }

    error.clear();
    std::vector<unsigned char> out;
    QVERIFY(!EncodePng(cv::Mat(4, 4, CV_32FC1, cv::Scalar(0.5)), &out, &error));
    QVERIFY(error.find("8- or 16-bit") != std::string::npos);
    QVERIFY(!EncodePng(cv::Mat(4, 4, CV_8UC2), &out, &error));
  }
};

}  // namespace bilevel

QTEST_APPLESS_MAIN(bilevel::TestPngCodec)
#include "test_png_codec.moc"
