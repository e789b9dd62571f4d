#include "bilevel/npy.h"

#include <bit>
#include <cctype>
#include <cstring>
#include <limits>

#include "base/file_util.h"

namespace bilevel {

// The arrays' bytes are the machine's own: the .npy files say little-endian.
static_assert(std::endian::native == std::endian::little, "npy I/O assumes a little-endian host");

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;

template <typename T>
NpyArray Make(const char* dtype, std::span<const T> values, std::vector<std::size_t> shape) {
  NpyArray out;
  out.dtype = dtype;
  out.shape = std::move(shape);
  out.bytes.assign(reinterpret_cast<const char*>(values.data()), values.size_bytes());
  return out;
}

template <typename T>
void Copy(const NpyArray& array, std::vector<T>* values) {
  values->resize(array.count());
  if (!values->empty()) std::memcpy(values->data(), array.bytes.data(), values->size() * sizeof(T));
}

template <typename From, typename To>
void Widen(const NpyArray& array, std::vector<To>* values) {
  std::vector<From> raw;
  Copy(array, &raw);
  values->assign(raw.begin(), raw.end());
}

Status WrongType(const NpyArray& array, const char* wanted) {
  return Status::Error("array of dtype '" + array.dtype + "' cannot be read as " + wanted);
}

// Product of the dimensions, or false when it overflows.
bool CountOf(const std::vector<std::size_t>& shape, std::size_t* count) {
  std::size_t n = 1;
  for (std::size_t d : shape) {
    if (d != 0 && n > std::numeric_limits<std::size_t>::max() / d) return false;
    n *= d;
  }
  *count = n;
  return true;
}

// A reader of the header's Python dict literal: {'descr': '<f8', 'fortran_order': False,
// 'shape': (2, 3), }.
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  Status parse(std::string* descr, bool* fortran, std::vector<std::size_t>* shape) {
    bool have_descr = false, have_order = false, have_shape = false;
    if (!consume('{')) return fail("expected '{'");
    while (true) {
      if (consume('}')) break;
      std::string key;
      if (!readString(&key)) return fail("expected a quoted key");
      if (!consume(':')) return fail("expected ':' after '" + key + "'");
      if (key == "descr") {
        if (!readString(descr))
          return fail(
              "'descr' must be a string (structured dtypes are "
              "not supported)");
        have_descr = true;
      } else if (key == "fortran_order") {
        if (!readBool(fortran)) return fail("'fortran_order' must be True or False");
        have_order = true;
      } else if (key == "shape") {
        if (!readShape(shape)) return fail("'shape' must be a tuple of non-negative integers");
        have_shape = true;
      } else {
        return fail("unexpected key '" + key + "'");
      }
      if (!consume(',')) {
        if (consume('}')) break;
        return fail("expected ',' or '}'");
      }
    }
    skipSpace();
    if (pos_ != text_.size()) return fail("unexpected text after the dict");
    if (!have_descr || !have_order || !have_shape)
      return fail("it must hold 'descr', 'fortran_order' and 'shape'");
    return Status::Ok();
  }

