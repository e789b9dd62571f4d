// Private to core: the files of a ZIP archive whose entries are stored uncompressed (numpy.savez,
// torch.save), ZIP64 included, each checked (sizes, CRC-32), as views into the archive's bytes in
// archive order; folders are skipped. Implemented in npz.cpp beside the .npz writer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bilevel/status.h"

namespace bilevel {

struct ZipEntry {
  std::string name;
  std::string_view data;
};

Status ListStoredZip(std::string_view bytes, std::vector<ZipEntry>* entries);

}  // namespace bilevel
