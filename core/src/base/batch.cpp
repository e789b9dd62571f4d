#include "bilevel/batch.h"

namespace bilevel {

std::string Shape::toString() const {
  return std::to_string(n) + "x" + std::to_string(c) + "x" + std::to_string(h) + "x" +
         std::to_string(w);
}

}  // namespace bilevel