 private:
  Status fail(const std::string& what) const {
    return Status::Error("invalid .npy header: " + what + " at offset " + std::to_string(pos_));
  }
  void skipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
      ++pos_;
  }
  bool consume(char c) {
    skipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool consumeWord(std::string_view word) {
    skipSpace();
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  bool readString(std::string* out) {
    skipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) return false;
    const char quote = text_[pos_++];
    const std::size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) return false;
    out->assign(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return true;
  }
  bool readBool(bool* out) {
    if (consumeWord("True")) {
      *out = true;
      return true;
    }
    if (consumeWord("False")) {
      *out = false;
      return true;
    }
    return false;
  }
  bool readShape(std::vector<std::size_t>* shape) {
    shape->clear();
    if (!consume('(')) return false;
    while (true) {
      if (consume(')')) return true;
      skipSpace();
      std::size_t value = 0;
      const std::size_t start = pos_;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        const std::size_t digit = std::size_t(text_[pos_] - '0');
        if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10) return false;
        value = value * 10 + digit;
        ++pos_;
      }
      if (pos_ == start) return false;
      if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 longs
      shape->push_back(value);
      if (!consume(',')) return consume(')');
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::size_t NpyArray::count() const {
  std::size_t n = 0;
  return CountOf(shape, &n) ? n : std::numeric_limits<std::size_t>::max();
}

std::size_t NpyArray::itemSize() const {
  if (dtype == "<f8" || dtype == "<i8") return 8;
  if (dtype == "<f4" || dtype == "<i4") return 4;
  if (dtype == "|u1" || dtype == "|b1") return 1;
  return 0;
}

Status NpyArray::check() const {
  const std::size_t item = itemSize();
  if (item == 0)
    return Status::Error("unsupported dtype '" + dtype +
                         "' (supported: <f8, <f4, <i8, <i4, |u1, |b1)");
  std::size_t n = 0;
  if (!CountOf(shape, &n) || n > std::numeric_limits<std::size_t>::max() / item)
    return Status::Error("array shape " + shapeText() + " is too large");
  if (bytes.size() != n * item)
    return Status::Error("array of shape " + shapeText() + " and dtype '" + dtype + "' needs " +
                         std::to_string(n * item) + " bytes, but holds " +
                         std::to_string(bytes.size()));
  return Status::Ok();
}

NpyArray NpyArray::FromDoubles(std::span<const double> values) {
  return Make("<f8", values, {values.size()});
}
NpyArray NpyArray::FromDoubles(std::span<const double> values, std::vector<std::size_t> shape) {
  return Make("<f8", values, std::move(shape));
}
NpyArray NpyArray::FromFloats(std::span<const float> values) {
  return Make("<f4", values, {values.size()});
}
NpyArray NpyArray::FromFloats(std::span<const float> values, std::vector<std::size_t> shape) {
  return Make("<f4", values, std::move(shape));
}
NpyArray NpyArray::FromInt64(std::span<const std::int64_t> values) {
  return Make("<i8", values, {values.size()});
}
NpyArray NpyArray::FromInt64(std::span<const std::int64_t> values, std::vector<std::size_t> shape) {
  return Make("<i8", values, std::move(shape));
}
NpyArray NpyArray::FromBytes(std::string_view bytes) {
  NpyArray out;
  out.dtype = "|u1";
  out.shape = {bytes.size()};
  out.bytes.assign(bytes);
  return out;
}
NpyArray NpyArray::ScalarDouble(double value) {
  return FromDoubles(std::span<const double>(&value, 1), {});
}
NpyArray NpyArray::ScalarInt64(std::int64_t value) {
  return FromInt64(std::span<const std::int64_t>(&value, 1), {});
}

Status NpyArray::toDoubles(std::vector<double>* values) const {
  if (Status s = check(); !s.ok()) return s;
  if (dtype == "<f8") {
    Copy(*this, values);
    return Status::Ok();
  }
  if (dtype == "<f4") {
    Widen<float>(*this, values);
    return Status::Ok();
  }
  return WrongType(*this, "float64");
}

Status NpyArray::toFloats(std::vector<float>* values) const {
  if (Status s = check(); !s.ok()) return s;
  if (dtype == "<f4") {
    Copy(*this, values);
    return Status::Ok();
  }
  return WrongType(*this, "float32");
}

Status NpyArray::toInt64(std::vector<std::int64_t>* values) const {
  if (Status s = check(); !s.ok()) return s;
  if (dtype == "<i8") {
    Copy(*this, values);
    return Status::Ok();
  }
  if (dtype == "<i4") {
    Widen<std::int32_t>(*this, values);
    return Status::Ok();
  }
  if (dtype == "|u1" || dtype == "|b1") {
    Widen<std::uint8_t>(*this, values);
    return Status::Ok();
  }
  return WrongType(*this, "int64");
}

Status NpyArray::toBytes(std::string* out) const {
  if (Status s = check(); !s.ok()) return s;
  if (dtype != "|u1") return WrongType(*this, "uint8 bytes");
  *out = bytes;
  return Status::Ok();
}

std::string NpyArray::shapeText() const {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(shape[i]);
  }
  if (shape.size() == 1) text += ",";
  return text + ")";
}

const NpyArray* FindArray(const NpyArrays& arrays, std::string_view name) {
  for (const auto& [key, array] : arrays)
    if (key == name) return &array;
  return nullptr;
}

std::string EncodeNpy(const NpyArray& array) {
  if (!array.check().ok()) return {};
  return NpyHeader(array.dtype, array.shape) + array.bytes;
}

std::string NpyHeader(const std::string& dtype, const std::vector<std::size_t>& shape) {
  NpyArray shaped;
  shaped.shape = shape;
  std::string header =
      "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': " + shaped.shapeText() + ", }";
  // magic (6) + version (2) + length (2) + header + padding + '\n' is a multiple of 64.
  const std::size_t unpadded = kMagicSize + 4 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out(kMagic, kMagicSize);
  out += '\x01';
  out += '\x00';
  out += char(header.size() & 0xff);
  out += char((header.size() >> 8) & 0xff);
  out += header;
  return out;
}

