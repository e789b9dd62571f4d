// The built-in regularizer types, registered in registry.cpp. Each is defined beside its
// regularizer (foe_type.cpp, total_variation.cpp).
#pragma once

#include "bilevel/regularizer_registry.h"

namespace bilevel {

RegularizerType FieldOfExpertsType();
RegularizerType TotalVariationType();

}  // namespace bilevel
