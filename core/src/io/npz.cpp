// .npz archives: ZIP files of .npy entries, written stored (uncompressed) as numpy.savez does.
// The ZIP layout follows PKWARE's APPNOTE.TXT: local headers with the data, then the central
// directory, then the end-of-central-directory record (and its ZIP64 form when present).
#include <array>
#include <deque>
#include <limits>
#include <set>

#include "base/file_util.h"
#include "bilevel/npy.h"
#include "io/stored_zip.h"

namespace bilevel {

namespace {

constexpr std::uint32_t kLocalSignature = 0x04034b50;
constexpr std::uint32_t kCentralSignature = 0x02014b50;
constexpr std::uint32_t kEndSignature = 0x06054b50;
constexpr std::uint32_t kEnd64Signature = 0x06064b50;
constexpr std::uint32_t kEnd64LocatorSignature = 0x07064b50;
constexpr std::uint16_t kVersionNeeded = 20;                 // 2.0: stored files, folders
constexpr std::uint16_t kVersionMadeBy = 0x0300 | 20;        // Unix, 2.0
constexpr std::uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;  // 1980-01-01, the earliest
constexpr std::uint32_t kFileAttributes = 0100644u << 16;    // regular file, rw-r--r--
constexpr std::uint32_t kMax32 = 0xffffffffu;

const std::array<std::uint32_t, 256>& CrcTable() {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

void Put16(std::string& out, std::uint32_t v) {
  out += char(v & 0xff);
  out += char((v >> 8) & 0xff);
}
void Put32(std::string& out, std::uint32_t v) {
  Put16(out, v & 0xffff);
  Put16(out, v >> 16);
}

// Little-endian fields read with bounds checks: a failed read leaves ok() false.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  std::uint64_t get(std::size_t pos, int size) {
    if (pos > bytes_.size() || std::size_t(size) > bytes_.size() - pos) {
      ok_ = false;
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = size - 1; i >= 0; --i)
      v = v << 8 | static_cast<unsigned char>(bytes_[pos + i]);
    return v;
  }
  std::uint32_t u16(std::size_t pos) { return std::uint32_t(get(pos, 2)); }
  std::uint32_t u32(std::size_t pos) { return std::uint32_t(get(pos, 4)); }
  std::uint64_t u64(std::size_t pos) { return get(pos, 8); }
  std::string_view text(std::size_t pos, std::size_t size) {
    if (pos > bytes_.size() || size > bytes_.size() - pos) {
      ok_ = false;
      return {};
    }
    return bytes_.substr(pos, size);
  }

