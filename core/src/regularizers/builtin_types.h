// The built-in regularizer types, registered in registry.cpp. Each is defined beside its
// regularizer (foe_type.cpp, total_variation.cpp, input_convex_type.cpp,
// convex_ridge_type.cpp).
#pragma once

#include "bilevel/regularizer_registry.h"

namespace bilevel {

RegularizerType FieldOfExpertsType();
RegularizerType TotalVariationType();
RegularizerType InputConvexType();
RegularizerType ConvexRidgeType();

}  // namespace bilevel
