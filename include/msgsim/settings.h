// msgsim/settings.h: the settings of parties and their devices, declared once.
//
// Each setting is one row of kSettings: its name in the scenario file, a
// sentence of help, its default and the values it takes. The loader,
// `msgsim list --details` and the docs all read this one table. Whether this
// version implements a setting is the models' to say (ModelInfo::settings,
// AttackSurface::setting): one no registered model reads is rejected by the
// loader with "not supported yet" rather than silently ignored.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace msgsim {

struct PartySettings {
  bool icloud_backup = false;
  bool advanced_data_protection = false;
  bool messages_in_icloud = true;
  bool imessage = true;
  bool facetime = true;
  bool sms_fallback = true;
  bool lockdown_mode = false;
  bool key_verification = false;
  std::string whatsapp_backup = "none";
  std::int64_t disappearing = 0;
};

enum class SettingType { kBool, kEnum, kTicks };

// Whose switch a setting is. A device setting (iCloud Backup, iMessage,
// FaceTime, ...) is set on each iPhone, iPad or Mac: a party's value is its
// devices' default, and a device may set its own. An account setting
// (Messages in iCloud, Advanced Data Protection, ...) holds for every
// device of the party.
enum class SettingScope { kDevice, kAccount };

struct SettingSpec {
  std::string_view name;
  SettingType type;
  std::string_view default_value;          // as written in TOML: "false", "\"none\"", "0"
  std::vector<std::string_view> choices;  // kEnum only
  SettingScope scope;
  std::string_view help;
  bool PartySettings::*flag = nullptr;     // kBool
  std::string PartySettings::*text = nullptr;     // kEnum
  std::int64_t PartySettings::*ticks = nullptr;   // kTicks
};

// Every setting, in the order of the format page.
std::span<const SettingSpec> settings_table();
const SettingSpec* find_setting(std::string_view name);

// One setting's value, as a device sets it over its party's default.
struct SettingValue {
  const SettingSpec* spec = nullptr;
  bool flag = false;         // kBool
  std::string text;          // kEnum
  std::int64_t ticks = 0;    // kTicks
  void apply(PartySettings& settings) const;
  friend bool operator==(const SettingValue&, const SettingValue&) = default;
};

}  // namespace msgsim