NpyView NpyView::Of(const NpyArray& array) {
  return {array.dtype, array.shape, {std::string_view(array.bytes)}};
}

NpyView NpyView::OfFloats(std::span<const std::span<const float>> pieces) {
  NpyView view{"<f4", {0}, {}};
  for (std::span<const float> p : pieces) {
    view.shape[0] += p.size();
    view.parts.emplace_back(reinterpret_cast<const char*>(p.data()), p.size_bytes());
  }
  return view;
}

Status NpyView::check() const {
  NpyArray shaped;  // NpyArray's rules, on the total size of the pieces
  shaped.dtype = dtype;
  shaped.shape = shape;
  std::size_t total = 0;
  for (std::string_view p : parts)
    total += p.size();
  if (shaped.itemSize() == 0) return shaped.check();  // names the dtype
  if (total != shaped.count() * shaped.itemSize())
    return Status::Error("array of shape " + shaped.shapeText() + " and dtype '" + dtype +
                         "' needs " + std::to_string(shaped.count() * shaped.itemSize()) +
                         " bytes, but holds " + std::to_string(total));
  return Status::Ok();
}

Status DecodeNpy(std::string_view bytes, NpyArray* array) {
  if (!array) return Status::Error("DecodeNpy: no output given");
  if (bytes.size() < kMagicSize + 4 || bytes.substr(0, kMagicSize) != kMagic)
    return Status::Error("not a .npy array (the magic string \\x93NUMPY is missing)");
  const int major = static_cast<unsigned char>(bytes[6]);
  std::size_t length = 0, offset = 0;
  auto byte = [&](std::size_t i) { return std::size_t(static_cast<unsigned char>(bytes[i])); };
  if (major == 1) {
    length = byte(8) | byte(9) << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return Status::Error("truncated .npy header");
    length = byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24;
    offset = 12;
  } else {
    return Status::Error(".npy format version " + std::to_string(major) + " is not supported");
  }
  if (length > bytes.size() - offset) return Status::Error("truncated .npy header");
  NpyArray out;
  bool fortran = false;
  HeaderParser parser(bytes.substr(offset, length));
  if (Status s = parser.parse(&out.dtype, &fortran, &out.shape); !s.ok()) return s;
  if (out.dtype.size() == 3 && out.dtype[0] == '>' && out.dtype[2] != '1')
    return Status::Error("big-endian arrays (dtype '" + out.dtype + "') are not supported");
  if (out.dtype.size() == 3 && (out.dtype[0] == '<' || out.dtype[0] == '>') && out.dtype[2] == '1')
    out.dtype[0] = '|';  // one-byte types have no byte order
  if (fortran && out.shape.size() > 1)
    return Status::Error("Fortran-order arrays are not supported (save with C order)");
  const std::size_t item = out.itemSize();
  if (item == 0)
    return Status::Error("unsupported dtype '" + out.dtype +
                         "' (supported: <f8, <f4, <i8, <i4, |u1, |b1)");
  std::size_t n = 0;
  if (!CountOf(out.shape, &n) || n > std::numeric_limits<std::size_t>::max() / item)
    return Status::Error("array shape " + out.shapeText() + " is too large");
  const std::size_t data = offset + length;
  if (bytes.size() - data != n * item)
    return Status::Error("array of shape " + out.shapeText() + " and dtype '" + out.dtype +
                         "' needs " + std::to_string(n * item) + " data bytes, the file holds " +
                         std::to_string(bytes.size() - data));
  out.bytes.assign(bytes.substr(data));
  *array = std::move(out);
  return Status::Ok();
}

Status WriteNpy(const std::string& path, const NpyArray& array) {
  if (Status s = array.check(); !s.ok())
    return Status::Error("cannot write '" + path + "': " + s.message());
  return WriteFileAtomically(path, EncodeNpy(array));
}

Status ReadNpy(const std::string& path, NpyArray* array) {
  std::string bytes;
  if (Status s = ReadFile(path, &bytes); !s.ok()) return s;
  if (Status s = DecodeNpy(bytes, array); !s.ok())
    return Status::Error("'" + path + "': " + s.message());
  return Status::Ok();
}

}  // namespace bilevel
