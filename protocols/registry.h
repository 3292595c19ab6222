// protocols/registry.h: the table of protocol models. Adding a model is one
// folder in protocols/ and one row in registry.cc.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "msgsim/model.h"

namespace msgsim {

std::span<const ModelInfo> all_models();
const ModelInfo* find_model(std::string_view name);
std::vector<std::string> model_names();

}  // namespace msgsim
