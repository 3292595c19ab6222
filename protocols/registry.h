// protocols/registry.h: the table of protocol models. Adding a model is one
// folder in protocols/ and one row in registry.cc.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "msgsim/loader.h"
#include "msgsim/model.h"

namespace msgsim {

std::span<const ModelInfo> all_models();
const ModelInfo* find_model(std::string_view name);
std::vector<std::string> model_names();

// Every attack surface the models declare, each once, in registry order.
// Throws std::logic_error if two models declare one name differently.
std::vector<AttackSurface> attack_surfaces();
// The settings some model reads or some surface is switched by, in the
// order of the settings table.
std::vector<std::string> supported_settings();
// All three, for the loader.
LoadOptions load_options();

}  // namespace msgsim
