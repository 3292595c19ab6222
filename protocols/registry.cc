// The table of models: one row per model. `msgsim list` prints it in this order.
#include "protocols/registry.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "protocols/imessage/imessage.h"
#include "protocols/signal/signal_model.h"
#include "protocols/sms/sms_model.h"
#include "protocols/whatsapp/whatsapp_model.h"

namespace msgsim {

namespace {

const std::vector<ModelInfo>& table() {
  static const std::vector<ModelInfo> rows = {
      imessage_model_info(),
      imessage_icloud_model_info(),
      signal_model_info(),
      whatsapp_model_info(),
      imessage_classic_model_info(),
      sms_model_info(),
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

std::vector<AttackSurface> attack_surfaces() {
  std::vector<AttackSurface> out;
  for (const ModelInfo& m : table())
    for (const AttackSurface& s : m.surfaces) {
      const auto same = std::find_if(out.begin(), out.end(), [&](const AttackSurface& o) { return o.name == s.name; });
      if (same == out.end()) out.push_back(s);
      else if (*same != s)
        throw std::logic_error(fmt::format("{} declares attack surface {} unlike another model", m.name, s.name));
    }
  return out;
}

std::vector<std::string> supported_settings() {
  std::set<std::string, std::less<>> read;  // strings: the surfaces below are copies that go
  for (const ModelInfo& m : table()) read.insert(m.settings.begin(), m.settings.end());
  for (const AttackSurface& s : attack_surfaces())
    if (!s.setting.empty()) read.insert(s.setting);
  std::vector<std::string> out;
  for (const SettingSpec& spec : settings_table())
    if (read.contains(spec.name)) out.emplace_back(spec.name);
  return out;
}

LoadOptions load_options() { return {model_names(), attack_surfaces(), supported_settings()}; }

}  // namespace msgsim
