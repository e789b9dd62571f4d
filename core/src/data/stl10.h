// Private to core: STL-10's binary files (*_X.bin). Each record is one 96 x 96 colour image of
// 3 x 96 x 96 uint8, stored channel by channel (R, G, B), each channel in column-major order: the
// byte of channel c, row y, column x is at c * 96 * 96 + x * 96 + y.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>

#include "data/dataset_sources.h"

namespace bilevel::detail {

constexpr int kStl10Side = 96;
constexpr std::int64_t kStl10RecordBytes = 3 * kStl10Side * kStl10Side;  // 27648

// One record to the float image of DecodeImage (ToFloatImage: the same grey weights).
Status Stl10RecordToImage(const unsigned char* record, ColorMode color, cv::Mat* image);

// options.folder names a .bin file or a folder holding train_X.bin, test_X.bin or
// unlabeled_X.bin (see DatasetFormat::kStl10). The records are read lazily, one at a time.
Status OpenStl10Sources(const DatasetOptions& options, DatasetSources* out);

}  // namespace bilevel::detail
