// Contact sheets for reports: rows of images, each image with a caption under it and each row with
// a label above it, drawn into one RGB image (bilevel-cli gallery, the figures of docs/RESULTS.md).
#pragma once

#include <string>
#include <vector>

#include "bilevel/batch.h"
#include "bilevel/status.h"

namespace bilevel {

struct GridTile {
  const Batch<float>* images = nullptr;  // not owned; 1 or 3 channels, values clamped to [0, 1]
  int index = 0;                         // which image of the batch
  std::string caption;
};

struct GridRow {
  std::string label;
  std::vector<GridTile> tiles;
};

struct GridOptions {
  int zoom = 2;  // each pixel becomes zoom x zoom pixels (nearest neighbour), 1 to 8
};

// Every cell is as large as the largest tile, and wide enough for the longest caption in a small
// font; smaller tiles are centred in it, on white. The captions share one font size, shrunk until
// the longest fits its cell. Fails on no tiles, a missing batch, an
// index out of range, a channel count other than 1 or 3, a bad zoom or a sheet over 16384 pixels
// a side.
Status RenderImageGrid(const std::vector<GridRow>& rows, const GridOptions& options,
                       Batch<float>* sheet);  // 1 x 3 x H x W
// Renders and writes the sheet as an 8-bit image, the format following the extension.
Status WriteImageGrid(const std::string& path, const std::vector<GridRow>& rows,
                      const GridOptions& options = {});

}  // namespace bilevel
