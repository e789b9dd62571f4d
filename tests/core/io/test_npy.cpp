// NumPy .npy/.npz I/O and atomic file writes: round trips of every dtype and shape (0-d
// included), the header layout of the spec, CRC-32, corrupt and unsupported input refused, and
// files that numpy itself reads and writes (checked with python3 + numpy when present, skipped
// visibly otherwise).
#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "bilevel/npy.h"
#include "python_support.h"

using namespace bilevel;
using namespace bilevel::test;

namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Runs a python script in dir; returns its output, with ok set when it exited with 0.
QString RunPython(const QString& python, const QString& dir, const QString& script, bool* ok) {
  QProcess p;
  p.setWorkingDirectory(dir);
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(python, {"-c", script});
  *ok = p.waitForFinished(120000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
  return QString::fromUtf8(p.readAll());
}

std::vector<double> Sequence(std::size_t n, double scale) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = double(i) / scale;
  return v;
}

NpyArray Bools(std::vector<std::uint8_t> values) {
  NpyArray a;
  a.dtype = "|b1";
  a.shape = {values.size()};
  a.bytes.assign(values.begin(), values.end());
  return a;
}

NpyArray Int32s(std::vector<std::int32_t> values, std::vector<std::size_t> shape) {
  NpyArray a;
  a.dtype = "<i4";
  a.shape = std::move(shape);
  a.bytes.assign(reinterpret_cast<const char*>(values.data()), values.size() * 4);
  return a;
}

// The arrays of the interoperability checks (mirrored in the python scripts below).
NpyArrays SampleArrays() {
  const std::vector<float> f = {0.0f, 0.25f, 0.5f, 0.75f, 1.0f};
  const std::vector<std::int64_t> i = {-1, 0, (std::int64_t(1) << 40) + 3};
  NpyArrays arrays;
  arrays.emplace_back("d", NpyArray::FromDoubles(Sequence(24, 7.0), {2, 3, 4}));
  arrays.emplace_back("f", NpyArray::FromFloats(f));
  arrays.emplace_back("i", NpyArray::FromInt64(i));
  arrays.emplace_back("u", NpyArray::FromBytes("hello"));
  arrays.emplace_back("scalar", NpyArray::ScalarInt64(-7));
  arrays.emplace_back("empty", NpyArray::FromDoubles(std::vector<double>{}, {0}));
  arrays.emplace_back("b", Bools({1, 0}));
  arrays.emplace_back("i4", Int32s({1, -2, 3, -4}, {2, 2}));
  return arrays;
}

std::string ReadAll(const std::string& path) {
  std::string bytes;
  if (!ReadFile(path, &bytes).ok()) return {};
  return bytes;
}

}  // namespace

class NpyTest : public QObject {
  Q_OBJECT

 private slots:
  void roundTripEveryDtypeAndShape_data() {
    QTest::addColumn<int>("which");
    for (int k = 0; k < 11; ++k)
      QTest::newRow(qPrintable(QString("case %1").arg(k))) << k;
  }

  void roundTripEveryDtypeAndShape() {
    QFETCH(int, which);
    const std::vector<double> d = Sequence(24, 3.0);
    const std::vector<float> f = {1.5f, -2.25f, 1e-30f, 3.0f, 0.1f, 7.0f};
    const std::vector<std::int64_t> i = {INT64_MIN, -1, 0, 1, INT64_MAX, 42};
    NpyArray a;
    switch (which) {
      case 0:
        a = NpyArray::ScalarDouble(0.1);
        break;
      case 1:
        a = NpyArray::FromDoubles(std::vector<double>{}, {0});
        break;
      case 2:
        a = NpyArray::FromDoubles(d);
        break;
      case 3:
        a = NpyArray::FromDoubles(d, {2, 3, 4});
        break;
      case 4:
        a = NpyArray::FromDoubles(d, {1, 1, 24, 1});
        break;
      case 5:
        a = NpyArray::FromFloats(f, {2, 3});
        break;
      case 6:
        a = NpyArray::FromInt64(i, {3, 2});
        break;
      case 7:
        a = NpyArray::ScalarInt64(-5);
        break;
      case 8:
        a = NpyArray::FromBytes(std::string("a\0b\xff", 4));
        break;
      case 9:
        a = Bools({1, 0, 1});
        break;
      case 10:
        a = Int32s({7, -8, 9}, {3});
        break;
    }
    QVERIFY2(a.check().ok(), a.check().message().c_str());
    const std::string bytes = EncodeNpy(a);
    QVERIFY(!bytes.empty());
    // Spec: magic, version 1.0, little-endian header length, header padded to 64 with '\n'.
    QCOMPARE(bytes.substr(0, 6), std::string("\x93NUMPY"));
    QCOMPARE(int(bytes[6]), 1);
    QCOMPARE(int(bytes[7]), 0);
    const std::size_t length =
        std::size_t(std::uint8_t(bytes[8])) | std::size_t(std::uint8_t(bytes[9])) << 8;
    QCOMPARE((10 + length) % 64, std::size_t(0));
    QCOMPARE(bytes[10 + length - 1], '\n');
    const std::string header = bytes.substr(10, length);
    QVERIFY2(Contains(header, "'descr': '" + a.dtype + "'"), header.c_str());
    QVERIFY2(Contains(header, "'fortran_order': False"), header.c_str());
    QVERIFY2(Contains(header, "'shape': " + a.shapeText()), header.c_str());
    QCOMPARE(bytes.size(), 10 + length + a.bytes.size());

    NpyArray back;
    const Status s = DecodeNpy(bytes, &back);
    QVERIFY2(s.ok(), s.message().c_str());
    QVERIFY(back == a);
  }

