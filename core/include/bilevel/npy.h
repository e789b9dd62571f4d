// NumPy .npy arrays and .npz archives without dependencies (docs/FORMATS.md).
//
// .npy: format version 1.0 (2.0 and 3.0 are read too), little-endian, C order, the header padded
// with spaces to a multiple of 64 bytes as numpy.save does. Supported dtypes: "<f8" (float64),
// "<f4" (float32), "<i8" (int64), "<i4" (int32), "|u1" (uint8), "|b1" (bool).
// .npz: a ZIP archive of "name.npy" entries. Written stored (uncompressed) with CRC-32 checks and
// fixed timestamps, so equal arrays give equal files; read: stored entries as written here or by
// numpy.savez (ZIP64 size fields included). Compressed entries (numpy.savez_compressed) are
// refused with a clear message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bilevel/status.h"

namespace bilevel {

struct NpyArray {
  std::string dtype;               // "<f8", "<f4", "<i8", "<i4", "|u1", "|b1"
  std::vector<std::size_t> shape;  // empty: a 0-d array (one value)
  std::string bytes;               // count() * itemSize() bytes, C order, little-endian

  std::size_t count() const;     // product of shape (1 for 0-d)
  std::size_t itemSize() const;  // bytes per element; 0 for an unsupported dtype
  // A supported dtype and bytes.size() == count() * itemSize().
  Status check() const;

  // 1-d arrays of the values, or the given shape (empty: 0-d). A shape that does not hold
  // values.size() elements makes an array that fails check() (and so every write).
  static NpyArray FromDoubles(std::span<const double> values);
  static NpyArray FromDoubles(std::span<const double> values, std::vector<std::size_t> shape);
  static NpyArray FromFloats(std::span<const float> values);
  static NpyArray FromFloats(std::span<const float> values, std::vector<std::size_t> shape);
  static NpyArray FromInt64(std::span<const std::int64_t> values);
  static NpyArray FromInt64(std::span<const std::int64_t> values, std::vector<std::size_t> shape);
  // "|u1": bytes as a 1-d uint8 array (text, serialized generator states).
  static NpyArray FromBytes(std::string_view bytes);
  static NpyArray ScalarDouble(double value);       // 0-d "<f8"
  static NpyArray ScalarInt64(std::int64_t value);  // 0-d "<i8"

  // The values in C order. toDoubles reads "<f8" and "<f4"; toFloats "<f4"; toInt64 "<i8",
  // "<i4", "|u1" and "|b1"; toBytes "|u1". Other dtypes are refused with a message naming both.
  Status toDoubles(std::vector<double>* values) const;
  Status toFloats(std::vector<float>* values) const;
  Status toInt64(std::vector<std::int64_t>* values) const;
  Status toBytes(std::string* bytes) const;

  std::string shapeText() const;  // "(2, 3)", "(5,)", "()"
  bool operator==(const NpyArray&) const = default;
};

using NpyArrays = std::vector<std::pair<std::string, NpyArray>>;

// An array whose values stay where they are: its dtype and shape, and its bytes (C order,
// little-endian) in pieces that are not copied, for writing large arrays such as a checkpoint's
// warm starts. The pieces must outlive the write.
struct NpyView {
  std::string dtype;
  std::vector<std::size_t> shape;
  std::vector<std::string_view> parts;
  static NpyView Of(const NpyArray& array);  // one piece: array.bytes
  // A 1-d "<f4" array of the pieces' values, one after the other.
  static NpyView OfFloats(std::span<const std::span<const float>> pieces);
  Status check() const;  // as NpyArray::check, over the pieces' total size
};
using NpyViews = std::vector<std::pair<std::string, NpyView>>;

// The array of that name, or nullptr.
const NpyArray* FindArray(const NpyArrays& arrays, std::string_view name);

// The .npy bytes of an array; empty when the array fails check().
std::string EncodeNpy(const NpyArray& array);
// What comes before the values in a .npy file of that dtype and shape.
std::string NpyHeader(const std::string& dtype, const std::vector<std::size_t>& shape);
Status DecodeNpy(std::string_view bytes, NpyArray* array);

Status WriteNpy(const std::string& path, const NpyArray& array);  // atomic
Status ReadNpy(const std::string& path, NpyArray* array);

// Names must be unique and non-empty; each entry is stored as "name.npy".
std::string EncodeNpz(const NpyArrays& arrays, Status* status);
Status DecodeNpz(std::string_view bytes, NpyArrays* arrays);        // in archive order
Status WriteNpz(const std::string& path, const NpyArrays& arrays);  // atomic
// The same file for arrays given as views, written without copying their values.
Status WriteNpzViews(const std::string& path, const NpyViews& arrays);
Status ReadNpz(const std::string& path, NpyArrays* arrays);

// The CRC-32 of ZIP, PNG and zlib (polynomial 0xEDB88320), continuing from crc.
std::uint32_t Crc32(std::string_view bytes, std::uint32_t crc = 0);

}  // namespace bilevel
