#include "msgsim/scenario.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace msgsim {

const char* to_string(DeviceKind k) {
  switch (k) {
    case DeviceKind::kIphone: return "iphone";
    case DeviceKind::kIpad: return "ipad";
    case DeviceKind::kMac: return "mac";
    case DeviceKind::kAndroid: return "android";
  }
  return "?";
}

bool has_icloud_backup(DeviceKind k) { return k == DeviceKind::kIphone || k == DeviceKind::kIpad; }
bool is_apple(DeviceKind k) { return k != DeviceKind::kAndroid; }

const char* to_string(PowerKind k) {
  switch (k) {
    case PowerKind::kCompel: return "compel";
    case PowerKind::kIntercept: return "intercept";
    case PowerKind::kTap: return "tap";
    case PowerKind::kExploit: return "exploit";
    case PowerKind::kSeize: return "seize";
  }
  return "?";
}

const char* to_string(LegalPath p) {
  switch (p) {
    case LegalPath::kDirect: return "direct";
    case LegalPath::kMlat: return "mlat";
    case LegalPath::kCloudAct: return "cloud-act";
  }
  return "?";
}

bool has_cloud_act_agreement(std::string_view a, std::string_view b) {
  // Executive agreements in force, by the two countries' codes (docs/sources.md §7).
  static constexpr std::pair<std::string_view, std::string_view> kInForce[] = {{"US", "GB"}, {"US", "AU"}};
  return std::any_of(std::begin(kInForce), std::end(kInForce), [&](const auto& pair) {
    return (pair.first == a && pair.second == b) || (pair.first == b && pair.second == a);
  });
}

PartySettings Party::device_settings(std::size_t index) const {
  PartySettings out = settings;
  for (const SettingValue& v : devices.at(index).own) v.apply(out);
  return out;
}

std::vector<DeviceKind> Party::device_kinds() const {
  std::vector<DeviceKind> out;
  for (const Device& d : devices) out.push_back(d.kind);
  return out;
}

std::string Scenario::provider_country(std::string_view name) const {
  auto it = std::find_if(providers.begin(), providers.end(), [&](const Provider& p) { return p.name == name; });
  return it == providers.end() ? "US" : it->country;
}

const Party* Scenario::find_party(std::string_view name) const {
  auto it = std::find_if(parties.begin(), parties.end(), [&](const Party& p) { return p.name == name; });
  return it == parties.end() ? nullptr : &*it;
}

}  // namespace msgsim
