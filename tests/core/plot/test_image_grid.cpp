// Contact sheets: every tile lands whole, zoomed and in its row and column order; captions are
// drawn under the tiles; bad tiles and options are refused with a message; files read back.
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>

#include "bilevel/dataset.h"
#include "bilevel/image_grid.h"

using namespace bilevel;

namespace {

Batch<float> Solid(int c, int h, int w, float r, float g, float b) {
  Batch<float> image(1, c, h, w);
  const float rgb[3] = {r, g, b};
  for (int ch = 0; ch < c; ++ch)
    std::fill(image.channel(0, ch), image.channel(0, ch) + h * w, rgb[ch]);
  return image;
}

struct Box {
  int left = 1 << 30, top = 1 << 30, right = -1, bottom = -1, count = 0;
  int width() const { return right - left + 1; }
  int height() const { return bottom - top + 1; }
};

// The bounding box of the pixels of exactly this colour, and how many there are.
Box Find(const Batch<float>& sheet, float r, float g, float b) {
  Box box;
  for (int y = 0; y < sheet.h(); ++y)
    for (int x = 0; x < sheet.w(); ++x)
      if (sheet.at(0, 0, y, x) == r && sheet.at(0, 1, y, x) == g && sheet.at(0, 2, y, x) == b) {
        box.left = std::min(box.left, x), box.right = std::max(box.right, x);
        box.top = std::min(box.top, y), box.bottom = std::max(box.bottom, y);
        ++box.count;
      }
  return box;
}

bool HasDarkPixel(const Batch<float>& sheet, int left, int top, int right, int bottom) {
  for (int y = std::max(0, top); y <= std::min(sheet.h() - 1, bottom); ++y)
    for (int x = std::max(0, left); x <= std::min(sheet.w() - 1, right); ++x)
      if (sheet.at(0, 0, y, x) < 0.5f && sheet.at(0, 1, y, x) < 0.5f) return true;
  return false;
}

}  // namespace

class ImageGridTest : public QObject {
  Q_OBJECT

 private slots:
  void tilesLandWholeInOrder() {
    const Batch<float> red = Solid(3, 10, 12, 1, 0, 0);
    const Batch<float> grey = Solid(1, 8, 8, 0.5f, 0, 0);
    Batch<float> pair(2, 3, 10, 12);
    std::fill(pair.image(1), pair.image(1) + pair.imageSize(), 0.0f);
    std::fill(pair.channel(1, 2), pair.channel(1, 2) + 120, 1.0f);  // image 1 is blue
    const std::vector<GridRow> rows = {
        {"first row", {{&red, 0, "red"}, {&grey, 0, "grey"}}},
        {"second row", {{&pair, 1, "blue"}}},
    };
    Batch<float> sheet;
    const Status s = RenderImageGrid(rows, {.zoom = 3}, &sheet);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(sheet.n(), 1);
    QCOMPARE(sheet.c(), 3);

    const Box r = Find(sheet, 1, 0, 0), g = Find(sheet, 0.5f, 0.5f, 0.5f), b = Find(sheet, 0, 0, 1);
    QCOMPARE(r.width(), 36);
    QCOMPARE(r.height(), 30);
    QCOMPARE(r.count, 36 * 30);  // whole: no caption or label over it
    QCOMPARE(g.width(), 24);
    QCOMPARE(g.height(), 24);
    QCOMPARE(g.count, 24 * 24);
    QCOMPARE(b.count, 36 * 30);
    QVERIFY(g.left > r.right);  // second column
    QVERIFY(b.top > r.bottom);  // second row
    QCOMPARE(b.left, r.left);   // same column
    // The smaller tile is centred in a cell as large as the largest.
    QCOMPARE((g.top + g.bottom) / 2, (r.top + r.bottom) / 2);
    // Captions under the tiles, labels above the rows.
    QVERIFY(HasDarkPixel(sheet, r.left, r.bottom + 1, r.right, r.bottom + 25));
    QVERIFY(HasDarkPixel(sheet, b.left, b.bottom + 1, b.right, b.bottom + 25));
    QVERIFY(HasDarkPixel(sheet, 0, r.top - 20, sheet.w() - 1, r.top - 1));
    QVERIFY(HasDarkPixel(sheet, 0, r.bottom + 1, sheet.w() - 1, b.top - 1));
  }

