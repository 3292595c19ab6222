// The registry's rows declare what the engine, the loader and `msgsim list`
// learn of each model; what they declare must name things that exist.
#include "protocols/registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "msgsim/scenario.h"
#include "msgsim/settings.h"
#include "tests/support/loading.h"

namespace msgsim {
namespace {

TEST(Registry, EveryRowNamesBuiltInProvidersKnownSettingsAndBoolSwitches) {
  const auto providers = builtin_providers();
  for (const ModelInfo& m : all_models()) {
    SCOPED_TRACE(std::string(m.name));
    EXPECT_FALSE(m.providers.empty());
    for (std::string_view p : m.providers)
      EXPECT_NE(std::find_if(providers.begin(), providers.end(), [&](const ProviderInfo& pi) { return pi.name == p; }),
                providers.end())
          << p;
    for (std::string_view name : m.settings) EXPECT_NE(find_setting(name), nullptr) << name;
    for (const AttackSurface& s : m.surfaces) {
      EXPECT_FALSE(s.kinds.empty()) << s.name;
      if (!s.setting.empty()) {
        const SettingSpec* spec = find_setting(s.setting);
        ASSERT_NE(spec, nullptr) << s.setting;
        EXPECT_EQ(spec->type, SettingType::kBool) << s.setting;
        EXPECT_EQ(spec->scope, SettingScope::kDevice) << s.setting;
      }
    }
  }
}

// The Apple surfaces are declared once each, and every surface a model
// declares is one the format defines for an exploit's `via`.
TEST(Registry, DeclaresTheAppleSurfacesOnceEach) {
  std::vector<std::string> names;
  for (const AttackSurface& s : attack_surfaces()) names.push_back(s.name);
  EXPECT_EQ(std::count(names.begin(), names.end(), "imessage"), 1);
  EXPECT_EQ(std::count(names.begin(), names.end(), "facetime"), 1);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  const PowerInfo& exploit = powers()[static_cast<std::size_t>(PowerKind::kExploit)];
  for (const std::string& n : names)
    EXPECT_NE(std::find(exploit.format_via.begin(), exploit.format_via.end(), n), exploit.format_via.end()) << n;
  const std::vector<AttackSurface> declared = attack_surfaces();
  const AttackSurface& imessage = declared.at(static_cast<std::size_t>(
      std::find(names.begin(), names.end(), "imessage") - names.begin()));
  EXPECT_EQ(imessage.kinds, (std::vector<DeviceKind>{DeviceKind::kIphone, DeviceKind::kIpad, DeviceKind::kMac}));
  EXPECT_EQ(imessage.setting, "imessage");
}

// The loader takes surfaces from its options: a surface some model declares
// is accepted with nothing in sim/ naming it, and resolved into the power.
TEST(Registry, TheLoaderAcceptsASurfaceOnlyOnceAModelDeclaresIt) {
  const std::string text =
      "title = \"t\"\nprotocols = [\"imessage\"]\n[[party]]\nname = \"a\"\n[[adversary]]\nname = \"v\"\n"
      "powers = [{ power = \"exploit\", via = \"whatsapp\", target = \"a\" }]\n";
  LoadOptions options = testing::options_for({"imessage"});
  EXPECT_EQ(testing::error_of(text, options),
            "s.toml:7:38: error: exploit via 'whatsapp' is not supported yet\n"
            "hint: the format reserves it for a later version of msgsim; use imessage or facetime");
  const AttackSurface whatsapp{"whatsapp", "WhatsApp", {DeviceKind::kIphone, DeviceKind::kAndroid}, ""};
  options.surfaces.push_back(whatsapp);
  const Scenario s = testing::load_ok(text, options);
  EXPECT_EQ(s.adversaries.at(0).powers.at(0).via, whatsapp);
}

TEST(Registry, PowersAndDeviceKindsAreInEnumOrder) {
  for (std::size_t i = 0; i < powers().size(); ++i) EXPECT_EQ(static_cast<std::size_t>(powers()[i].kind), i);
  EXPECT_EQ(powers().size(), 5u);
  EXPECT_EQ(std::string(to_string(PowerKind::kSeize)), "seize");
  EXPECT_EQ(std::string(to_string(DeviceKind::kAndroid)), "android");
  EXPECT_EQ(label(DeviceKind::kIpad), "iPad");
}

}  // namespace
}  // namespace msgsim
