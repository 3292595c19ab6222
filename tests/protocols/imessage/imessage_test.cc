#include "protocols/imessage/imessage.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "msgsim/engine.h"
#include "protocols/platform/device_storage.h"
#include "tests/support/scenario_builder.h"

namespace msgsim {
namespace {

using testing::adversary;
using testing::conversation;
using testing::power;
using testing::readers;
using testing::simulate;
using Names = std::vector<std::string>;

Scenario with_state(Scenario s) {
  s.adversaries = {adversary("us-gov", "US", {power(PowerKind::kCompel, kEndOfScript)})};
  return s;
}

TEST(IMessage, BothBackupsOffOnlyTheCorrespondentsRead) {
  const ProtocolResult r = simulate(with_state(conversation({"imessage"})), imessage_model_info());
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob"})) << "message " << m;
}

TEST(IMessage, AliceBackupOnLetsAppleAndTheStateRead) {
  Scenario s = with_state(conversation({"imessage"}));
  s.parties[0].settings.icloud_backup = true;
  const ProtocolResult r = simulate(s, imessage_model_info());
  for (int m = 1; m <= 3; ++m)
    EXPECT_EQ(readers(r, m), (Names{"alice", "apple", "bob", "us-gov"})) << "message " << m;
  // The chain names the escrowed key, the backup and the container.
  const auto apple = r.find(1, "apple");
  ASSERT_TRUE(apple.has_value());
  const std::string how = fmt::format("{}", fmt::join(apple->how, "\n"));
  EXPECT_NE(how.find("alice's iCloud Backup service key"), std::string::npos) << how;
  EXPECT_NE(how.find("container key"), std::string::npos) << how;
}

TEST(IMessage, OnlyBobsBackupOnStillExposesAlicesMessages) {
  Scenario s = with_state(conversation({"imessage"}));
  s.parties[1].settings.icloud_backup = true;
  const ProtocolResult r = simulate(s, imessage_model_info());
  EXPECT_EQ(readers(r, 1), (Names{"alice", "apple", "bob", "us-gov"}));
}

TEST(IMessage, BackupWithoutMessagesInIcloudCarriesTheMessagesThemselves) {
  Scenario s = with_state(conversation({"imessage"}));
  s.parties[0].settings.icloud_backup = true;
  s.parties[0].settings.messages_in_icloud = false;
  s.parties[1].settings.messages_in_icloud = false;
  const ProtocolResult r = simulate(s, imessage_model_info());
  EXPECT_EQ(readers(r, 2), (Names{"alice", "apple", "bob", "us-gov"}));
  const std::string how = fmt::format("{}", fmt::join(r.find(2, "apple")->how, "\n"));
  EXPECT_EQ(how.find("container key"), std::string::npos) << how;
}

// iCloud Backup is a switch of each device: Alice's iPhone off, her iPad
// on, and the iPad's backup gives her container key away.
TEST(IMessage, OneDeviceBackingUpIsEnoughToExposeTheAccount) {
  Scenario s = with_state(conversation({"imessage"}));
  s.parties[0] = testing::party("alice", {DeviceKind::kIphone, DeviceKind::kIpad});
  s.parties[0].devices[1].own = {SettingValue{find_setting("icloud_backup"), true, {}, 0}};
  const ProtocolResult r = simulate(s, imessage_model_info());
  EXPECT_EQ(readers(r, 1), (Names{"alice", "apple", "bob", "us-gov"}));
  const std::string how = fmt::format("{}", fmt::join(r.find(1, "apple")->how, "\n"));
  EXPECT_NE(how.find("iCloud Backup of alice's iPad"), std::string::npos) << how;
  // The party's value is only the default: its one device switching it off wins.
  Scenario off = with_state(conversation({"imessage"}));
  off.parties[0].settings.icloud_backup = true;
  off.parties[0].devices[0].own = {SettingValue{find_setting("icloud_backup"), false, {}, 0}};
  EXPECT_EQ(readers(simulate(off, imessage_model_info()), 1), (Names{"alice", "bob"}));
}

TEST(IMessage, EscrowModelForcesBackupOn) {
  const ProtocolResult r = simulate(with_state(conversation({"imessage-icloud"})), imessage_icloud_model_info());
  EXPECT_EQ(readers(r, 3), (Names{"alice", "apple", "bob", "us-gov"}));
}

TEST(IMessage, AForeignStateCannotCompelApple) {
  Scenario s = conversation({"imessage"});
  s.parties[0].settings.icloud_backup = true;
  s.adversaries = {adversary("fr-gov", "FR", {power(PowerKind::kCompel, kEndOfScript)})};
  const ProtocolResult r = simulate(s, imessage_model_info());
  EXPECT_EQ(readers(r, 1), (Names{"alice", "apple", "bob"}));
}

// The proof of "computed, not declared": take the container key out of
// alice's backup and nothing but that changes: Apple and the state lose
// exactly the messages that key opened.
TEST(IMessage, RemovingTheContainerKeyFromTheBackupRemovesAppleAndTheState) {
  Scenario s = with_state(conversation({"imessage"}));
  s.parties[0].settings.icloud_backup = true;
  Simulation sim(s, imessage_model_info(), make_seeded_rng(7, "imessage"));
  sim.run();
  const ProtocolResult before = sim.close();
  ASSERT_EQ(readers(before, 1), (Names{"alice", "apple", "bob", "us-gov"}));
  const std::size_t removed = sim.erase_evidence([](const Artifact& a) {
    return a.type == platform::DeviceStorage::kBackupFile && a.label.find("container key") != std::string::npos;
  });
  EXPECT_GT(removed, 0u);
  const ProtocolResult after = sim.close();
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(after, m), (Names{"alice", "bob"})) << "message " << m;
}

TEST(IMessage, SeizureGivesWhatThePhoneHeldThenNothingAfter) {
  Scenario s = conversation({"imessage"});
  s.adversaries = {adversary("police", "US", {power(PowerKind::kSeize, 2, "bob")})};
  const ProtocolResult r = simulate(s, imessage_model_info());
  EXPECT_EQ(readers(r, 1), (Names{"alice", "bob", "police"}));
  EXPECT_EQ(readers(r, 2), (Names{"alice", "bob", "police"}));
  EXPECT_EQ(readers(r, 3), (Names{"alice", "bob"}));
}

TEST(IMessage, TapSeesOnlyTransportEncryptedBytes) {
  Scenario s = conversation({"imessage"});
  s.adversaries = {adversary("nsa", "US", {power(PowerKind::kTap, 0), power(PowerKind::kIntercept, 0)})};
  const ProtocolResult r = simulate(s, imessage_model_info());
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob"}));
}

TEST(IMessage, ExploitReadsBeforeAndAfterUnlessIMessageAndFaceTimeAreOff) {
  Scenario s = conversation({"imessage"});
  s.adversaries = {adversary("nso", "IL", {power(PowerKind::kExploit, 2, "bob", "imessage")})};
  ProtocolResult r = simulate(s, imessage_model_info());
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob", "nso"}));

  s.adversaries = {adversary("nso", "IL", {power(PowerKind::kExploit, 2, "bob", "facetime")})};
  s.parties[1].settings.facetime = false;
  r = simulate(s, imessage_model_info());
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob"}));
  ASSERT_FALSE(r.notes.empty());
}

TEST(IMessage, SameSeedSameResultsAndChains) {
  const Scenario s = with_state(conversation({"imessage-icloud"}));
  const ProtocolResult a = simulate(s, imessage_icloud_model_info());
  const ProtocolResult b = simulate(s, imessage_icloud_model_info());
  ASSERT_EQ(a.readings().size(), b.readings().size());
  for (std::size_t i = 0; i < a.readings().size(); ++i) {
    EXPECT_EQ(a.readings()[i].readable, b.readings()[i].readable);
    EXPECT_EQ(a.readings()[i].how, b.readings()[i].how);
  }
}

}  // namespace
}  // namespace msgsim
