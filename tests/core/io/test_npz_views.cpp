// Archives written from views (large arrays left where they are, such as a checkpoint's warm
// starts) are the same files, byte for byte, as those written from owned arrays; a view whose
// pieces do not match its shape is refused.
#include <QTemporaryDir>
#include <QTest>
#include <numeric>
#include <vector>

#include "base/file_util.h"
#include "bilevel/npy.h"

using namespace bilevel;

class NpzViewsTest : public QObject {
  Q_OBJECT

 private slots:
  void viewsWriteTheSameFile() {
    std::vector<float> a(1000), b(37), c(0), d(5);
    std::iota(a.begin(), a.end(), -3.5f);
    std::iota(b.begin(), b.end(), 100.0f);
    std::iota(d.begin(), d.end(), 0.25f);
    std::vector<float> all = a;
    all.insert(all.end(), b.begin(), b.end());
    all.insert(all.end(), d.begin(), d.end());

    const NpyArrays owned = {{"version", NpyArray::ScalarInt64(3)},
                             {"text", NpyArray::FromBytes("settings")},
                             {"warm_starts", NpyArray::FromFloats(all)}};
    const std::span<const float> pieces[] = {a, b, c, d};
    const NpyViews views = {{"version", NpyView::Of(owned[0].second)},
                            {"text", NpyView::Of(owned[1].second)},
                            {"warm_starts", NpyView::OfFloats(pieces)}};
    QCOMPARE(views[2].second.shape, std::vector<std::size_t>{all.size()});

    QTemporaryDir dir;
    const std::string from_arrays = dir.filePath("arrays.npz").toStdString();
    const std::string from_views = dir.filePath("views.npz").toStdString();
    QVERIFY(WriteNpz(from_arrays, owned).ok());
    const Status s = WriteNpzViews(from_views, views);
    QVERIFY2(s.ok(), s.message().c_str());
    std::string x, y;
    QVERIFY(ReadFile(from_arrays, &x).ok());
    QVERIFY(ReadFile(from_views, &y).ok());
    QVERIFY(x == y);
    NpyArrays back;
    QVERIFY(ReadNpz(from_views, &back).ok());
    std::vector<float> values;
    QVERIFY(FindArray(back, "warm_starts")->toFloats(&values).ok());
    QVERIFY(values == all);
  }

  void mismatchedViewsAreRefused() {
    const std::vector<float> a(10);
    NpyView view = NpyView::OfFloats(std::vector<std::span<const float>>{a});
    view.shape = {11};
    QTemporaryDir dir;
    const std::string path = dir.filePath("bad.npz").toStdString();
    const Status s = WriteNpzViews(path, {{"x", view}});
    QVERIFY(!s.ok());
    QVERIFY2(QString::fromStdString(s.message()).contains("needs 44 bytes, but holds 40"),
             s.message().c_str());
    view.dtype = "<c8";
    QVERIFY(!WriteNpzViews(path, {{"x", view}}).ok());
    QVERIFY(!QFile::exists(QString::fromStdString(path)));  // nothing written
  }
};

QTEST_MAIN(NpzViewsTest)
#include "test_npz_views.moc"
