// The learned filters at a readable size: for each filter, its initial and its learned values side
// by side, either as one image (grey, or RGB for colour filters) or channel by channel, drawn with
// one block of `pixel` x `pixel` screen pixels per filter tap and the weights beside them.
#pragma once

#include <QImage>
#include <QString>
#include <vector>

#include "bilevel/regularizer.h"

namespace studio {

struct FilterSheetOptions {
  int pixel = 12;            // screen pixels per filter tap
  bool per_channel = false;  // colour filters as one grey image per channel (R, G, B)
};

// One filter channel as a grey image, 0 at mid-grey, `scale` (> 0) mapping to white: the same
// scale for every channel of a filter shows which channel carries its weight.
QImage FilterChannelImage(const bilevel::FilterImage& filter, int channel, double scale);

// The sheet: a title row ("before" / "after"), then one row per filter. `before` may be empty
// (then only the learned filters are drawn); otherwise it must have as many filters as `after`.
QImage RenderFilterSheet(const std::vector<bilevel::FilterImage>& before,
                         const std::vector<bilevel::FilterImage>& after,
                         const FilterSheetOptions& options);

}  // namespace studio
