// Encoded image files to and from pixels as OpenCV holds them: 8- or 16-bit (or float) values,
// one channel for grey and BGR order for colour. A build either uses OpenCV's imgcodecs for every
// format it reads (PNG, JPEG, TIFF, BMP, ...; the default), or, configured with
// BILEVEL_IMAGE_CODECS=png, libpng alone: PNG files only, and none of imgcodecs' libraries, for
// compute nodes that carry their own libraries (tools/device-check.sh packs such a build).
#pragma once

#include <opencv2/core.hpp>
#include <span>
#include <string>
#include <vector>

#include "bilevel/dataset.h"

namespace bilevel {

// ImageCodecs() (bilevel/dataset.h) names the codecs this build has.

// Decoded pixels (alpha dropped, colour as BGR), or an empty Mat and a reason in *error.
cv::Mat DecodeImageBytes(std::span<const unsigned char> bytes, std::string* error);
// The file's bytes for extension ext (".png", ".jpg", ...) of an 8- or 16-bit, 1- or 3-channel
// (BGR) image; false and a reason in *error when it cannot be encoded.
bool EncodeImageBytes(const std::string& ext, const cv::Mat& image,
                      std::vector<unsigned char>* bytes, std::string* error);

// The PNG codec alone (libpng), in every build: what the png-only build uses, and what the tests
// compare with OpenCV's.
cv::Mat DecodePng(std::span<const unsigned char> bytes, std::string* error);
bool EncodePng(const cv::Mat& image, std::vector<unsigned char>* bytes, std::string* error);

}  // namespace bilevel
