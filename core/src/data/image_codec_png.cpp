// The lean codecs (BILEVEL_IMAGE_CODECS=png): PNG through libpng, every other format refused with
// a message that names the build option.
#include "data/image_codec.h"

namespace bilevel {

const char* ImageCodecs() {
  return "PNG only (libpng)";
}

cv::Mat DecodeImageBytes(std::span<const unsigned char> bytes, std::string* error) {
  cv::Mat image = DecodePng(bytes, error);
  if (image.empty() && error && *error == "not a PNG file")
    *error = "not a PNG file, and this build reads PNG only (BILEVEL_IMAGE_CODECS=png)";
  return image;
}

bool EncodeImageBytes(const std::string& ext, const cv::Mat& image,
                      std::vector<unsigned char>* bytes, std::string* error) {
  if (ext != ".png") {
    if (error) *error = "this build writes PNG only (BILEVEL_IMAGE_CODECS=png), not " + ext;
    return false;
  }
  return EncodePng(image, bytes, error);
}

}  // namespace bilevel
