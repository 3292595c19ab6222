// The adversaries' powers mean what docs/scenario-format.md says they mean:
// each test pins one power's reach against a scenario where a looser
// reading would give a different set of readers.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "msgsim/engine.h"
#include "protocols/imessage/imessage.h"
#include "protocols/registry.h"
#include "tests/support/scenario_builder.h"

namespace msgsim {
namespace {

using testing::adversary;
using testing::conversation;
using testing::party;
using testing::power;
using testing::readers;
using testing::simulate;
using Names = std::vector<std::string>;

std::string chain(const ProtocolResult& r, int message, const std::string& actor) {
  const auto cell = r.find(message, actor);
  return cell ? fmt::format("{}", fmt::join(cell->how, "\n")) : std::string("(not readable)");
}

// Regression: an intercept read like a compel. With only an intercept on
// Apple, the state copied "alice's iCloud Backup service key", which Apple
// stores for itself at provisioning and never transmits, and read every
// message through alice's backup.
TEST(Intercept, CopiesTrafficNotTheKeysTheProviderHoldsForItself) {
  Scenario s = conversation({"imessage"});
  s.parties[0].settings.icloud_backup = true;
  s.adversaries = {adversary("us-gov", "US", {power(PowerKind::kIntercept, 0)})};
  const ProtocolResult r = simulate(s, imessage_model_info());
  for (int m = 1; m <= 3; ++m) {
    // Apple reads through the key it holds; the interceptor, holding only
    // what passed through Apple, does not.
    EXPECT_EQ(readers(r, m), (Names{"alice", "apple", "bob"})) << "message " << m << "\n"
                                                               << chain(r, m, "us-gov");
  }
}

// The same with a Mac and an iPad on the accounts: more devices, more
// copies relayed, and still no key that Apple keeps to itself.
TEST(Intercept, CopiesNoHeldKeyWithSeveralDevicesOnTheAccount) {
  Scenario s = conversation({"imessage"});
  s.parties[0] = party("alice", {DeviceKind::kIphone, DeviceKind::kMac, DeviceKind::kIpad});
  s.parties[0].settings.icloud_backup = true;
  s.parties[1] = party("bob", {DeviceKind::kIphone, DeviceKind::kIpad});
  s.parties[1].settings.icloud_backup = true;
  s.adversaries = {adversary("us-gov", "US", {power(PowerKind::kIntercept, 0)})};
  const ProtocolResult r = simulate(s, imessage_model_info());
  for (int m = 1; m <= 3; ++m)
    EXPECT_EQ(readers(r, m), (Names{"alice", "apple", "bob"})) << "message " << m << "\n" << chain(r, m, "us-gov");
}

// What passes through after `at` is copied; compulsion then adds what the
// provider holds: the two powers together read what compel alone reads.
TEST(Intercept, WithCompelReadsWhatCompelReads) {
  Scenario s = conversation({"imessage"});
  s.parties[0].settings.icloud_backup = true;
  s.adversaries = {adversary("us-gov", "US", {power(PowerKind::kIntercept, 0), power(PowerKind::kCompel, kEndOfScript)})};
  const ProtocolResult r = simulate(s, imessage_model_info());
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "apple", "bob", "us-gov"})) << "message " << m;
}

// iMessage is a switch of each device: off on Bob's iPhone, on on his Mac,
// the exploit through iMessage reaches the Mac and nothing else.
TEST(Exploit, ReachesTheDevicesWhoseOwnSwitchExposesTheSurface) {
  Scenario s = conversation({"imessage"});
  s.parties[1] = party("bob", {DeviceKind::kIphone, DeviceKind::kMac});
  s.parties[1].settings.imessage = false;
  SettingValue on{find_setting("imessage"), true, {}, 0};
  s.parties[1].devices[1].own = {on};
  s.adversaries = {adversary("nso", "IL", {power(PowerKind::kExploit, 3, "bob", "imessage")})};
  const ProtocolResult r = simulate(s, imessage_model_info());
  EXPECT_EQ(readers(r, 1), (Names{"alice", "bob", "nso"}));
  const std::string how = chain(r, 1, "nso");
  EXPECT_NE(how.find("from bob's Mac"), std::string::npos) << how;
  EXPECT_EQ(how.find("iPhone"), std::string::npos) << how;
  // With iMessage off on the Mac too, nothing of Bob's is exposed: alice's
  // iPhone texts him instead (SMS fallback), which the exploit never sees.
  s.parties[1].devices[1].own.clear();
  EXPECT_EQ(readers(simulate(s, imessage_model_info()), 1), (Names{"alice", "bob", "carrier"}));
}

