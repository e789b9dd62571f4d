// Private to core: the one decode path of every image (files, the embedded set, `apply`), from
// encoded bytes to a float cv::Mat, and the copies between such images and NCHW batches.
#pragma once

#include <opencv2/core.hpp>
#include <span>
#include <string>
#include <vector>

#include "bilevel/batch.h"
#include "bilevel/dataset.h"
#include "bilevel/status.h"

namespace bilevel::detail {

// The extension with its dot, in lower case (".png"); "" when there is none.
std::string LowerExtension(const std::string& name);
// True for .png, .jpg, .jpeg, .bmp, .tif and .tiff, in any letter case.
bool IsImageFileName(const std::string& name);

// Reads a whole file. Fails when it cannot be opened or read, or when it is empty (the message
// does not name the file: callers add the name).
Status ReadFileBytes(const std::string& path, std::vector<unsigned char>* bytes);

// Decodes PNG, JPEG, BMP or TIFF bytes (8 or 16 bit, or float TIFF; grey, grey + alpha, RGB or
// RGBA, alpha dropped) into H x W CV_32FC1 (kGrey) or CV_32FC3 in RGB order (kColor), values in
// [0, 1]. 8-bit values are divided by 255, 16-bit ones by 65535; colour to grey uses OpenCV's
// weights (0.299 R + 0.587 G + 0.114 B), grey to colour repeats the channel. The message says
// why a file is unusable (without naming it: callers add the name).
// keep_range: as ToFloatImage's.
Status DecodeImage(std::span<const unsigned char> bytes, ColorMode color, cv::Mat* image,
                   bool keep_range = false);
// ReadImage (bilevel/dataset.h), and with keep_range ReadMeasurement's image files.
Status ReadImageFile(const std::string& path, ColorMode color, bool keep_range,
                     Batch<float>* image);

// The second half of DecodeImage: decoded pixels as cv::imdecode gives them (CV_8U, CV_16U,
// CV_32F or CV_64F; grey, BGR or BGRA) to the float image described there. Other decoders (the
// STL-10 records) go through it so that every format gives the same values.
// keep_range: float pixels keep values outside [0, 1] (a measurement with its noise).
Status ToFloatImage(const cv::Mat& decoded, ColorMode color, cv::Mat* image,
                    bool keep_range = false);

// Resizes by `scale` (each side rounded, at least 1 pixel): INTER_AREA when shrinking, linear
// when enlarging, clamped to [0, 1]. scale == 1 leaves the image as it is.
Status ScaleImage(double scale, cv::Mat* image);

// Resizes (the same interpolation as ScaleImage) so that the shorter side is `side`, the longer
// one rounded and at least `side`, then keeps the centred side x side square (the top-left one
// of the two middle ones when the difference is odd).
Status FitSquare(int side, cv::Mat* image);

// Copies the size x size (rows x cols) region of a CV_32FC1/3 image at (y0, x0) into image i of
// a batch whose shape has the image's channels and that region's size.
void CopyRegion(const cv::Mat& image, int y0, int x0, Batch<float>* batch, int i);

}  // namespace bilevel::detail