 private:
  std::string_view bytes_;
  bool ok_ = true;
};

Status Corrupt(const std::string& what) {
  return Status::Error("corrupt or unsupported .npz (ZIP) archive: " + what);
}

struct Directory {
  std::uint64_t entries = 0;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

// Finds the end-of-central-directory record (within the last 64 KiB + 22 bytes, behind an
// optional comment) and, when its fields overflow, the ZIP64 record it points to.
Status FindDirectory(std::string_view bytes, Directory* dir) {
  if (bytes.size() < 22) return Status::Error("not a .npz (ZIP) archive: the file is too short");
  Reader r(bytes);
  std::size_t end = std::string_view::npos;
  const std::size_t lowest = bytes.size() > 22 + 65535 ? bytes.size() - 22 - 65535 : 0;
  for (std::size_t pos = bytes.size() - 22 + 1; pos-- > lowest;) {
    if (r.u32(pos) == kEndSignature && pos + 22 + r.u16(pos + 20) <= bytes.size()) {
      end = pos;
      break;
    }
  }
  if (end == std::string_view::npos)
    return Status::Error("not a .npz (ZIP) archive: no end-of-central-directory record");
  if (r.u16(end + 4) != 0 || r.u16(end + 6) != 0)
    return Status::Error("multi-disk ZIP archives are not supported");
  dir->entries = r.u16(end + 10);
  dir->size = r.u32(end + 12);
  dir->offset = r.u32(end + 16);
  const bool overflow = dir->entries == 0xffff || dir->size == kMax32 || dir->offset == kMax32;
  if (end >= 20 && r.u32(end - 20) == kEnd64LocatorSignature) {
    const std::uint64_t end64 = r.u64(end - 20 + 8);
    if (bytes.size() < 56 || end64 > bytes.size() - 56 ||
        r.u32(std::size_t(end64)) != kEnd64Signature)
      return Corrupt("bad ZIP64 end-of-central-directory locator");
    dir->entries = r.u64(std::size_t(end64) + 32);
    dir->size = r.u64(std::size_t(end64) + 40);
    dir->offset = r.u64(std::size_t(end64) + 48);
  } else if (overflow) {
    return Corrupt("ZIP64 fields without a ZIP64 end-of-central-directory record");
  }
  if (dir->offset > bytes.size() || dir->size > bytes.size() - dir->offset)
    return Corrupt("the central directory lies outside the file");
  return Status::Ok();
}

// Replaces the 0xffffffff fields of a central-directory entry by their ZIP64 extra values.
bool ApplyZip64Extra(std::string_view extra, std::uint64_t* size, std::uint64_t* packed,
                     std::uint64_t* offset) {
  Reader r(extra);
  std::size_t pos = 0;
  while (pos + 4 <= extra.size()) {
    const std::uint32_t id = r.u16(pos), length = r.u16(pos + 2);
    if (id == 0x0001) {
      std::size_t at = pos + 4;
      for (std::uint64_t* field : {size, packed, offset}) {
        if (*field != kMax32) continue;
        if (at + 8 > pos + 4 + length) return false;
        *field = r.u64(at);
        at += 8;
      }
      return r.ok();
    }
    pos += 4 + length;
  }
  return *size != kMax32 && *packed != kMax32 && *offset != kMax32;
}

}  // namespace

std::uint32_t Crc32(std::string_view bytes, std::uint32_t crc) {
  const auto& table = CrcTable();
  crc = ~crc;
  for (char ch : bytes)
    crc = table[(crc ^ static_cast<unsigned char>(ch)) & 0xff] ^ (crc >> 8);
  return ~crc;
}

namespace {

// The archive of `arrays` as pieces: the small parts (headers, the central directory) are kept in
// *owned, the arrays' values are the views' own pieces, not copied.
Status LayoutNpz(const NpyViews& arrays, std::deque<std::string>* owned,
                 std::vector<std::string_view>* parts) {
  if (arrays.size() >= 0xffff) return Status::Error("too many arrays for a .npz archive");
  std::set<std::string> names;
  std::string directory;
  std::uint64_t at = 0;  // bytes so far
  const auto add = [&](std::string_view piece) {
    parts->push_back(piece);
    at += piece.size();
  };
  for (const auto& [name, array] : arrays) {
    if (name.empty()) return Status::Error("an array name is empty");
    if (!names.insert(name).second) return Status::Error("array name '" + name + "' appears twice");
    if (Status s = array.check(); !s.ok())
      return Status::Error("array '" + name + "': " + s.message());
    const std::string entry = name + ".npy";
    if (entry.size() > 0xffff) return Status::Error("array name '" + name + "' is too long");
    const std::string& header = owned->emplace_back(NpyHeader(array.dtype, array.shape));
    std::uint64_t size = header.size();
    std::uint32_t crc = Crc32(header);
    for (std::string_view p : array.parts) {
      size += p.size();
      crc = Crc32(p, crc);
    }
    if (size >= kMax32 || at >= kMax32)
      return Status::Error("array '" + name + "' does not fit in a ZIP archive without ZIP64");
    const std::uint32_t offset = std::uint32_t(at);
    bool ascii = true;
    for (char c : entry)
      ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    const std::uint16_t flags = ascii ? 0 : 0x0800;  // bit 11: the name is UTF-8

    std::string& local = owned->emplace_back();
    Put32(local, kLocalSignature);
    Put16(local, kVersionNeeded);
    Put16(local, flags);
    Put16(local, 0);  // stored
    Put16(local, 0);  // time 00:00:00
    Put16(local, kDosDate);
    Put32(local, crc);
    Put32(local, std::uint32_t(size));
    Put32(local, std::uint32_t(size));
    Put16(local, std::uint32_t(entry.size()));
    Put16(local, 0);  // no extra field
    local += entry;
    add(local);
    add(header);
    for (std::string_view p : array.parts)
      add(p);

    Put32(directory, kCentralSignature);
    Put16(directory, kVersionMadeBy);
    Put16(directory, kVersionNeeded);
    Put16(directory, flags);
    Put16(directory, 0);
    Put16(directory, 0);
    Put16(directory, kDosDate);
    Put32(directory, crc);
    Put32(directory, std::uint32_t(size));
    Put32(directory, std::uint32_t(size));
    Put16(directory, std::uint32_t(entry.size()));
    Put16(directory, 0);  // extra
    Put16(directory, 0);  // comment
    Put16(directory, 0);  // disk
    Put16(directory, 0);  // internal attributes
    Put32(directory, kFileAttributes);
    Put32(directory, offset);
    directory += entry;
  }
  if (at + directory.size() >= kMax32)
    return Status::Error("the arrays do not fit in a ZIP archive without ZIP64");
  std::string& end = owned->emplace_back(std::move(directory));
  const std::uint32_t directory_size = std::uint32_t(end.size());
  Put32(end, kEndSignature);
  Put16(end, 0);
  Put16(end, 0);
  Put16(end, std::uint32_t(arrays.size()));
  Put16(end, std::uint32_t(arrays.size()));
  Put32(end, directory_size);
  Put32(end, std::uint32_t(at));  // the directory's offset
  Put16(end, 0);                  // comment
  add(end);
  return Status::Ok();
}

NpyViews ViewsOf(const NpyArrays& arrays) {
  NpyViews views;
  for (const auto& [name, array] : arrays)
    views.emplace_back(name, NpyView::Of(array));
  return views;
}

}  // namespace

std::string EncodeNpz(const NpyArrays& arrays, Status* status) {
  std::deque<std::string> owned;
  std::vector<std::string_view> parts;
  const Status s = LayoutNpz(ViewsOf(arrays), &owned, &parts);
  if (status) *status = s;
  if (!s.ok()) return {};
  std::string out;
  for (std::string_view p : parts)
    out += p;
  return out;
}

Status ListStoredZip(std::string_view bytes, std::vector<ZipEntry>* entries) {
  Directory dir;
  if (Status s = FindDirectory(bytes, &dir); !s.ok()) return s;
  Reader r(bytes);
  std::vector<ZipEntry> out;
  std::set<std::string> names;
  std::size_t pos = std::size_t(dir.offset);
  const std::size_t directory_end = std::size_t(dir.offset + dir.size);
  for (std::uint64_t i = 0; i < dir.entries; ++i) {
    if (pos + 46 > directory_end || r.u32(pos) != kCentralSignature)
      return Corrupt("bad central directory entry " + std::to_string(i));
    const std::uint32_t flags = r.u16(pos + 8), method = r.u16(pos + 10);
    const std::uint32_t crc = r.u32(pos + 16);
    std::uint64_t packed = r.u32(pos + 20), size = r.u32(pos + 24);
    const std::size_t name_length = r.u16(pos + 28), extra_length = r.u16(pos + 30);
    const std::size_t comment_length = r.u16(pos + 32);
    std::uint64_t offset = r.u32(pos + 42);
    const std::string name(r.text(pos + 46, name_length));
    const std::string_view extra = r.text(pos + 46 + name_length, extra_length);
    pos += 46 + name_length + extra_length + comment_length;
    if (!r.ok() || pos > directory_end)
      return Corrupt("central directory entry " + std::to_string(i) + " is truncated");
    if (!ApplyZip64Extra(extra, &size, &packed, &offset))
      return Corrupt("entry '" + name + "' has a bad ZIP64 extra field");
    if (!name.empty() && name.back() == '/') continue;  // a folder
    if (flags & 0x0001) return Status::Error("entry '" + name + "' is encrypted");
    if (method != 0)
      return Status::Error("entry '" + name + "' is compressed (ZIP method " +
                           std::to_string(method) +
                           "); only uncompressed archives (numpy.savez, not "
                           "numpy.savez_compressed; torch.save) are supported");
    if (packed != size) return Corrupt("stored entry '" + name + "' has two different sizes");
    if (offset > bytes.size() || r.u32(std::size_t(offset)) != kLocalSignature)
      return Corrupt("entry '" + name + "' has no local header");
    const std::size_t data_at = std::size_t(offset) + 30 + r.u16(std::size_t(offset) + 26) +
                                r.u16(std::size_t(offset) + 28);
    const std::string_view data = r.text(data_at, std::size_t(size));
    if (!r.ok()) return Corrupt("entry '" + name + "' is truncated");
    if (Crc32(data) != crc) return Corrupt("CRC-32 mismatch in entry '" + name + "'");
    if (!names.insert(name).second) return Corrupt("entry '" + name + "' appears twice");
    out.push_back({name, data});
  }
  *entries = std::move(out);
  return Status::Ok();
}

Status DecodeNpz(std::string_view bytes, NpyArrays* arrays) {
  if (!arrays) return Status::Error("DecodeNpz: no output given");
  std::vector<ZipEntry> entries;
  if (Status s = ListStoredZip(bytes, &entries); !s.ok()) return s;
  NpyArrays out;
  for (const ZipEntry& e : entries) {
    if (e.name.size() < 5 || e.name.compare(e.name.size() - 4, 4, ".npy") != 0)
      return Status::Error("entry '" + e.name + "' is not a .npy array");
    NpyArray array;
    if (Status s = DecodeNpy(e.data, &array); !s.ok())
      return Status::Error("entry '" + e.name + "': " + s.message());
    out.emplace_back(e.name.substr(0, e.name.size() - 4), std::move(array));
  }
  *arrays = std::move(out);
  return Status::Ok();
}

Status WriteNpz(const std::string& path, const NpyArrays& arrays) {
  return WriteNpzViews(path, ViewsOf(arrays));
}

Status WriteNpzViews(const std::string& path, const NpyViews& arrays) {
  std::deque<std::string> owned;
  std::vector<std::string_view> parts;
  if (Status s = LayoutNpz(arrays, &owned, &parts); !s.ok())
    return Status::Error("cannot write '" + path + "': " + s.message());
  return WriteFileAtomically(path, parts);
}

Status ReadNpz(const std::string& path, NpyArrays* arrays) {
  std::string bytes;
  if (Status s = ReadFile(path, &bytes); !s.ok()) return s;
  if (Status s = DecodeNpz(bytes, arrays); !s.ok())
    return Status::Error("'" + path + "': " + s.message());
  return Status::Ok();
}

}  // namespace bilevel
