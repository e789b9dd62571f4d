// Contact sheets: layout in cells, images copied with nearest-neighbour zoom, text by OpenCV.
#include "bilevel/image_grid.h"

#include <algorithm>
#include <new>
#include <opencv2/imgproc.hpp>

#include "bilevel/dataset.h"

namespace bilevel {

namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr int kPad = 6;
constexpr int kMaxSide = 16384;
constexpr double kLabelFont = 0.55, kCaptionFont = 0.45, kSmallestFont = 0.3;

int TextHeight(double font) {
  int base = 0;
  const cv::Size size = cv::getTextSize("Ag", kFont, font, 1, &base);
  return size.height + base;
}

int TextWidth(const std::string& text, double font) {
  int base = 0;
  return cv::getTextSize(text, kFont, font, 1, &base).width;
}

// The largest font scale, at most `font`, at which text fits into width pixels (kSmallestFont at
// least).
double FittingFont(const std::string& text, double font, int width) {
  while (font * 0.92 >= kSmallestFont && TextWidth(text, font) > width)
    font *= 0.92;
  return TextWidth(text, font) > width ? kSmallestFont : font;
}

void Draw(cv::Mat& sheet, const std::string& text, int x, int top, double font) {
  int base = 0;
  const cv::Size size = cv::getTextSize(text, kFont, font, 1, &base);
  cv::putText(sheet, text, cv::Point(x, top + size.height), kFont, font,
              cv::Scalar(0.12, 0.12, 0.12), 1, cv::LINE_AA);
}

Status CheckTile(const GridTile& tile, int row, int column) {
  const std::string where =
      "image grid, row " + std::to_string(row + 1) + " column " + std::to_string(column + 1);
  if (!tile.images || tile.images->empty()) return Status::Error(where + ": no image");
  if (tile.index < 0 || tile.index >= tile.images->n())
    return Status::Error(where + ": image " + std::to_string(tile.index) + " of a batch of " +
                         std::to_string(tile.images->n()));
  if (tile.images->c() != 1 && tile.images->c() != 3)
    return Status::Error(where + ": " + std::to_string(tile.images->c()) +
                         " channels (1 or 3 can be shown)");
  return Status::Ok();
}

}  // namespace

Status RenderImageGrid(const std::vector<GridRow>& rows, const GridOptions& options,
                       Batch<float>* sheet) {
  if (!sheet) return Status::Error("RenderImageGrid: no output given");
  if (options.zoom < 1 || options.zoom > 8)
    return Status::Error("image grid: zoom must be in [1, 8], got " + std::to_string(options.zoom));
  int cell_w = 0, cell_h = 0, columns = 0;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    columns = std::max(columns, int(rows[r].tiles.size()));
    for (std::size_t t = 0; t < rows[r].tiles.size(); ++t) {
      const GridTile& tile = rows[r].tiles[t];
      if (Status s = CheckTile(tile, int(r), int(t)); !s.ok()) return s;
      cell_w = std::max(cell_w, tile.images->w() * options.zoom);
      cell_h = std::max(cell_h, tile.images->h() * options.zoom);
    }
  }
  if (columns == 0) return Status::Error("image grid: no images to show");
  // Cells are wide enough for every caption at the smallest font, so none is cut.
  for (const GridRow& row : rows)
    for (const GridTile& tile : row.tiles)
      cell_w = std::max(cell_w, TextWidth(tile.caption, kSmallestFont) + 1);
  const int label_h = TextHeight(kLabelFont) + kPad, caption_h = TextHeight(kCaptionFont) + kPad;
  const int row_h = label_h + cell_h + caption_h + kPad;
  const long width = long(columns) * (cell_w + kPad) + kPad;
  const long height = long(rows.size()) * row_h + kPad;
  if (width > kMaxSide || height > kMaxSide)
    return Status::Error("image grid: " + std::to_string(width) + " x " + std::to_string(height) +
                         " pixels is too large; use a smaller zoom or fewer images");
  double caption_font = kCaptionFont;  // one size for all captions: the one the longest fits
  for (const GridRow& row : rows)
    for (const GridTile& tile : row.tiles)
      caption_font = std::min(caption_font, FittingFont(tile.caption, kCaptionFont, cell_w));
  try {
    cv::Mat canvas(int(height), int(width), CV_32FC3, cv::Scalar(1, 1, 1));  // RGB in [0, 1]
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const int top = kPad + int(r) * row_h;
      Draw(canvas, rows[r].label, kPad, top, FittingFont(rows[r].label, kLabelFont, int(width)));
      for (std::size_t t = 0; t < rows[r].tiles.size(); ++t) {
        const GridTile& tile = rows[r].tiles[t];
        const Batch<float>& b = *tile.images;
        const int left = kPad + int(t) * (cell_w + kPad);
        const int x0 = left + (cell_w - b.w() * options.zoom) / 2;
        const int y0 = top + label_h + (cell_h - b.h() * options.zoom) / 2;
        for (int y = 0; y < b.h() * options.zoom; ++y) {
          auto* out = canvas.ptr<cv::Vec3f>(y0 + y) + x0;
          for (int x = 0; x < b.w() * options.zoom; ++x)
            for (int ch = 0; ch < 3; ++ch) {
              const float v =
                  b.at(tile.index, b.c() == 1 ? 0 : ch, y / options.zoom, x / options.zoom);
              out[x][ch] = std::clamp(v, 0.0f, 1.0f);
            }
        }
        Draw(canvas, tile.caption, left, top + label_h + cell_h + kPad / 2, caption_font);
      }
    }
    Batch<float> out(1, 3, canvas.rows, canvas.cols);
    for (int y = 0; y < canvas.rows; ++y) {
      const auto* in = canvas.ptr<cv::Vec3f>(y);
      for (int x = 0; x < canvas.cols; ++x)
        for (int ch = 0; ch < 3; ++ch)
          out.at(0, ch, y, x) = in[x][ch];
    }
    *sheet = std::move(out);
  } catch (const cv::Exception& e) {
    return Status::Error("image grid: " + e.err);
  } catch (const std::bad_alloc&) {
    return Status::Error("image grid: not enough memory");
  }
  return Status::Ok();
}

Status WriteImageGrid(const std::string& path, const std::vector<GridRow>& rows,
                      const GridOptions& options) {
  Batch<float> sheet;
  if (Status s = RenderImageGrid(rows, options, &sheet); !s.ok())
    return Status::Error("cannot write '" + path + "': " + s.message());
  return WriteImage(path, sheet, 0);
}

}  // namespace bilevel
