// Measurements that keep their range: float TIFFs and NumPy arrays (bilevel/dataset.h).
#include <cmath>
#include <new>

#include "bilevel/npy.h"
#include "data/image_decode.h"

namespace bilevel {
namespace {

Status ReadNpyImage(const std::string& path, ColorMode color, Batch<float>* image) {
  NpyArray array;
  if (Status s = ReadNpy(path, &array); !s.ok()) return s;
  std::vector<double> values;
  if (Status s = array.toDoubles(&values); !s.ok())
    return Status::Error("'" + path + "': " + s.message());
  std::vector<std::size_t> shape = array.shape;
  if (shape.size() == 4 && shape[0] == 1) shape.erase(shape.begin());
  if (shape.size() == 2) shape.insert(shape.begin(), 1);
  const std::size_t channels = color == ColorMode::kGrey ? 1 : 3;
  if (shape.size() != 3 || shape[0] != channels || shape[1] < 1 || shape[2] < 1)
    return Status::Error("'" + path + "' has the shape " + array.shapeText() + "; a " +
                         (channels == 1 ? "grey" : "colour") + " measurement is (" +
                         (channels == 1 ? "H, W) or (1, " : "3, ") + "H, W)");
  for (double v : values)
    if (!std::isfinite(v)) return Status::Error("'" + path + "' holds non-finite values");
  try {
    Batch<float> out(1, int(shape[0]), int(shape[1]), int(shape[2]));
    for (std::size_t k = 0; k < values.size(); ++k)
      out.data()[k] = float(values[k]);
    *image = std::move(out);
  } catch (const std::bad_alloc&) {
    return Status::Error("'" + path + "': not enough memory for the image");
  }
  return Status::Ok();
}

}  // namespace

Status ReadMeasurement(const std::string& path, ColorMode color, Batch<float>* image) {
  if (detail::LowerExtension(path) == ".npy") return ReadNpyImage(path, color, image);
  return detail::ReadImageFile(path, color, /*keep_range=*/true, image);
}

}  // namespace bilevel
