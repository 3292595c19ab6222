// The table of models: one row per model. `msgsim list` prints it in this order.
#include "protocols/registry.h"

#include <algorithm>

#include "protocols/imessage/imessage.h"
#include "protocols/signal/signal_model.h"

namespace msgsim {

namespace {

const std::vector<ModelInfo>& table() {
  static const std::vector<ModelInfo> rows = {
      imessage_model_info(),
      imessage_icloud_model_info(),
      signal_model_info(),
      imessage_classic_model_info(),
  };
  return rows;
}

}  // namespace

std::span<const ModelInfo> all_models() { return table(); }

const ModelInfo* find_model(std::string_view name) {
  auto it = std::find_if(table().begin(), table().end(), [&](const ModelInfo& m) { return m.name == name; });
  return it == table().end() ? nullptr : &*it;
}

std::vector<std::string> model_names() {
  std::vector<std::string> out;
  for (const ModelInfo& m : table()) out.emplace_back(m.name);
  return out;
}

}  // namespace msgsim
