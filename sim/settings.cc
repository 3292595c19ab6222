#include "msgsim/settings.h"

#include <algorithm>

namespace msgsim {

std::span<const SettingSpec> settings_table() {
  // A function-local static because SettingSpec holds a std::vector (choices)
  // and so cannot be constexpr; built once, never modified.
  static const std::vector<SettingSpec> kSettings = {
      {.name = "icloud_backup",
       .type = SettingType::kBool,
       .default_value = "false",
       .choices = {},
       .scope = SettingScope::kDevice,
       .help = "iCloud Backup of an iPhone or iPad: a copy of the device's data, and of the Messages in "
               "iCloud key when that is on, kept by Apple.",
       .flag = &PartySettings::icloud_backup},
      {.name = "advanced_data_protection",
       .type = SettingType::kBool,
       .default_value = "false",
       .choices = {},
       .scope = SettingScope::kAccount,
       .help = "Apple Advanced Data Protection: iCloud Backup and Messages in iCloud end-to-end encrypted "
               "with keys Apple does not hold.",
       .flag = &PartySettings::advanced_data_protection},
      {.name = "messages_in_icloud",
       .type = SettingType::kBool,
       .default_value = "true",
       .choices = {},
       .scope = SettingScope::kAccount,
       .help = "Messages in iCloud: the party's iMessage history is synced through Apple's servers "
               "across its Apple devices.",
       .flag = &PartySettings::messages_in_icloud},
      {.name = "imessage",
       .type = SettingType::kBool,
       .default_value = "true",
       .choices = {},
       .scope = SettingScope::kDevice,
       .help = "iMessage switched on on a device: it sends and receives iMessages, which also exposes "
               "it to iMessage exploits.",
       .flag = &PartySettings::imessage},
      {.name = "facetime",
       .type = SettingType::kBool,
       .default_value = "true",
       .choices = {},
       .scope = SettingScope::kDevice,
       .help = "FaceTime switched on on a device: an attack surface that a zero-click FaceTime exploit "
               "can use.",
       .flag = &PartySettings::facetime},
      {.name = "sms_fallback",
       .type = SettingType::kBool,
       .default_value = "true",
       .choices = {},
       .scope = SettingScope::kDevice,
       .help = "\"Send as SMS\": when iMessage cannot deliver, the message goes as a plaintext SMS "
               "through the carrier.",
       .flag = &PartySettings::sms_fallback},
      {.name = "lockdown_mode",
       .type = SettingType::kBool,
       .default_value = "false",
       .choices = {},
       .scope = SettingScope::kDevice,
       .help = "Apple Lockdown Mode: turns off attack surfaces that some zero-click exploits need.",
       .flag = &PartySettings::lockdown_mode},
      {.name = "key_verification",
       .type = SettingType::kBool,
       .default_value = "false",
       .choices = {},
       .scope = SettingScope::kAccount,
       .help = "The party has verified its contacts' keys (iMessage Contact Key Verification, Signal "
               "safety numbers), so a device added behind its back is noticed.",
       .flag = &PartySettings::key_verification},
      {.name = "whatsapp_backup",
       .type = SettingType::kEnum,
       .default_value = "\"none\"",
       .choices = {"none", "cloud", "cloud-e2ee"},
       .scope = SettingScope::kAccount,
       .help = "WhatsApp chat backup: none, a plain cloud backup, or an end-to-end encrypted cloud backup.",
       .text = &PartySettings::whatsapp_backup},
      {.name = "disappearing",
       .type = SettingType::kTicks,
       .default_value = "0",
       .choices = {},
       .scope = SettingScope::kAccount,
       .help = "Disappearing messages: ticks after which sent and received messages are deleted from the "
               "party's devices; 0 keeps them forever.",
       .ticks = &PartySettings::disappearing},
  };
  return kSettings;
}

void SettingValue::apply(PartySettings& settings) const {
  switch (spec->type) {
    case SettingType::kBool: settings.*spec->flag = flag; break;
    case SettingType::kEnum: settings.*spec->text = text; break;
    case SettingType::kTicks: settings.*spec->ticks = ticks; break;
  }
}

const SettingSpec* find_setting(std::string_view name) {
  const auto table = settings_table();
  const auto it = std::find_if(table.begin(), table.end(), [&](const SettingSpec& s) { return s.name == name; });
  return it == table.end() ? nullptr : &*it;
}

}  // namespace msgsim