  void shapeText() {
    QCOMPARE(NpyArray::ScalarDouble(1).shapeText(), std::string("()"));
    QCOMPARE(NpyArray::FromDoubles(Sequence(5, 1)).shapeText(), std::string("(5,)"));
    QCOMPARE(NpyArray::FromDoubles(Sequence(6, 1), {2, 3}).shapeText(), std::string("(2, 3)"));
    QCOMPARE(NpyArray::ScalarDouble(1).count(), std::size_t(1));
    QCOMPARE(NpyArray::FromDoubles(std::vector<double>{}, {3, 0}).count(), std::size_t(0));
  }

  void typedReads() {
    std::vector<double> d;
    std::vector<float> f;
    std::vector<std::int64_t> i;
    std::string bytes;
    const std::vector<float> floats = {0.1f, -3.5f};
    QVERIFY(NpyArray::FromFloats(floats).toDoubles(&d).ok());
    QCOMPARE(d, (std::vector<double>{double(0.1f), -3.5}));
    QVERIFY(NpyArray::FromFloats(floats).toFloats(&f).ok());
    QCOMPARE(f, floats);
    const Status narrowing = NpyArray::FromDoubles(Sequence(2, 1)).toFloats(&f);
    QVERIFY(!narrowing.ok());
    QVERIFY2(Contains(narrowing.message(), "<f8") && Contains(narrowing.message(), "float32"),
             narrowing.message().c_str());
    QVERIFY(!NpyArray::FromDoubles(Sequence(2, 1)).toInt64(&i).ok());
    QVERIFY(!NpyArray::FromInt64(std::vector<std::int64_t>{1}).toDoubles(&d).ok());
    QVERIFY(Int32s({-3, 4}, {2}).toInt64(&i).ok());
    QCOMPARE(i, (std::vector<std::int64_t>{-3, 4}));
    QVERIFY(NpyArray::FromBytes("xyz").toInt64(&i).ok());
    QCOMPARE(i, (std::vector<std::int64_t>{'x', 'y', 'z'}));
    QVERIFY(NpyArray::FromBytes("xyz").toBytes(&bytes).ok());
    QCOMPARE(bytes, std::string("xyz"));
    QVERIFY(!Bools({1}).toBytes(&bytes).ok());
    QVERIFY(NpyArray::ScalarDouble(2.5).toDoubles(&d).ok());
    QCOMPARE(d, std::vector<double>{2.5});
  }

  void invalidArraysRefused() {
    const NpyArray mismatch = NpyArray::FromDoubles(Sequence(5, 1), {2, 3});
    QVERIFY(!mismatch.check().ok());
    QVERIFY(Contains(mismatch.check().message(), "(2, 3)"));
    QVERIFY(EncodeNpy(mismatch).empty());
    std::vector<double> d;
    QVERIFY(!mismatch.toDoubles(&d).ok());
    NpyArray complex;
    complex.dtype = "<c16";
    complex.shape = {1};
    complex.bytes = std::string(16, '\0');
    QVERIFY(Contains(complex.check().message(), "<c16"));
    QTemporaryDir dir;
    const std::string path = dir.filePath("bad.npy").toStdString();
    QVERIFY(!WriteNpy(path, mismatch).ok());
    QVERIFY(!QFile::exists(QString::fromStdString(path)));
    QVERIFY(!WriteNpz(dir.filePath("bad.npz").toStdString(), {{"x", mismatch}}).ok());
    QVERIFY(!WriteNpz(dir.filePath("bad.npz").toStdString(),
                      {{"x", NpyArray::ScalarDouble(1)}, {"x", NpyArray::ScalarDouble(2)}})
                 .ok());
    QVERIFY(
        !WriteNpz(dir.filePath("bad.npz").toStdString(), {{"", NpyArray::ScalarDouble(1)}}).ok());
  }