  void longCaptionsWidenTheCellsInsteadOfBeingCut() {
    const Batch<float> tile = Solid(3, 8, 8, 0, 1, 0);
    const std::string caption = "final, 2M comp.: 31.25 dB, a long caption";
    Batch<float> sheet;
    QVERIFY(RenderImageGrid({{"", {{&tile, 0, "short"}, {&tile, 0, caption}}}}, {.zoom = 1}, &sheet)
                .ok());
    const Box g = Find(sheet, 0, 1, 0);
    QCOMPARE(g.count, 2 * 8 * 8);
    QVERIFY2(g.width() > 100, qPrintable(QString::number(g.width())));  // the cells are wide
    // The long caption, in the last cell, is drawn and ends before the sheet does.
    QVERIFY(HasDarkPixel(sheet, g.right - 7, g.bottom + 1, sheet.w() - 1, sheet.h() - 1));
    QVERIFY(!HasDarkPixel(sheet, sheet.w() - 3, 0, sheet.w() - 1, sheet.h() - 1));
  }

  void badInputIsRefused() {
    const Batch<float> one = Solid(3, 8, 8, 1, 1, 1);
    const Batch<float> two_channels(1, 2, 8, 8);
    Batch<float> sheet;
    const auto refused = [&](const std::vector<GridRow>& rows, int zoom, const char* words) {
      const Status s = RenderImageGrid(rows, {.zoom = zoom}, &sheet);
      if (s.ok()) return false;
      if (s.message().find(words) == std::string::npos) qWarning("%s", s.message().c_str());
      return s.message().find(words) != std::string::npos;
    };
    QVERIFY(refused({}, 2, "no images"));
    QVERIFY(refused({{"empty", {}}}, 2, "no images"));
    QVERIFY(refused({{"", {{nullptr, 0, ""}}}}, 2, "no image"));
    QVERIFY(refused({{"", {{&one, 1, ""}}}}, 2, "image 1 of a batch of 1"));
    QVERIFY(refused({{"", {{&one, -1, ""}}}}, 2, "image -1"));
    QVERIFY(refused({{"", {{&two_channels, 0, ""}}}}, 2, "2 channels"));
    QVERIFY(refused({{"", {{&one, 0, ""}}}}, 0, "zoom"));
    QVERIFY(refused({{"", {{&one, 0, ""}}}}, 9, "zoom"));
    const Batch<float> huge(1, 1, 3000, 3000);
    QVERIFY(refused({{"", {{&huge, 0, ""}}}}, 8, "too large"));
    QVERIFY(!RenderImageGrid({{"", {{&one, 0, ""}}}}, {}, nullptr).ok());
  }

  void writesAFileThatReadsBack() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const Batch<float> tile = Solid(3, 16, 16, 0, 1, 0);
    const std::vector<GridRow> rows = {{"run", {{&tile, 0, "final 2M: 30.00 dB"}}}};
    Batch<float> sheet, back;
    QVERIFY(RenderImageGrid(rows, {}, &sheet).ok());
    const std::string path = tmp.filePath("sheet.png").toStdString();
    const Status s = WriteImageGrid(path, rows);
    QVERIFY2(s.ok(), s.message().c_str());
    QVERIFY(ReadImage(path, ColorMode::kColor, &back).ok());
    QCOMPARE(back.shape(), sheet.shape());
    const Box g = Find(back, 0, 1, 0);
    QCOMPARE(g.count, 32 * 32);

    const std::string bad = tmp.filePath("no/such/folder/sheet.png").toStdString();
    const Status refused = WriteImageGrid(bad, rows);
    QVERIFY(!refused.ok());
    QVERIFY2(refused.message().find("sheet.png") != std::string::npos, refused.message().c_str());
  }
};

QTEST_GUILESS_MAIN(ImageGridTest)
#include "test_image_grid.moc"