// An exploit lands at its `at`, on the devices that expose its surface
// then: bob switches iMessage off at t=2 ([[change]]), so one through
// iMessage at t=1 gets in, one at t=3 finds nothing to go through.
TEST(Exploit, ReachesWhatIsExposedWhenItLands) {
  Scenario s = conversation({"imessage"});
  s.changes = {testing::change(2, "bob", "imessage", false)};
  s.adversaries = {adversary("early", "IL", {power(PowerKind::kExploit, 1, "bob", "imessage")}),
                   adversary("late", "IL", {power(PowerKind::kExploit, 3, "bob", "imessage")})};
  const ProtocolResult r = simulate(s, imessage_model_info());
  EXPECT_EQ(readers(r, 1), (Names{"alice", "bob", "early"}));
  EXPECT_EQ(std::count_if(r.notes.begin(), r.notes.end(),
                          [](const std::string& n) { return n.starts_with("late's exploit via imessage (t=3) found no"); }),
            1);
}

// A French authority reaches Apple, a US provider, only through the US
// courts: its own order (every provider of France) gets nothing, a mutual
// legal assistance request gets what a US warrant gets, and the chain says
// which path it took.
TEST(Compel, AForeignProviderIsReachedThroughTheLegalPathNamed) {
  Scenario s = conversation({"imessage"});
  for (Party& p : s.parties) p.country = "FR";
  s.parties[0].settings.icloud_backup = true;
  Power mlat = power(PowerKind::kCompel, kEndOfScript);
  mlat.providers = {"apple"};
  mlat.path = LegalPath::kMlat;
  s.adversaries = {adversary("fr-gov", "FR", {power(PowerKind::kCompel, kEndOfScript)}),
                   adversary("fr-judge", "FR", {mlat})};
  const ProtocolResult r = simulate(s, imessage_model_info());
  EXPECT_EQ(readers(r, 1), (Names{"alice", "apple", "bob", "fr-judge"}));
  EXPECT_NE(chain(r, 1, "fr-judge").find("handed over by Apple's servers to fr-judge under legal compulsion, through a "
                                         "mutual legal assistance request to the US authorities (at the end)"),
            std::string::npos)
      << chain(r, 1, "fr-judge");
}

}  // namespace
}  // namespace msgsim

namespace msgsim {
namespace {

// The engine finds an exploit's devices from the surface's declaration
// alone, whatever its name: a surface only Android phones run, switched by
// no setting, reaches bob's Android phone and not his iPhone.
TEST(Exploit, ReachesTheDevicesTheSurfaceDeclarationNames) {
  Scenario s = testing::conversation({"signal"});
  s.parties[1] = testing::party("bob", {DeviceKind::kIphone, DeviceKind::kAndroid});
  Power exploit = testing::power(PowerKind::kExploit, 0, "bob");
  exploit.via = AttackSurface{"toy", "Toy Messenger", {DeviceKind::kAndroid}, ""};
  s.adversaries = {testing::adversary("vendor", "US", {exploit})};
  Simulation sim(s, *find_model("signal"), make_seeded_rng(1, "signal"));
  sim.run();
  const ProtocolResult r = sim.close();
  for (int m = 1; m <= 3; ++m) {
    const auto cell = r.find(m, "vendor");
    ASSERT_TRUE(cell && cell->readable) << "message " << m;
    EXPECT_NE(fmt::format("{}", fmt::join(cell->how, "\n")).find("bob's Android phone by vendor's exploit via toy"),
              std::string::npos)
        << fmt::format("{}", fmt::join(cell->how, "\n"));
    EXPECT_EQ(fmt::format("{}", fmt::join(cell->how, "\n")).find("iPhone by vendor"), std::string::npos);
  }
  // Declared to run on iPhones only, the same exploit finds bob's iPhone.
  exploit.via.kinds = {DeviceKind::kIphone};
  s.adversaries = {testing::adversary("vendor", "US", {exploit})};
  Simulation on_iphone(s, *find_model("signal"), make_seeded_rng(1, "signal"));
  on_iphone.run();
  const auto cell = on_iphone.close().find(1, "vendor");
  ASSERT_TRUE(cell && cell->readable);
  EXPECT_NE(fmt::format("{}", fmt::join(cell->how, "\n")).find("bob's iPhone by vendor's exploit via toy"),
            std::string::npos);
}

// A surface switched by a setting is exposed only where that device's
// setting is on: the note names the surface by its declared label.
TEST(Exploit, ASurfaceSwitchedOffEverywhereGetsNothingAndANoteWithItsLabel) {
  Scenario s = testing::conversation({"signal"});
  Power exploit = testing::power(PowerKind::kExploit, 0, "bob");
  exploit.via = AttackSurface{"toy", "Toy Messenger", {DeviceKind::kIphone}, "facetime"};
  s.parties[1].settings.facetime = false;
  s.adversaries = {testing::adversary("vendor", "US", {exploit})};
  Simulation sim(s, *find_model("signal"), make_seeded_rng(1, "signal"));
  sim.run();
  const ProtocolResult r = sim.close();
  EXPECT_EQ(testing::readers(r, 1), (std::vector<std::string>{"alice", "bob"}));
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("Toy Messenger is switched off or absent on every device"), std::string::npos) << r.notes[0];
}

}  // namespace
}  // namespace msgsim
