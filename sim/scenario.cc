#include "msgsim/scenario.h"

#include <algorithm>


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

const Party* Scenario::find_party(std::string_view name) const {
  auto it = std::find_if(parties.begin(), parties.end(), [&](const Party& p) { return p.name == name; });
  return it == parties.end() ? nullptr : &*it;
}

}  // namespace msgsim
