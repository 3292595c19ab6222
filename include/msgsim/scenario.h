// msgsim/scenario.h: a validated scenario, as the loader hands it to the engine.
//
// The file format is docs/scenario-format.md. Everything here has been
// checked by the loader: names are unique and well formed, references
// resolve, values are in range. The engine and the models may rely on that
// and never re-validate.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "msgsim/settings.h"

namespace msgsim {

// A position in a scenario file, for error messages and explanations.
struct SourcePos {
  std::string file;
  std::uint32_t line = 0;    // 1-based; 0 when unknown
  std::uint32_t column = 0;  // 1-based; 0 when unknown
};

enum class DeviceKind { kIphone, kIpad, kMac, kAndroid };

// The device kinds of the format, declared once: the loader, the world and
// the docs read this table. What runs on which kind (iMessage on Apple
// devices, iCloud Backup on iPhones and iPads) is for the models to declare.
struct DeviceKindInfo {
  DeviceKind kind;
  std::string_view name;   // in the scenario file: "iphone"
  std::string_view label;  // in explanations: "iPhone"
};
std::span<const DeviceKindInfo> device_kinds();  // in DeviceKind order
const char* to_string(DeviceKind k);             // its name
std::string_view label(DeviceKind k);

// One device of a party, with the device settings it sets itself (the
// others are the party's).
struct Device {
  DeviceKind kind = DeviceKind::kIphone;
  std::vector<SettingValue> own;  // device-scoped settings only, each once
  Device(DeviceKind k = DeviceKind::kIphone) : kind(k) {}  // NOLINT: implicit, a bare kind is a device
  friend bool operator==(const Device&, const Device&) = default;
};

struct Party {
  std::string name;   // [a-z][a-z0-9_-]*
  std::string label;  // display name; defaults to name
  std::string country = "US";
  std::vector<Device> devices{Device()};
  PartySettings settings;  // the account's settings, and its devices' defaults (settings.h)
  SourcePos pos;

  // The settings in force on device `index`: the party's, with the device's own on top.
  PartySettings device_settings(std::size_t index) const;
  std::vector<DeviceKind> device_kinds() const;
};

// The built-in providers of the format, declared once: the loader, the
// world and `msgsim list` read this table; the models name the ones whose
// servers they use (ModelInfo::providers).
struct ProviderInfo {
  std::string_view name;   // "apple"
  std::string_view label;  // "Apple"
  std::string_view description;
};
std::span<const ProviderInfo> builtin_providers();

struct Provider {
  std::string name;  // one of the built-in providers: apple, signal, whatsapp, google, carrier
  std::string label;
  std::string country = "US";
  SourcePos pos;
};

enum class PowerKind { kCompel, kIntercept, kTap, kExploit, kSeize };

// The adversary powers of the format, declared once: the loader takes their
// names and keys from this table, `msgsim list --details` their meaning.
struct PowerInfo {
  PowerKind kind;
  std::string_view name;                  // power = "exploit"
  std::vector<std::string_view> keys;     // the keys it takes besides `power`
  std::string_view meaning;               // one paragraph of documentation
  // exploit: the `via` values the format defines. One that no registered
  // model declares (ModelInfo::surfaces) is "not supported yet".
  std::vector<std::string_view> format_via;
};
std::span<const PowerInfo> powers();  // in PowerKind order
// The powers the format reserves for later versions ("ghost"): the loader
// says "not supported yet" rather than "unknown".
std::span<const std::string_view> later_powers();
const char* to_string(PowerKind k);   // its name

// An attack surface: software on a device that a zero-click exploit goes
// through (`via` of an exploit). The models declare the surfaces their apps
// expose (ModelInfo::surfaces); the loader resolves `via` against them, and
// the engine finds the exposed devices from the declaration alone.
struct AttackSurface {
  std::string name;               // via = "imessage"
  std::string label;              // "iMessage"
  std::vector<DeviceKind> kinds;  // the devices it runs on
  std::string setting;            // the device setting (a bool) that switches it on; empty: always on
  friend bool operator==(const AttackSurface&, const AttackSurface&) = default;
};
// True when a device of `kind`, with `settings` in force on it, runs `surface`.
bool exposes(const AttackSurface& surface, DeviceKind kind, const PartySettings& settings);

// Sentinel for "end of script" (compel's default `at`, exploit's default `until`).
inline constexpr std::int64_t kEndOfScript = -1;

// How a compel or intercept reaches a provider. A provider of the
// adversary's own country is reached directly; one of another country only
// through that country's courts, on a path the scenario names
// (docs/sources.md §7).
enum class LegalPath {
  kDirect,    // the adversary's own courts, on a provider of its country
  kMlat,      // a mutual legal assistance request to the provider's country
  kCloudAct,  // a direct order under a CLOUD Act agreement between the two countries
};
const char* to_string(LegalPath p);  // "direct", "mlat", "cloud-act"
// True when the two countries (ISO codes) have a CLOUD Act executive
// agreement in force (docs/sources.md §7: United States with the United
// Kingdom since 2022, with Australia since 2024).
bool has_cloud_act_agreement(std::string_view a, std::string_view b);

struct Power {
  PowerKind kind = PowerKind::kCompel;
  std::int64_t at = 0;                 // tick; kEndOfScript for compel's default
  std::int64_t until = kEndOfScript;   // exploit only
  std::vector<std::string> providers;  // compel/intercept; empty = every provider of the adversary's country
  // compel/intercept: how a provider of another country is reached (the
  // loader refuses a foreign provider without one, and one without a
  // foreign provider); providers of the adversary's country are reached
  // directly whatever this says.
  LegalPath path = LegalPath::kDirect;
  std::string target;                  // exploit/seize: a party name
  AttackSurface via;                   // exploit: the surface named by `via`, as a model declares it
  SourcePos pos;
};

struct Adversary {
  std::string name;
  std::string label;
  std::string country = "US";
  std::vector<Power> powers;
  SourcePos pos;
};

struct Message {
  int id = 0;  // 1-based, file order
  std::int64_t at = 0;
  std::string from;
  std::vector<std::string> to;  // one name in version 1
  std::string text;
  SourcePos pos;
};

// A [[change]]: the party, or one of its devices, changes some settings at a tick. Within
// a tick, messages go first, then setting changes, then the end-of-tick
// work (backups) and the adversaries' actions. A device setting changed on
// the party is its devices' new default: a device that sets its own value
// keeps it.
struct Change {
  std::int64_t at = 0;
  std::string party;
  // One device of the party (an index into its `devices`): `set` then holds
  // device settings only, and they become that device's own values. None:
  // the party's settings change.
  std::optional<std::size_t> device;
  std::vector<SettingValue> set;  // each setting once, in file order
  SourcePos pos;
};

struct Expectation {
  std::optional<std::string> protocol;  // nullopt: every protocol of the scenario
  std::optional<int> message;           // nullopt: every message
  std::vector<std::string> readable_by;  // exact set of actors, sorted
  SourcePos pos;
};

struct Scenario {
  std::string path;  // the file it came from ("-" for standard input)
  std::string title;
  std::string description;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> protocols;
  std::vector<Party> parties;
  std::vector<Provider> providers;  // only the overrides written in the file
  std::vector<Adversary> adversaries;
  std::vector<Change> changes;       // in file order
  std::vector<Message> messages;     // in file order: messages[i].id == i + 1
  std::vector<Expectation> expectations;

  const Party* find_party(std::string_view name) const;
  // The jurisdiction of built-in provider `name`: its [[provider]]
  // override's country, else "US".
  std::string provider_country(std::string_view name) const;
};

}  // namespace msgsim
