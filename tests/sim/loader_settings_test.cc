// The table of party settings (settings.h) and the loader reading every row
// of it.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "msgsim/loader.h"
#include "msgsim/settings.h"
#include "protocols/registry.h"
#include "tests/support/loading.h"

namespace msgsim {
namespace {

const LoadOptions kOptions = testing::options_for({"imessage"});

TEST(SettingsTable, ListsEveryPartySettingOfTheContractInOrder) {
  std::vector<std::string> names;
  for (const auto& spec : settings_table()) names.emplace_back(spec.name);
  EXPECT_EQ(names, (std::vector<std::string>{"icloud_backup", "advanced_data_protection", "messages_in_icloud",
                                             "imessage", "facetime", "sms_fallback", "lockdown_mode",
                                             "key_verification", "whatsapp_backup", "disappearing"}));
}

bool is_supported(const SettingSpec& spec) {
  return std::find(kOptions.settings.begin(), kOptions.settings.end(), spec.name) != kOptions.settings.end();
}

// Which settings this version implements is what the registered models
// declare they read, and the settings that switch their attack surfaces:
// every setting of the table is supported exactly when one of those names it.
TEST(SettingsTable, TheSupportedSettingsAreThoseTheModelsRead) {
  std::set<std::string> declared;
  for (const ModelInfo& m : all_models()) declared.insert(m.settings.begin(), m.settings.end());
  for (const AttackSurface& s : attack_surfaces()) declared.insert(s.setting);
  std::vector<std::string> want;
  for (const SettingSpec& spec : settings_table())
    if (declared.contains(std::string(spec.name))) want.emplace_back(spec.name);
  EXPECT_EQ(supported_settings(), want);
  // This version's models read these (the loader's tests assume them: tests/support/loading.h).
  for (const std::string& name : kOptions.settings) EXPECT_TRUE(declared.contains(name)) << name;
}

// A model that reads a setting makes it supported: nothing in the loader
// names it. (Adding a model that reads whatsapp_backup touches no sim/ file.)
TEST(SettingsTable, ASettingIsSupportedOnceSomeModelReadsIt) {
  const std::string text =
      "title = \"t\"\nprotocols = [\"imessage\"]\n[[party]]\nname = \"a\"\nwhatsapp_backup = \"cloud\"\n";
  EXPECT_NE(testing::error_of(text, kOptions).find("'whatsapp_backup' is not supported yet"), std::string::npos);
  LoadOptions with = kOptions;
  with.settings.emplace_back("whatsapp_backup");
  EXPECT_EQ(testing::load_ok(text, with).parties.at(0).settings.whatsapp_backup, "cloud");
}

TEST(SettingsTable, DefaultsAreThoseOfPartySettings) {
  const PartySettings defaults;
  for (const auto& spec : settings_table()) {
    SCOPED_TRACE(std::string(spec.name));
    EXPECT_FALSE(spec.help.empty());
    switch (spec.type) {
      case SettingType::kBool:
        ASSERT_NE(spec.flag, nullptr);
        EXPECT_EQ(spec.default_value, defaults.*spec.flag ? "true" : "false");
        break;
      case SettingType::kEnum:
        ASSERT_NE(spec.text, nullptr);
        EXPECT_EQ(spec.default_value, "\"" + defaults.*spec.text + "\"");
        EXPECT_NE(std::find(spec.choices.begin(), spec.choices.end(), defaults.*spec.text), spec.choices.end());
        break;
      case SettingType::kTicks:
        ASSERT_NE(spec.ticks, nullptr);
        EXPECT_EQ(spec.default_value, std::to_string(defaults.*spec.ticks));
        break;
    }
  }
}

TEST(SettingsTable, FindSettingByName) {
  ASSERT_NE(find_setting("facetime"), nullptr);
  EXPECT_EQ(find_setting("facetime")->flag, &PartySettings::facetime);
  EXPECT_EQ(find_setting("whatsapp_backup")->choices,
            (std::vector<std::string_view>{"none", "cloud", "cloud-e2ee"}));
  EXPECT_EQ(find_setting("FaceTime"), nullptr);
  EXPECT_EQ(find_setting(""), nullptr);
}

// Each supported setting, written with the opposite of its default, changes
// that one member and no other.
TEST(SettingsTable, LoaderReadsEverySupportedSetting) {
  for (const auto& spec : settings_table()) {
    if (!is_supported(spec)) continue;
    SCOPED_TRACE(std::string(spec.name));
    ASSERT_EQ(spec.type, SettingType::kBool);  // update this test when another type becomes supported
    const bool flipped = spec.default_value != "true";
    const std::string text = "title = \"t\"\nprotocols = [\"imessage\"]\n[[party]]\nname = \"a\"\n" +
                             std::string(spec.name) + " = " + (flipped ? "true" : "false") + "\n";
    LoadResult result = load_scenario_text(text, "s.toml", kOptions);
    ASSERT_TRUE(std::holds_alternative<Scenario>(result)) << std::get<LoadError>(result).format();
    const PartySettings& got = std::get<Scenario>(result).parties.at(0).settings;
    PartySettings want;
    want.*spec.flag = flipped;
    for (const auto& other : settings_table()) {
      if (other.type == SettingType::kBool) {
        EXPECT_EQ(got.*other.flag, want.*other.flag) << other.name;
      }
    }
  }
}

TEST(SettingsTable, LoaderRejectsEveryLaterSetting) {
  for (const auto& spec : settings_table()) {
    if (is_supported(spec)) continue;
    const std::string text = "title = \"t\"\nprotocols = [\"imessage\"]\n[[party]]\nname = \"a\"\n" +
                             std::string(spec.name) + " = " + std::string(spec.default_value) + "\n";
    const LoadResult result = load_scenario_text(text, "s.toml", kOptions);
    ASSERT_TRUE(std::holds_alternative<LoadError>(result)) << spec.name;
    EXPECT_EQ(std::get<LoadError>(result).format(),
              "s.toml:5:1: error: '" + std::string(spec.name) +
                  "' is not supported yet\n"
                  "hint: the format reserves it for a later version of msgsim; remove it for now");
  }
}

}  // namespace
}  // namespace msgsim
