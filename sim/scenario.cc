#include "msgsim/scenario.h"

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <utility>

namespace msgsim {

namespace {

constexpr DeviceKindInfo kDeviceKinds[] = {
    {DeviceKind::kIphone, "iphone", "iPhone"},
    {DeviceKind::kIpad, "ipad", "iPad"},
    {DeviceKind::kMac, "mac", "Mac"},
    {DeviceKind::kAndroid, "android", "Android phone"},
};
constexpr bool in_enum_order() {
  for (std::size_t i = 0; i < std::size(kDeviceKinds); ++i)
    if (static_cast<std::size_t>(kDeviceKinds[i].kind) != i) return false;
  return true;
}
static_assert(in_enum_order(), "kDeviceKinds is indexed by DeviceKind");

constexpr ProviderInfo kProviders[] = {
    {"apple", "Apple", "APNs relay, IDS key directory, iCloud (Backup, CloudKit)"},
    {"signal", "Signal", "Signal's servers: prekey directory, message queue"},
    {"whatsapp", "WhatsApp", "WhatsApp's servers: prekey directory, message queue, Backup Key Vault"},
    {"google", "Google", "Google's servers: Google Drive (WhatsApp backups from Android phones)"},
    {"carrier", "Mobile carrier", "SMS relay: sees and keeps the text of every SMS"},
};

const std::vector<PowerInfo>& power_table() {
  static const std::vector<PowerInfo> rows = {
      {PowerKind::kCompel,
       "compel",
       {"at", "providers", "via"},
       "Legal process: the adversary receives everything those providers store at `at` (default: the end of the "
       "script) and every key they hold, escrowed keys included. `providers` defaults to every provider of the "
       "adversary's country; a provider of another country is reached only through the legal path `via` names: "
       "\"mlat\" (a mutual legal assistance request) or \"cloud-act\" (between countries with an agreement in "
       "force: the US with GB and AU). Sources: docs/sources.md section 7.",
       {}},
      {PowerKind::kIntercept,
       "intercept",
       {"at", "providers", "via"},
       "From `at` (default 0) on, those providers (default: every provider of the adversary's country; `via` as "
       "for compel) forward a copy of every transmission that passes through them: messages relayed, uploads as "
       "they arrive. Never what they stored before `at`, never keys they hold for themselves: that takes compel.",
       {}},
      {PowerKind::kTap,
       "tap",
       {"at"},
       "Passive capture, from `at` (default 0), of what crosses network links in the adversary's country, as it is "
       "on the wire (transport encryption included).",
       {}},
      {PowerKind::kExploit,
       "exploit",
       {"target", "via", "at", "until"},
       "Zero-click compromise, through `via` (imessage, facetime, whatsapp), of every device of `target` that "
       "exposes that surface (that device's own setting is on): the device's stored messages and the keys its "
       "software can read at `at` (not those a Secure Enclave keeps), and all it handles until `until` (default: "
       "the end).",
       {"imessage", "facetime", "whatsapp"}},
      {PowerKind::kSeize,
       "seize",
       {"target", "at"},
       "Physical access to the target's unlocked devices at `at`: what they store and the keys their software can "
       "read at that moment (not those a Secure Enclave keeps), nothing after. Sources: docs/sources.md section 6.",
       {}},
  };
  return rows;
}

}  // namespace

std::span<const DeviceKindInfo> device_kinds() { return kDeviceKinds; }
const char* to_string(DeviceKind k) { return kDeviceKinds[static_cast<std::size_t>(k)].name.data(); }
std::string_view label(DeviceKind k) { return kDeviceKinds[static_cast<std::size_t>(k)].label; }

bool exposes(const AttackSurface& surface, DeviceKind kind, const PartySettings& settings) {
  if (std::find(surface.kinds.begin(), surface.kinds.end(), kind) == surface.kinds.end()) return false;
  if (surface.setting.empty()) return true;
  const SettingSpec* spec = find_setting(surface.setting);
  if (spec == nullptr || spec->flag == nullptr)
    throw std::logic_error("attack surface " + surface.name + " names no bool setting: " + surface.setting);
  return settings.*(spec->flag);
}

std::span<const ProviderInfo> builtin_providers() { return kProviders; }

std::span<const PowerInfo> powers() { return power_table(); }
std::span<const std::string_view> later_powers() {
  static constexpr std::string_view kLater[] = {"ghost"};
  return kLater;
}
const char* to_string(PowerKind k) { return power_table()[static_cast<std::size_t>(k)].name.data(); }

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
