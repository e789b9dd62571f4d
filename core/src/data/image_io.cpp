// Image files: decoding to float RGB or grey in [0, 1], resizing, and ReadImage / WriteImage.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <new>
#include <opencv2/imgproc.hpp>

#include "bilevel/dataset.h"
#include "data/image_codec.h"
#include "image_decode.h"

namespace bilevel {
namespace detail {

std::string LowerExtension(const std::string& name) {
  const std::size_t dot = name.find_last_of('.');
  const std::size_t slash = name.find_last_of("/\\");
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = name.substr(dot);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return ext;
}

namespace {

// Larger files are refused before reading (OpenCV refuses larger images anyway).
constexpr std::streamoff kMaxFileBytes = std::streamoff(1) << 31;

// OpenCV's short error text ("Assertion failed ..."), without its source location.
std::string Describe(const cv::Exception& e) {
  return e.err.empty() ? e.what() : e.err;
}

}  // namespace

bool IsImageFileName(const std::string& name) {
  const std::string ext = LowerExtension(name);
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".tif" ||
         ext == ".tiff";
}

Status ReadFileBytes(const std::string& path, std::vector<unsigned char>* bytes) {
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found)
    return Status::Error("the file does not exist");
  if (ec) return Status::Error("cannot open the file (" + ec.message() + ")");
  if (!std::filesystem::is_regular_file(status)) return Status::Error("not a regular file");
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) return Status::Error("cannot open the file");
  const std::streamoff size = file.tellg();
  if (size < 0) return Status::Error("cannot read the file");
  if (size == 0) return Status::Error("the file is empty (0 bytes)");
  if (size > kMaxFileBytes) return Status::Error("the file is too large (over 2 GiB)");
  try {
    bytes->resize(std::size_t(size));
  } catch (const std::bad_alloc&) {
    return Status::Error("not enough memory to read the file");
  }
  file.seekg(0);
  if (!file.read(reinterpret_cast<char*>(bytes->data()), size))
    return Status::Error("cannot read the file");
  return Status::Ok();
}

Status DecodeImage(std::span<const unsigned char> bytes, ColorMode color, cv::Mat* image,
                   bool keep_range) {
  if (bytes.empty()) return Status::Error("the file is empty (0 bytes)");
  try {
    std::string why;
    const cv::Mat decoded = DecodeImageBytes(bytes, &why);
    if (decoded.empty() || decoded.rows < 1 || decoded.cols < 1)
      return Status::Error("not a readable image (" + why + ")");
    return ToFloatImage(decoded, color, image, keep_range);
  } catch (const cv::Exception& e) {
    return Status::Error("not a readable image (" + Describe(e) + ")");
  } catch (const std::bad_alloc&) {
    return Status::Error("not enough memory to decode the image");
  }
}

Status ToFloatImage(const cv::Mat& input, ColorMode color, cv::Mat* image, bool keep_range) {
  try {
    cv::Mat decoded = input;
    if (decoded.channels() == 4) cv::cvtColor(decoded, decoded, cv::COLOR_BGRA2BGR);
    if (decoded.channels() != 1 && decoded.channels() != 3)
      return Status::Error("unsupported number of channels (" + std::to_string(decoded.channels()) +
                           ")");

    cv::Mat values;
    switch (decoded.depth()) {
      case CV_8U:
        decoded.convertTo(values, CV_32F, 1.0 / 255.0);
        break;
      case CV_16U:
        decoded.convertTo(values, CV_32F, 1.0 / 65535.0);
        break;
      case CV_32F:
      case CV_64F:
        decoded.convertTo(values, CV_32F);
        if (!cv::checkRange(values)) return Status::Error("the image holds non-finite values");
        if (!keep_range) values = cv::max(cv::min(values, 1.0), 0.0);
        break;
      default:
        return Status::Error("unsupported pixel type (only 8-bit, 16-bit and float images)");
    }

    if (color == ColorMode::kColor)
      cv::cvtColor(values, *image, values.channels() == 1 ? cv::COLOR_GRAY2RGB : cv::COLOR_BGR2RGB);
    else if (values.channels() == 3)
      cv::cvtColor(values, *image, cv::COLOR_BGR2GRAY);
    else
      *image = values;
    return Status::Ok();
  } catch (const cv::Exception& e) {
    return Status::Error("not a readable image (" + Describe(e) + ")");
  } catch (const std::bad_alloc&) {
    return Status::Error("not enough memory to decode the image");
  }
}

