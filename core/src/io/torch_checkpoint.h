// Private to core: the tensors of a PyTorch checkpoint (torch.save since PyTorch 1.6: a ZIP
// archive of `<name>/data.pkl`, a pickle of protocol 2, and one stored file per tensor storage,
// `<name>/data/<key>`), read without Python. The pickle is interpreted only as far as state dicts
// need: dicts, lists, tuples, numbers, strings, and the tensors that torch._utils
// ._rebuild_tensor_v2 builds from persistent storages; any other object is kept as an opaque value.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bilevel/status.h"

namespace bilevel::io {

// A float32 or float64 tensor, in row-major order of its shape, as doubles.
struct TorchTensor {
  std::vector<long long> shape;
  std::vector<double> values;
};

// The tensors of the checkpoint's state dict by name: the dict under the key "state_dict" when
// the checkpoint is a dict holding one, else the checkpoint's own tensors. Fails with a message
// on a file that is not such an archive, an unsupported pickle operation or tensor type, or a
// strided (non-contiguous) tensor.
Status ReadTorchStateDict(const std::string& path, std::map<std::string, TorchTensor>* tensors);

}  // namespace bilevel::io
