// A training configuration small enough for a unit test: a few grey 16 x 16 patches of the
// built-in images, on the CPU, with a regularizer type.
#pragma once

#include <QtGlobal>

#include <string>

#include "bilevel/config_json.h"
#include "bilevel/training_config.h"

namespace bilevel::test {

inline TrainingConfig TinyConfig(const std::string& type) {
  TrainingConfig c;
  c.dataset.color = ColorMode::kGrey;
  c.dataset.patch_size = 16;
  c.dataset.patches_per_image = 1;
  c.dataset.max_train_patches = 4;
  c.dataset.max_test_patches = 2;
  c.knobs.batch_size = 2;
  c.backend.device = DevicePreference::kCpu;
  if (!SetConfigField(&c, "regularizer.type", type).ok() ||
      !SetConfigField(&c, "regularizer.channels", "1").ok())
    qFatal("cannot set the regularizer type %s", type.c_str());
  return c;
}

}  // namespace bilevel::test
