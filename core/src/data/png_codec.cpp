// PNG files through libpng's own API: any bit depth, palette and grey-alpha expanded, 16-bit kept,
// alpha dropped, colour delivered as BGR, as cv::imdecode(IMREAD_ANYDEPTH | IMREAD_ANYCOLOR) does.
#include <png.h>

#include <csetjmp>
#include <cstring>

#include "data/image_codec.h"

namespace bilevel {
namespace {

struct Reader {
  std::span<const unsigned char> bytes;
  std::size_t at = 0;
};

void ReadBytes(png_structp png, png_bytep out, png_size_t count) {
  auto* r = static_cast<Reader*>(png_get_io_ptr(png));
  if (r->at + count > r->bytes.size()) png_error(png, "the file ends early (truncated)");
  std::memcpy(out, r->bytes.data() + r->at, count);
  r->at += count;
}

void WriteBytes(png_structp png, png_bytep data, png_size_t count) {
  auto* out = static_cast<std::vector<unsigned char>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + count);
}

void Flush(png_structp) {}

// libpng reports errors by longjmp; the message is kept for the caller.
void OnError(png_structp png, png_const_charp message) {
  auto* error = static_cast<std::string*>(png_get_error_ptr(png));
  if (error) *error = message ? message : "libpng error";
  png_longjmp(png, 1);
}

void OnWarning(png_structp, png_const_charp) {}

}  // namespace

cv::Mat DecodePng(std::span<const unsigned char> bytes, std::string* error) {
  std::string message;
  if (bytes.size() < 8 || png_sig_cmp(bytes.data(), 0, 8) != 0) {
    if (error) *error = "not a PNG file";
    return {};
  }
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &message, OnError, OnWarning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    png_destroy_read_struct(&png, &info, nullptr);
    if (error) *error = "not enough memory to decode the image";
    return {};
  }
  Reader reader{bytes, 0};
  cv::Mat image;  // declared before setjmp: its state survives the longjmp
  std::vector<png_bytep> rows;
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    if (error) *error = message.empty() ? "corrupt PNG data" : message;
    return {};
  }
  png_set_read_fn(png, &reader, ReadBytes);
  png_read_info(png, info);
  const int type = png_get_color_type(png, info);
  const int depth = png_get_bit_depth(png, info);
  if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  png_set_strip_alpha(png);
  if (depth == 16) png_set_swap(png);  // host (little-endian) order
  png_set_bgr(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const int channels = png_get_channels(png, info);
  const int out_depth = png_get_bit_depth(png, info);
  const int h = int(png_get_image_height(png, info)), w = int(png_get_image_width(png, info));
  if ((channels != 1 && channels != 3) || (out_depth != 8 && out_depth != 16))
    png_error(png, "unsupported PNG layout");
  image.create(h, w, CV_MAKETYPE(out_depth == 16 ? CV_16U : CV_8U, channels));
  rows.resize(std::size_t(h));
  for (int y = 0; y < h; ++y)
    rows[std::size_t(y)] = image.ptr<png_byte>(y);
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return image;
}

bool EncodePng(const cv::Mat& image, std::vector<unsigned char>* bytes, std::string* error) {
  const int depth = image.depth() == CV_16U ? 16 : image.depth() == CV_8U ? 8 : 0;
  const int channels = image.channels();
  if (depth == 0 || (channels != 1 && channels != 3) || image.empty()) {
    if (error) *error = "PNG holds 8- or 16-bit images of 1 or 3 channels";
    return false;
  }
  std::string message;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &message, OnError, OnWarning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    png_destroy_write_struct(&png, &info);
    if (error) *error = "not enough memory to encode the image";
    return false;
  }
  bytes->clear();
  std::vector<png_bytep> rows(std::size_t(image.rows));
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    if (error) *error = message.empty() ? "cannot encode the PNG" : message;
    return false;
  }
  png_set_write_fn(png, bytes, WriteBytes, Flush);
  png_set_IHDR(png, info, png_uint_32(image.cols), png_uint_32(image.rows), depth,
               channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  if (depth == 16) png_set_swap(png);
  png_set_bgr(png);
  for (int y = 0; y < image.rows; ++y)
    rows[std::size_t(y)] = const_cast<png_bytep>(image.ptr<png_byte>(y));
  png_write_image(png, rows.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace bilevel
