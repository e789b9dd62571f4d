#include "io/torch_checkpoint.h"

#include <cstdint>
#include <cstring>
#include <utility>

#include "base/file_util.h"
#include "io/pickle_reader.h"
#include "io/stored_zip.h"

namespace bilevel::io {
namespace {

using Value = PickleValue;
using Ref = PickleRef;

bool IsCall(const Ref& v, const std::string& global) {
  return v && v->kind == Value::Kind::kObject && !v->persistent && v->items.size() == 2 &&
         v->items[0]->kind == Value::Kind::kGlobal && v->items[0]->text == global;
}

// A tensor of _rebuild_tensor_v2(storage, offset, size, stride, ...), its storage a persistent
// ("storage", torch.<Type>Storage, key, location, numel) read from the archive's data/<key>.
Status Rebuild(const Value& call, const std::string& prefix, const std::vector<ZipEntry>& entries,
               TorchTensor* out) {
  const std::vector<Ref>& args = call.items[1]->items;
  if (args.size() < 4 || !args[0]->persistent || args[0]->persistent->items.size() < 5)
    return Status::Error("a tensor without its storage");
  const std::vector<Ref>& id = args[0]->persistent->items;
  const std::string type = id[1]->text, key = id[2]->text;
  const int width = type == "torch FloatStorage" ? 4 : type == "torch DoubleStorage" ? 8 : 0;
  if (width == 0) return Status::Error("tensors of " + type + " are not supported");
  const std::string file = prefix + "data/" + key;
  const ZipEntry* entry = nullptr;
  for (const ZipEntry& e : entries)
    if (e.name == file) entry = &e;
  if (!entry) return Status::Error("the storage '" + file + "' is missing");
  TorchTensor t;
  long long count = 1, expected_stride = 1;
  for (const Ref& n : args[2]->items) {
    t.shape.push_back(n->integer);
    count *= n->integer;
  }
  for (std::size_t k = args[3]->items.size(); k-- > 0;) {
    if (t.shape[k] > 1 && args[3]->items[k]->integer != expected_stride)
      return Status::Error("a strided (non-contiguous) tensor");
    expected_stride *= t.shape[k];
  }
  const long long offset = args[1]->integer;
  if (offset < 0 || count < 0 ||
      std::size_t(offset + count) * std::size_t(width) > entry->data.size())
    return Status::Error("the storage '" + file + "' is too small for its tensor");
  t.values.resize(std::size_t(count));
  const char* at = entry->data.data() + std::size_t(offset) * std::size_t(width);
  for (long long k = 0; k < count; ++k) {
    if (width == 4) {
      float f;
      std::memcpy(&f, at + 4 * k, 4);
      t.values[std::size_t(k)] = f;
    } else {
      std::memcpy(&t.values[std::size_t(k)], at + 8 * k, 8);
    }
  }
  *out = std::move(t);
  return Status::Ok();
}

}  // namespace

Status ReadTorchStateDict(const std::string& path, std::map<std::string, TorchTensor>* tensors) {
  const auto fail = [&](const std::string& why) {
    return Status::Error("'" + path + "' is not a readable PyTorch checkpoint: " + why);
  };
  std::string bytes;
  if (Status s = ReadFile(path, &bytes); !s.ok()) return s;
  std::vector<ZipEntry> entries;
  if (Status s = ListStoredZip(bytes, &entries); !s.ok())
    return fail(s.message() + " (torch.save's ZIP format is needed, PyTorch 1.6 or later)");
  const ZipEntry* pickle = nullptr;
  for (const ZipEntry& e : entries)
    if (e.name.size() >= 8 && e.name.compare(e.name.size() - 8, 8, "data.pkl") == 0) pickle = &e;
  if (!pickle) return fail("no data.pkl in the archive");
  const std::string prefix = pickle->name.substr(0, pickle->name.size() - 8);
  Ref root;
  if (Status s = ReadPickle(pickle->data, &root); !s.ok()) return fail(s.message());
  Ref dict = root;
  if (root->kind == Value::Kind::kDict)
    for (const auto& [key, value] : root->dict)
      if (key->kind == Value::Kind::kString && key->text == "state_dict") dict = value;
  if (dict->kind != Value::Kind::kDict) return fail("it holds no dict of tensors");
  tensors->clear();
  for (const auto& [key, value] : dict->dict) {
    if (key->kind != Value::Kind::kString || !IsCall(value, "torch._utils _rebuild_tensor_v2"))
      continue;
    TorchTensor t;
    if (Status s = Rebuild(*value, prefix, entries, &t); !s.ok())
      return fail("'" + key->text + "': " + s.message());
    (*tensors)[key->text] = std::move(t);
  }
  if (tensors->empty()) return fail("its state dict holds no tensors");
  return Status::Ok();
}

}  // namespace bilevel::io
