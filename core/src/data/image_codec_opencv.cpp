// The default codecs: OpenCV's imgcodecs, for every format it reads and writes.
#include <opencv2/imgcodecs.hpp>

#include "data/image_codec.h"

namespace bilevel {

const char* ImageCodecs() {
  return "OpenCV imgcodecs";
}

cv::Mat DecodeImageBytes(std::span<const unsigned char> bytes, std::string* error) {
  // ANYDEPTH keeps 16-bit and float data; ANYCOLOR gives 1 channel for grey and 3 (BGR, alpha
  // dropped) for everything else, and unlike IMREAD_UNCHANGED applies the EXIF orientation.
  const cv::Mat encoded(1, int(bytes.size()), CV_8U, const_cast<unsigned char*>(bytes.data()));
  cv::Mat decoded = cv::imdecode(encoded, cv::IMREAD_ANYDEPTH | cv::IMREAD_ANYCOLOR);
  if (decoded.empty() && error) *error = "corrupt, truncated or unsupported";
  return decoded;
}

bool EncodeImageBytes(const std::string& ext, const cv::Mat& image,
                      std::vector<unsigned char>* bytes, std::string* error) {
  if (!cv::haveImageWriter("image" + ext)) {
    if (error) *error = "unknown image format '" + ext + "'";
    return false;
  }
  if (cv::imencode(ext, image, *bytes) && !bytes->empty()) return true;
  if (error) *error = "OpenCV could not encode it as " + ext;
  return false;
}

}  // namespace bilevel