  void corruptNpyRefused() {
    const std::string good = EncodeNpy(NpyArray::FromDoubles(Sequence(6, 1), {2, 3}));
    NpyArray a;
    QVERIFY(DecodeNpy(good, &a).ok());
    QVERIFY(Contains(DecodeNpy("hello world", &a).message(), "magic"));
    QVERIFY(!DecodeNpy(good.substr(0, good.size() - 1), &a).ok());  // short data
    QVERIFY(!DecodeNpy(good + "x", &a).ok());                       // extra data
    QVERIFY(!DecodeNpy(good.substr(0, 40), &a).ok());               // short header
    std::string version = good;
    version[6] = 9;
    QVERIFY(Contains(DecodeNpy(version, &a).message(), "version"));
    auto with_header = [&](std::string header) {
      header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
      header += '\n';
      std::string out = "\x93NUMPY\x01";
      out += '\0';
      out += char(header.size() & 0xff);
      out += char(header.size() >> 8);
      return out + header + std::string(48, '\0');
    };
    QVERIFY(
        DecodeNpy(with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"), &a)
            .ok());
    QVERIFY(Contains(
        DecodeNpy(with_header("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3), }"), &a)
            .message(),
        "big-endian"));
    QVERIFY(Contains(
        DecodeNpy(with_header("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }"), &a)
            .message(),
        "Fortran"));
    QVERIFY(Contains(
        DecodeNpy(with_header("{'descr': '<c8', 'fortran_order': False, 'shape': (2, 3), }"), &a)
            .message(),
        "<c8"));
    QVERIFY(!DecodeNpy(with_header("{'descr': '<f8', 'shape': (2, 3), }"), &a).ok());
    QVERIFY(
        !DecodeNpy(with_header("{'descr': '<f8', 'fortran_order': False, 'shape': (2, -3)}"), &a)
             .ok());
    QVERIFY(!DecodeNpy(with_header("['descr', '<f8']"), &a).ok());
  }

  void crc32() {
    QCOMPARE(Crc32("123456789"), std::uint32_t(0xCBF43926u));  // the standard check value
    QCOMPARE(Crc32(""), std::uint32_t(0));
    QCOMPARE(Crc32("The quick brown fox jumps over the lazy dog"), std::uint32_t(0x414FA339u));
    QCOMPARE(Crc32("56789", Crc32("1234")), std::uint32_t(0xCBF43926u));
  }

  void npzRoundTrip() {
    const NpyArrays arrays = SampleArrays();
    Status status;
    const std::string bytes = EncodeNpz(arrays, &status);
    QVERIFY2(status.ok(), status.message().c_str());
    QCOMPARE(EncodeNpz(arrays, nullptr), bytes);  // deterministic
    NpyArrays back;
    const Status s = DecodeNpz(bytes, &back);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(back.size(), arrays.size());
    for (std::size_t k = 0; k < arrays.size(); ++k) {
      QCOMPARE(back[k].first, arrays[k].first);
      QVERIFY2(back[k].second == arrays[k].second, arrays[k].first.c_str());
    }
    QVERIFY(FindArray(back, "scalar"));
    QVERIFY(!FindArray(back, "missing"));

    QTemporaryDir dir;
    const std::string path = dir.filePath("a.npz").toStdString();
    QVERIFY(WriteNpz(path, arrays).ok());
    QVERIFY(ReadNpz(path, &back).ok());
    QCOMPARE(back.size(), arrays.size());
    QVERIFY(WriteNpz(path, {}).ok());  // an empty archive
    QVERIFY(ReadNpz(path, &back).ok());
    QVERIFY(back.empty());
  }

  void corruptNpzRefused() {
    Status status;
    const std::string good = EncodeNpz(SampleArrays(), &status);
    NpyArrays back;
    // A flipped data byte: the CRC catches it.
    std::string flipped = good;
    const std::size_t data = good.find("\x93NUMPY") + 200;
    flipped[data] = char(flipped[data] ^ 0x40);
    Status s = DecodeNpz(flipped, &back);
    QVERIFY(!s.ok());
    QVERIFY2(Contains(s.message(), "CRC"), s.message().c_str());
    QVERIFY(!DecodeNpz(good.substr(0, good.size() / 2), &back).ok());
    QVERIFY(!DecodeNpz(good.substr(0, good.size() - 1), &back).ok());
    QVERIFY(!DecodeNpz("", &back).ok());
    QVERIFY(!DecodeNpz(std::string(100, 'z'), &back).ok());
    // A compressed entry (method 8 in the central directory) gets a clear message.
    std::string compressed = good;
    const std::size_t central = compressed.find("PK\x01\x02");
    QVERIFY(central != std::string::npos);
    compressed[central + 10] = 8;
    s = DecodeNpz(compressed, &back);
    QVERIFY2(Contains(s.message(), "compressed"), s.message().c_str());
    // A non-.npy entry.
    std::string renamed = good;
    const std::size_t name = renamed.find("d.npy", central);
    renamed.replace(name, 5, "d.txt");
    s = DecodeNpz(renamed, &back);
    QVERIFY2(Contains(s.message(), "d.txt"), s.message().c_str());
  }

  void atomicWrites() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("file.bin").toStdString();
    QVERIFY(WriteFileAtomically(path, std::string("first\0x", 7)).ok());
    QCOMPARE(ReadAll(path), std::string("first\0x", 7));
    QVERIFY(WriteFileAtomically(path, "second").ok());
    QCOMPARE(ReadAll(path), std::string("second"));
    QVERIFY(WriteFileAtomically(path, "").ok());
    QCOMPARE(ReadAll(path), std::string());
    // No temporary file is left behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{"file.bin"});

    // Tests run as root, so permissions do not stop writes; a path below a regular file does.
    const std::string below = path + "/sub/x.npy";
    Status s = WriteFileAtomically(below, "x");
    QVERIFY(!s.ok());
    QVERIFY2(Contains(s.message(), below) && Contains(s.message(), "Not a directory"),
             s.message().c_str());
    s = WriteNpy(below, NpyArray::ScalarDouble(1));
    QVERIFY2(!s.ok() && Contains(s.message(), below), s.message().c_str());
    s = WriteNpz("/proc/x/y.npz", SampleArrays());
    QVERIFY2(!s.ok() && Contains(s.message(), "/proc/x/y.npz"), s.message().c_str());
    QCOMPARE(ReadAll(path), std::string());  // unchanged

    std::string bytes;
    s = ReadFile(path + ".missing", &bytes);
    QVERIFY(!s.ok());
    QVERIFY2(Contains(s.message(), path + ".missing") &&
                 Contains(s.message(), "No such file or directory"),
             s.message().c_str());
    s = ReadFile(dir.path().toStdString(), &bytes);
    QVERIFY2(!s.ok() && Contains(s.message(), "directory"), s.message().c_str());
  }