namespace {

// INTER_AREA when shrinking, linear when enlarging, clamped to [0, 1].
Status ResizeTo(int w, int h, cv::Mat* image) {
  if (w == image->cols && h == image->rows) return Status::Ok();
  try {
    cv::Mat resized;
    const bool shrink = w <= image->cols && h <= image->rows;
    cv::resize(*image, resized, cv::Size(w, h), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
    *image = cv::max(cv::min(resized, 1.0), 0.0);
    return Status::Ok();
  } catch (const cv::Exception& e) {
    return Status::Error("cannot resize the image (" + Describe(e) + ")");
  } catch (const std::bad_alloc&) {
    return Status::Error("not enough memory to resize the image");
  }
}

}  // namespace

Status ScaleImage(double scale, cv::Mat* image) {
  if (scale == 1.0) return Status::Ok();
  if (!(scale > 0.0) || !std::isfinite(scale))
    return Status::Error("invalid scale " + std::to_string(scale));
  const int w = std::max(1, int(std::lround(image->cols * scale)));
  const int h = std::max(1, int(std::lround(image->rows * scale)));
  return ResizeTo(w, h, image);
}

Status FitSquare(int side, cv::Mat* image) {
  if (side < 1) return Status::Error("invalid square side " + std::to_string(side));
  const int shorter = std::min(image->rows, image->cols);
  const double factor = double(side) / double(shorter);
  const auto fit = [&](int length) {
    return length == shorter ? side : std::max(side, int(std::lround(length * factor)));
  };
  const int w = fit(image->cols), h = fit(image->rows);
  if (Status s = ResizeTo(w, h, image); !s.ok()) return s;
  try {
    *image = (*image)(cv::Rect((w - side) / 2, (h - side) / 2, side, side)).clone();
    return Status::Ok();
  } catch (const cv::Exception& e) {
    return Status::Error("cannot crop the image (" + Describe(e) + ")");
  } catch (const std::bad_alloc&) {
    return Status::Error("not enough memory to crop the image");
  }
}

void CopyRegion(const cv::Mat& image, int y0, int x0, Batch<float>* batch, int i) {
  const int channels = image.channels();
  for (int y = 0; y < batch->h(); ++y) {
    const float* row = image.ptr<float>(y0 + y) + std::size_t(x0) * channels;
    for (int x = 0; x < batch->w(); ++x)
      for (int c = 0; c < channels; ++c)
        batch->at(i, c, y, x) = row[std::size_t(x) * channels + c];
  }
}

}  // namespace detail

Status ReadImage(const std::string& path, ColorMode color, Batch<float>* image) {
  return detail::ReadImageFile(path, color, false, image);
}

Status detail::ReadImageFile(const std::string& path, ColorMode color, bool keep_range,
                             Batch<float>* image) {
  if (!image) return Status::Error("ReadImage: no output image");
  std::vector<unsigned char> bytes;
  cv::Mat decoded;
  Status s = detail::ReadFileBytes(path, &bytes);
  if (s.ok()) s = detail::DecodeImage(bytes, color, &decoded, keep_range);
  if (!s.ok()) return Status::Error("'" + path + "': " + s.message());
  try {
    Batch<float> out(1, decoded.channels(), decoded.rows, decoded.cols);
    detail::CopyRegion(decoded, 0, 0, &out, 0);
    *image = std::move(out);
  } catch (const std::bad_alloc&) {
    return Status::Error("'" + path + "': not enough memory for the image");
  }
  return Status::Ok();
}

Status WriteImage(const std::string& path, const Batch<float>& images, int i, int bits) {
  if (i < 0 || i >= images.n())
    return Status::Error("WriteImage: image " + std::to_string(i) + " is out of range (batch " +
                         images.shape().toString() + ")");
  if (images.c() != 1 && images.c() != 3)
    return Status::Error("WriteImage: images must have 1 or 3 channels, the batch is " +
                         images.shape().toString());
  if (images.h() < 1 || images.w() < 1)
    return Status::Error("WriteImage: empty image (" + images.shape().toString() + ")");
  const std::string ext = detail::LowerExtension(path);
  if (!detail::IsImageFileName(path))
    return Status::Error("cannot write '" + path +
                         "': the extension must be .png, .jpg, .jpeg, .bmp, .tif or .tiff");
  if (bits != 8 && bits != 16) return Status::Error("WriteImage: bits must be 8 or 16");
  if (bits == 16 && ext != ".png" && ext != ".tif" && ext != ".tiff")
    return Status::Error("cannot write '" + path + "': 16-bit images are PNG or TIFF");
  try {
    const int channels = images.c();
    const float top = bits == 16 ? 65535.0f : 255.0f;
    cv::Mat out(images.h(), images.w(), bits == 16 ? CV_16UC(channels) : CV_8UC(channels));
    for (int y = 0; y < images.h(); ++y)
      for (int x = 0; x < images.w(); ++x)
        for (int c = 0; c < channels; ++c) {
          const float v = images.at(i, c, y, x);
          const float clamped = std::isfinite(v) ? std::clamp(v, 0.0f, 1.0f) : 0.0f;
          // RGB in the batch, BGR for OpenCV.
          const int oc = channels == 3 ? 2 - c : c;
          const long level = std::lround(clamped * top);
          if (bits == 16)
            out.ptr<unsigned short>(y)[std::size_t(x) * channels + oc] = (unsigned short)level;
          else
            out.ptr<unsigned char>(y)[std::size_t(x) * channels + oc] = (unsigned char)level;
        }
    std::vector<unsigned char> encoded;
    std::string why;
    if (!EncodeImageBytes(ext, out, &encoded, &why))
      return Status::Error("cannot encode '" + path + "': " + why);
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    if (!file) return Status::Error("cannot open '" + path + "' for writing");
    file.write(reinterpret_cast<const char*>(encoded.data()), std::streamsize(encoded.size()));
    file.close();
    if (!file) return Status::Error("cannot write '" + path + "'");
    return Status::Ok();
  } catch (const cv::Exception& e) {
    return Status::Error("cannot write '" + path + "' (" + detail::Describe(e) + ")");
  } catch (const std::bad_alloc&) {
    return Status::Error("cannot write '" + path + "': not enough memory");
  }
}

}  // namespace bilevel