  void numpyReadsOurFiles() {
    const QString python = PythonWithNumpy();
    if (python.isEmpty()) QSKIP("python3 with numpy not found: numpy compatibility not checked");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const auto at = [&](const char* name) { return dir.filePath(name).toStdString(); };
    QVERIFY(WriteNpz(at("arrays.npz"), SampleArrays()).ok());
    QVERIFY(WriteNpy(at("a.npy"), NpyArray::FromDoubles(Sequence(6, 7.0), {2, 3})).ok());
    QVERIFY(WriteNpy(at("s.npy"), NpyArray::ScalarDouble(0.1)).ok());
    const QString script = R"(
import numpy as np, zipfile
a = np.load('a.npy')
assert a.dtype == np.float64 and a.shape == (2, 3), (a.dtype, a.shape)
assert np.array_equal(a, np.arange(6.0).reshape(2, 3) / 7.0)
s = np.load('s.npy')
assert s.shape == () and s.dtype == np.float64 and s == 0.1
assert zipfile.ZipFile('arrays.npz').testzip() is None  # every CRC-32
z = np.load('arrays.npz')
assert list(z.keys()) == ['d', 'f', 'i', 'u', 'scalar', 'empty', 'b', 'i4'], list(z.keys())
assert z['d'].shape == (2, 3, 4) and np.array_equal(z['d'], np.arange(24.0).reshape(2, 3, 4) / 7.0)
assert z['f'].dtype == np.float32 and np.array_equal(z['f'], np.arange(5, dtype=np.float32) * 0.25)
assert z['i'].dtype == np.int64 and z['i'].tolist() == [-1, 0, 2**40 + 3]
assert z['u'].dtype == np.uint8 and z['u'].tobytes() == b'hello'
assert z['scalar'].shape == () and z['scalar'] == -7
assert z['empty'].shape == (0,)
assert z['b'].dtype == np.bool_ and z['b'].tolist() == [True, False]
assert z['i4'].dtype == np.int32 and z['i4'].tolist() == [[1, -2], [3, -4]]
print('OK')
)";
    bool ok = false;
    const QString output = RunPython(python, dir.path(), script, &ok);
    QVERIFY2(ok, qPrintable(output));
  }

  void weReadNumpyFiles() {
    const QString python = PythonWithNumpy();
    if (python.isEmpty()) QSKIP("python3 with numpy not found: numpy compatibility not checked");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString script = R"(
import numpy as np
np.save('f8.npy', np.arange(6.0).reshape(2, 3) / 7.0)
np.save('f4.npy', np.arange(4, dtype=np.float32) * 0.5)
np.save('i8.npy', np.array([-(2**40), 5], dtype=np.int64))
np.save('scalar.npy', np.float64(2.5))
np.save('u1.npy', np.frombuffer(b'abc', dtype=np.uint8))
np.save('big.npy', np.arange(3, dtype='>f8'))
np.save('fortran.npy', np.asfortranarray(np.arange(6.0).reshape(2, 3)))
np.savez('p.npz', x=np.arange(6.0).reshape(2, 3) / 7.0, y=np.int64(9), z=np.arange(3, dtype=np.int32))
np.savez_compressed('pc.npz', x=np.arange(3.0))
print('OK')
)";
    bool ok = false;
    const QString output = RunPython(python, dir.path(), script, &ok);
    QVERIFY2(ok, qPrintable(output));
    const auto at = [&](const char* name) { return dir.filePath(name).toStdString(); };

    NpyArray a;
    std::vector<double> d;
    std::vector<float> f;
    std::vector<std::int64_t> i;
    Status s = ReadNpy(at("f8.npy"), &a);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(a.shape, (std::vector<std::size_t>{2, 3}));
    QVERIFY(a.toDoubles(&d).ok());
    QCOMPARE(d, Sequence(6, 7.0));
    QVERIFY(ReadNpy(at("f4.npy"), &a).ok());
    QVERIFY(a.toFloats(&f).ok());
    QCOMPARE(f, (std::vector<float>{0.0f, 0.5f, 1.0f, 1.5f}));
    QVERIFY(ReadNpy(at("i8.npy"), &a).ok());
    QVERIFY(a.toInt64(&i).ok());
    QCOMPARE(i, (std::vector<std::int64_t>{-(std::int64_t(1) << 40), 5}));
    QVERIFY(ReadNpy(at("scalar.npy"), &a).ok());
    QVERIFY(a.shape.empty());
    QVERIFY(a.toDoubles(&d).ok());
    QCOMPARE(d, std::vector<double>{2.5});
    QVERIFY(ReadNpy(at("u1.npy"), &a).ok());
    QCOMPARE(a.dtype, std::string("|u1"));
    QCOMPARE(a.bytes, std::string("abc"));
    s = ReadNpy(at("big.npy"), &a);
    QVERIFY2(Contains(s.message(), "big-endian") && Contains(s.message(), "big.npy"),
             s.message().c_str());
    s = ReadNpy(at("fortran.npy"), &a);
    QVERIFY2(Contains(s.message(), "Fortran"), s.message().c_str());

    NpyArrays arrays;
    s = ReadNpz(at("p.npz"), &arrays);
    QVERIFY2(s.ok(), s.message().c_str());
    QCOMPARE(arrays.size(), std::size_t(3));
    QVERIFY(FindArray(arrays, "x") && FindArray(arrays, "x")->toDoubles(&d).ok());
    QCOMPARE(d, Sequence(6, 7.0));
    QVERIFY(FindArray(arrays, "y") && FindArray(arrays, "y")->shape.empty());
    QVERIFY(FindArray(arrays, "y")->toInt64(&i).ok());
    QCOMPARE(i, std::vector<std::int64_t>{9});
    QVERIFY(FindArray(arrays, "z")->toInt64(&i).ok());
    QCOMPARE(i, (std::vector<std::int64_t>{0, 1, 2}));
    s = ReadNpz(at("pc.npz"), &arrays);
    QVERIFY(!s.ok());
    QVERIFY2(Contains(s.message(), "compressed") && Contains(s.message(), "pc.npz"),
             s.message().c_str());
  }
};

QTEST_GUILESS_MAIN(NpyTest)
#include "test_npy.moc"
