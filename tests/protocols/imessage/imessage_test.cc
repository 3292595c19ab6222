// The iMessage models run by the real engine. First what today's imessage
// (PQ3) and imessage-classic share (iCloud Backup, Messages in iCloud, the
// providers' view), for both; then what PQ3's ratchet and Secure Enclave
// change, against classic.
#include "protocols/imessage/imessage.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <set>

#include "msgsim/engine.h"
#include "protocols/imessage/pq3.h"
#include "protocols/platform/codec.h"
#include "protocols/platform/device_storage.h"
#include "tests/protocols/model_docs.h"
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

// ---- What both designs share -------------------------------------------

class BothIMessages : public ::testing::TestWithParam<const ModelInfo*> {
 protected:
  const ModelInfo& model() const { return *GetParam(); }
  Scenario talk() const { return conversation({std::string(model().name)}); }
  ProtocolResult run(const Scenario& s) const { return simulate(s, model()); }
};

INSTANTIATE_TEST_SUITE_P(Models, BothIMessages,
                         ::testing::Values(&imessage_model_info(), &imessage_classic_model_info()),
                         testing::model_param_name);

TEST_P(BothIMessages, BothBackupsOffOnlyTheCorrespondentsRead) {
  const ProtocolResult r = run(with_state(talk()));
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob"})) << "message " << m;
}

TEST_P(BothIMessages, AliceBackupOnLetsAppleAndTheStateRead) {
  Scenario s = with_state(talk());
  s.parties[0].settings.icloud_backup = true;
  const ProtocolResult r = run(s);
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "apple", "bob", "us-gov"})) << "message " << m;
  // The chain names the escrowed key, the backup and the container.
  const auto apple = r.find(1, "apple");
  ASSERT_TRUE(apple.has_value());
  const std::string how = fmt::format("{}", fmt::join(apple->how, "\n"));
  EXPECT_NE(how.find("alice's iCloud Backup service key"), std::string::npos) << how;
  EXPECT_NE(how.find("container key"), std::string::npos) << how;
}

TEST_P(BothIMessages, OnlyBobsBackupOnStillExposesAlicesMessages) {
  Scenario s = with_state(talk());
  s.parties[1].settings.icloud_backup = true;
  EXPECT_EQ(readers(run(s), 1), (Names{"alice", "apple", "bob", "us-gov"}));
}

TEST_P(BothIMessages, BackupWithoutMessagesInIcloudCarriesTheMessagesThemselves) {
  Scenario s = with_state(talk());
  s.parties[0].settings.icloud_backup = true;
  s.parties[0].settings.messages_in_icloud = false;
  s.parties[1].settings.messages_in_icloud = false;
  const ProtocolResult r = run(s);
  EXPECT_EQ(readers(r, 2), (Names{"alice", "apple", "bob", "us-gov"}));
  const std::string how = fmt::format("{}", fmt::join(r.find(2, "apple")->how, "\n"));
  EXPECT_EQ(how.find("container key"), std::string::npos) << how;
}

// iCloud Backup is a switch of each device: Alice's iPhone off, her iPad
// on, and the iPad's backup gives her container key away.
TEST_P(BothIMessages, OneDeviceBackingUpIsEnoughToExposeTheAccount) {
  Scenario s = with_state(talk());
  s.parties[0] = testing::party("alice", {DeviceKind::kIphone, DeviceKind::kIpad});
  s.parties[0].devices[1].own = {SettingValue{find_setting("icloud_backup"), true, {}, 0}};
  const ProtocolResult r = run(s);
  EXPECT_EQ(readers(r, 1), (Names{"alice", "apple", "bob", "us-gov"}));
  const std::string how = fmt::format("{}", fmt::join(r.find(1, "apple")->how, "\n"));
  EXPECT_NE(how.find("iCloud Backup of alice's iPad"), std::string::npos) << how;
  // The party's value is only the default: its one device switching it off wins.
  Scenario off = with_state(talk());
  off.parties[0].settings.icloud_backup = true;
  off.parties[0].devices[0].own = {SettingValue{find_setting("icloud_backup"), false, {}, 0}};
  EXPECT_EQ(readers(run(off), 1), (Names{"alice", "bob"}));
}

TEST_P(BothIMessages, AForeignStateCannotCompelApple) {
  Scenario s = talk();
  s.parties[0].settings.icloud_backup = true;
  s.adversaries = {adversary("fr-gov", "FR", {power(PowerKind::kCompel, kEndOfScript)})};
  EXPECT_EQ(readers(run(s), 1), (Names{"alice", "apple", "bob"}));
}

// The proof of "computed, not declared": take the container key out of
// alice's backup and nothing but that changes: Apple and the state lose
// exactly the messages that key opened.
TEST_P(BothIMessages, RemovingTheContainerKeyFromTheBackupRemovesAppleAndTheState) {
  Scenario s = with_state(talk());
  s.parties[0].settings.icloud_backup = true;
  Simulation sim(s, model(), make_seeded_rng(7, model().name));
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

TEST_P(BothIMessages, SeizureGivesWhatThePhoneHeldThenNothingAfter) {
  Scenario s = talk();
  s.adversaries = {adversary("police", "US", {power(PowerKind::kSeize, 2, "bob")})};
  const ProtocolResult r = run(s);
  EXPECT_EQ(readers(r, 1), (Names{"alice", "bob", "police"}));
  EXPECT_EQ(readers(r, 2), (Names{"alice", "bob", "police"}));
  EXPECT_EQ(readers(r, 3), (Names{"alice", "bob"}));
}

TEST_P(BothIMessages, TapAndInterceptSeeOnlyCiphertext) {
  Scenario s = talk();
  s.adversaries = {adversary("nsa", "US", {power(PowerKind::kTap, 0), power(PowerKind::kIntercept, 0)})};
  const ProtocolResult r = run(s);
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob"}));
}

TEST_P(BothIMessages, ExploitReadsBeforeAndAfterUnlessIMessageAndFaceTimeAreOff) {
  Scenario s = talk();
  s.adversaries = {adversary("nso", "IL", {power(PowerKind::kExploit, 2, "bob", "imessage")})};
  ProtocolResult r = run(s);
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob", "nso"}));

  s.adversaries = {adversary("nso", "IL", {power(PowerKind::kExploit, 2, "bob", "facetime")})};
  s.parties[1].settings.facetime = false;
  r = run(s);
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob"}));
  ASSERT_FALSE(r.notes.empty());
}

// ---- SMS fallback (docs/sources.md §4) ------------------------------------

std::vector<Delivery> deliveries_of(const ProtocolResult& r) { return r.deliveries; }

// bob turned iMessage off: alice's iPhone cannot deliver an iMessage, and
// with "Send as SMS" on (the default) it texts him; bob's phone, with no
// iMessage, texts back. The carrier relays and keeps every text; nobody at
// Apple reads (no backup).
TEST_P(BothIMessages, IMessageOffOnOneSideSendsTheConversationAsSms) {
  Scenario s = talk();
  s.parties[1].settings.imessage = false;
  const ProtocolResult r = run(s);
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob", "carrier"})) << "message " << m;
  EXPECT_EQ(deliveries_of(r), (std::vector<Delivery>{{1, "bob", "SMS"}, {2, "alice", "SMS"}, {3, "bob", "SMS"}}));
  const auto carrier = r.find(1, "carrier");
  ASSERT_TRUE(carrier && carrier->readable);
  EXPECT_NE(fmt::format("{}", fmt::join(carrier->how, "\n")).find("SMS of message 1"), std::string::npos);
}

// With "Send as SMS" off on alice's iPhone, her messages to bob (iMessage
// off) are not delivered at all: he reads nothing of them, the carrier
// nothing either. bob's own texts still reach her.
TEST_P(BothIMessages, SendAsSmsOffLeavesTheMessageUndelivered) {
  Scenario s = talk();
  s.parties[1].settings.imessage = false;
  s.parties[0].settings.sms_fallback = false;
  const ProtocolResult r = run(s);
  EXPECT_EQ(readers(r, 1), (Names{"alice"}));
  EXPECT_EQ(readers(r, 2), (Names{"alice", "bob", "carrier"}));
  EXPECT_EQ(readers(r, 3), (Names{"alice"}));
  EXPECT_EQ(deliveries_of(r), (std::vector<Delivery>{{1, "bob", ""}, {2, "alice", "SMS"}, {3, "bob", ""}}));
  EXPECT_NE(fmt::format("{}", fmt::join(r.notes, "\n")).find("\"Send as SMS\" is off"), std::string::npos);
}

// An Android friend does not use iMessage: the Messages app texts her
// whatever "Send as SMS" says. A tap in the carrier's country reads the
// texts on the wire; a state that compels the carrier gets its copies.
TEST_P(BothIMessages, AnAndroidFriendGetsSmsThatTheCarrierAndATapRead) {
  Scenario s = talk();
  s.parties[1].devices = {DeviceKind::kAndroid};
  s.parties[0].settings.sms_fallback = false;
  s.adversaries = {adversary("us-gov", "US", {power(PowerKind::kCompel, kEndOfScript)}),
                   adversary("nsa", "US", {power(PowerKind::kTap, 0)})};
  const ProtocolResult r = run(s);
  for (int m = 1; m <= 3; ++m)
    EXPECT_EQ(readers(r, m), (Names{"alice", "bob", "carrier", "nsa", "us-gov"})) << "message " << m;
  EXPECT_EQ(deliveries_of(r).size(), 3u);
}

// The texts are in alice's Messages history like her iMessages: with iCloud
// Backup on, the Messages in iCloud container key rides in the backup, and
// Apple opens the SMS synced to the container (docs/sources.md §1.4).
TEST_P(BothIMessages, SmsIsInTheSendersICloudLikeAnyMessage) {
  Scenario s = with_state(talk());
  s.parties[1].devices = {DeviceKind::kAndroid};
  const ProtocolResult off = run(s);
  EXPECT_EQ(readers(off, 2), (Names{"alice", "bob", "carrier", "us-gov"}));
  s.parties[0].settings.icloud_backup = true;
  const ProtocolResult on = run(s);
  EXPECT_EQ(readers(on, 2), (Names{"alice", "apple", "bob", "carrier", "us-gov"}));
  const auto apple = on.find(2, "apple");
  ASSERT_TRUE(apple && apple->readable);
  EXPECT_NE(fmt::format("{}", fmt::join(apple->how, "\n")).find("container key"), std::string::npos);
}

// No phone, no SMS: bob has only a Mac, with iMessage off.
TEST_P(BothIMessages, ARecipientWithNoPhoneAndNoIMessageGetsNothing) {
  Scenario s = talk();
  s.parties[1].devices = {DeviceKind::kMac};
  s.parties[1].settings.imessage = false;
  const ProtocolResult r = run(s);
  EXPECT_EQ(readers(r, 1), (Names{"alice"}));
  EXPECT_EQ(readers(r, 2), Names{});
  EXPECT_EQ(deliveries_of(r), (std::vector<Delivery>{{1, "bob", ""}, {2, "alice", ""}, {3, "bob", ""}}));
}

// Advanced Data Protection (docs/sources.md §1.5): Apple deletes its copy of
// the account's iCloud Backup key, so the backup, and the container key in
// it, is out of its reach. It protects its owner's copies only: with ADP on
// one side, the other side's backup still opens the conversation.
TEST_P(BothIMessages, AdvancedDataProtectionProtectsItsOwnersBackupOnly) {
  Scenario s = with_state(talk());
  for (Party& p : s.parties) p.settings.icloud_backup = true;
  s.parties[0].settings.advanced_data_protection = true;  // alice
  const ProtocolResult one_side = run(s);
  for (int m = 1; m <= 3; ++m) {
    EXPECT_EQ(readers(one_side, m), (Names{"alice", "apple", "bob", "us-gov"})) << m;
    const auto cell = one_side.find(m, "apple");
    ASSERT_TRUE(cell && cell->readable);
    const std::string chain = fmt::format("{}", fmt::join(cell->how, "\n"));
    EXPECT_NE(chain.find("bob's iCloud Backup service key"), std::string::npos) << chain;
    EXPECT_EQ(chain.find("alice's iCloud Backup service key"), std::string::npos) << chain;
  }
  s.parties[1].settings.advanced_data_protection = true;  // and bob
  const ProtocolResult both = run(s);
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(both, m), (Names{"alice", "bob"})) << m;
}

TEST(IMessageIcloud, AdvancedDataProtectionOnBothSidesLeavesAppleNothing) {
  Scenario s = with_state(conversation({"imessage-icloud"}));
  for (Party& p : s.parties) p.settings.advanced_data_protection = true;
  const ProtocolResult r = simulate(s, imessage_icloud_model_info());
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob"})) << m;
}

// ---- Settings that change ([[change]]) --------------------------------------

using testing::change;

// alice and bob write in turns, at t=1..8.
Scenario eight_messages(const std::string& protocol) {
  Scenario s = with_state(conversation({protocol}));
  s.messages.clear();
  for (int id = 1; id <= 8; ++id)
    s.messages.push_back(testing::message(id, id, id % 2 ? "alice" : "bob", id % 2 ? "bob" : "alice",
                                          fmt::format("message {}", id)));
  return s;
}

// iCloud Backup switched off at t=5 rolls the Messages in iCloud container
// key: what was written before stays readable through the old backup (it
// carries the old key), what is written after is not (docs/sources.md §1.4).
TEST_P(BothIMessages, BackupSwitchedOffRollsTheContainerKeyOlderMessagesStayExposed) {
  Scenario s = eight_messages(std::string(model().name));
  s.parties[0].settings.icloud_backup = true;  // alice; bob never backs up
  s.changes = {change(5, "alice", "icloud_backup", false)};
  const ProtocolResult r = run(s);
  for (int m = 1; m <= 5; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "apple", "bob", "us-gov"})) << m;
  for (int m = 6; m <= 8; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob"})) << m;
  // And switched on again at t=7: the new key is in the next backup.
  s.changes.push_back(change(7, "alice", "icloud_backup", true));
  const ProtocolResult again = run(s);
  for (int m = 1; m <= 8; ++m) EXPECT_EQ(readers(again, m), (Names{"alice", "apple", "bob", "us-gov"})) << m;
}

// The forgotten iPad (lesson 12) remembered at t=4: bob switches its own
// iCloud Backup off ([[change]] with device = 2). His account backs up no
// more, the container key is rolled, and what follows is out of Apple's reach.
TEST_P(BothIMessages, OneDevicesBackupSwitchedOffByItsOwnChange) {
  Scenario s = eight_messages(std::string(model().name));
  s.parties[1].devices = {DeviceKind::kIphone, DeviceKind::kIpad};
  s.parties[1].devices[1].own = {SettingValue{find_setting("icloud_backup"), true, {}, 0}};
  s.changes = {change(4, "bob", "icloud_backup", false, 1)};
  const ProtocolResult r = run(s);
  for (int m = 1; m <= 4; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "apple", "bob", "us-gov"})) << m;
  for (int m = 5; m <= 8; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob"})) << m;
  // The same change on the party leaves the iPad's own value, and Apple reads on.
  s.changes = {change(4, "bob", "icloud_backup", false)};
  const ProtocolResult party_level = run(s);
  for (int m = 1; m <= 8; ++m) EXPECT_EQ(readers(party_level, m), (Names{"alice", "apple", "bob", "us-gov"})) << m;
}

// Switched on late, the first backup carries what the device already holds
// (the container key, so every message in the container).
TEST_P(BothIMessages, BackupSwitchedOnLateCarriesWhatWasThereBefore) {
  Scenario s = eight_messages(std::string(model().name));
  s.changes = {change(6, "bob", "icloud_backup", true)};
  const ProtocolResult r = run(s);
  for (int m = 1; m <= 8; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "apple", "bob", "us-gov"})) << m;
  s.parties[1].settings.messages_in_icloud = false;  // the history itself, from the device's files
  const ProtocolResult files = run(s);
  for (int m = 1; m <= 8; ++m) EXPECT_EQ(readers(files, m), (Names{"alice", "apple", "bob", "us-gov"})) << m;
  const auto apple = files.find(1, "apple");
  ASSERT_TRUE(apple && apple->readable);
  EXPECT_NE(fmt::format("{}", fmt::join(apple->how, "\n")).find("iCloud Backup of bob's iPhone"), std::string::npos);
}

// Advanced Data Protection turned on at t=4: Apple deletes its copy of the
// backup key, so a state that compels Apple afterwards gets nothing it can
// open; one that compelled before, at t=3, got the key. Apple itself held
// the key until t=4, and so could read.
TEST_P(BothIMessages, AdvancedDataProtectionTurnedOnLateProtectsFromLaterCompulsionOnly) {
  Scenario s = eight_messages(std::string(model().name));
  s.parties[0].settings.icloud_backup = true;
  s.changes = {change(4, "alice", "advanced_data_protection", true)};
  s.adversaries.push_back(adversary("early", "US", {power(PowerKind::kCompel, 3)}));
  const ProtocolResult r = run(s);
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "apple", "bob", "early"})) << m;
  for (int m = 4; m <= 8; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "apple", "bob"})) << m;
}

// iMessage switched off on bob's iPhone at t=3: he leaves IDS, and from
// then on the conversation goes as SMS, through the carrier.
TEST_P(BothIMessages, IMessageSwitchedOffMidConversationSendsTheRestAsSms) {
  Scenario s = eight_messages(std::string(model().name));
  s.changes = {change(3, "bob", "imessage", false)};
  const ProtocolResult r = run(s);
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob"})) << m;
  for (int m = 4; m <= 8; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob", "carrier", "us-gov"})) << m;
  EXPECT_EQ(r.deliveries.size(), 5u);
  EXPECT_EQ(r.deliveries.front(), (Delivery{4, "alice", "SMS"}));
  // Back on at t=6: fresh keys in IDS, iMessage again from message 7.
  s.changes.push_back(change(6, "bob", "imessage", true));
  const ProtocolResult back = run(s);
  for (int m = 7; m <= 8; ++m) EXPECT_EQ(readers(back, m), (Names{"alice", "bob"})) << m;
  EXPECT_EQ(back.deliveries.size(), 3u);
}

// A device that had iMessage off from the start registers when it is
// switched on, with keys of its own, and iMessage carries what follows.
TEST_P(BothIMessages, IMessageSwitchedOnLateRegistersTheDevice) {
  Scenario s = eight_messages(std::string(model().name));
  s.parties[1].settings.imessage = false;
  s.changes = {change(4, "bob", "imessage", true)};
  const ProtocolResult r = run(s);
  for (int m = 1; m <= 4; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob", "carrier", "us-gov"})) << m;
  for (int m = 5; m <= 8; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob"})) << m;
  EXPECT_EQ(r.deliveries.size(), 4u);
}

// Messages in iCloud switched off at t=4: the history is in iCloud Backup
// again, the messages before the change included.
TEST_P(BothIMessages, MessagesInICloudSwitchedOffPutsTheHistoryBackInTheBackup) {
  Scenario s = eight_messages(std::string(model().name));
  s.parties[0].settings.icloud_backup = true;
  s.changes = {change(2, "alice", "messages_in_icloud", false)};
  const ProtocolResult r = run(s);
  for (int m = 1; m <= 8; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "apple", "bob", "us-gov"})) << m;
  const auto later = r.find(6, "apple");
  ASSERT_TRUE(later && later->readable);
  EXPECT_NE(fmt::format("{}", fmt::join(later->how, "\n")).find("iCloud Backup of alice's iPhone"), std::string::npos);
  // Message 1, written while the container held the history, is in the
  // backup too: without the container's records Apple still reads it.
  Simulation sim(s, model(), make_seeded_rng(*s.seed, model().name));
  sim.run();
  EXPECT_GT(sim.erase_evidence([](const Artifact& a) { return a.type == "imessage.cloudkit-record"; }), 0u);
  const ProtocolResult without_records = sim.close();
  EXPECT_EQ(readers(without_records, 1), (Names{"alice", "apple", "bob", "us-gov"}));
}

TEST(IMessageIcloud, EscrowModelForcesBackupOn) {
  const ProtocolResult r = simulate(with_state(conversation({"imessage-icloud"})), imessage_icloud_model_info());
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "apple", "bob", "us-gov"})) << m;
}

TEST(IMessageIcloud, SameSeedSameResultsAndChains) {
  const Scenario s = with_state(conversation({"imessage-icloud"}));
  const ProtocolResult a = simulate(s, imessage_icloud_model_info());
  const ProtocolResult b = simulate(s, imessage_icloud_model_info());
  ASSERT_EQ(a.readings().size(), b.readings().size());
  for (std::size_t i = 0; i < a.readings().size(); ++i) {
    EXPECT_EQ(a.readings()[i].readable, b.readings()[i].readable);
    EXPECT_EQ(a.readings()[i].how, b.readings()[i].how);
  }
}

// ---- What PQ3 changes ---------------------------------------------------

// alice and bob (one iPhone each), iCloud Backup off and Messages in iCloud
// off for both, so that the protocol alone is shown. `senders`: who writes
// message i (at t=i); each to the other.
Scenario protocol_only(std::string_view model, const std::string& senders) {
  Scenario s = conversation({std::string(model)});
  s.messages.clear();
  for (std::size_t i = 0; i < senders.size(); ++i) {
    const bool alice = senders[i] == 'a';
    const int id = static_cast<int>(i) + 1;
    s.messages.push_back(
        testing::message(id, id, alice ? "alice" : "bob", alice ? "bob" : "alice", fmt::format("message {}", id)));
  }
  for (Party& p : s.parties) {
    p.settings.icloud_backup = false;
    p.settings.messages_in_icloud = false;
  }
  return s;
}

// The messages `actor` reads.
std::set<int> reads(const ProtocolResult& r, const std::string& actor) {
  std::set<int> out;
  for (const Reading& x : r.readings())
    if (x.actor == actor && x.readable) out.insert(x.message);
  return out;
}

bool is_history_file(const Artifact& a) {
  return a.type == platform::DeviceStorage::kDeviceFile && a.label.find("the text of message") != std::string::npos;
}

// The scenario: Bob's phone seized at t=2, then a US state copies
// iMessage traffic at Apple from t=3. Messages: 1 alice, 2 bob (before the
// seizure), 3 alice, 4 bob, 5 alice, 6 alice.
Scenario seized_then_intercepted(std::string_view model) {
  Scenario s = protocol_only(model, "ababaa");
  s.adversaries = {adversary("us-gov", "US", {power(PowerKind::kSeize, 2, "bob"), power(PowerKind::kIntercept, 3)})};
  return s;
}

TEST(IMessagePq3, SeizureThenInterceptReadsOnlyUntilTheNextEcdhStep) {
  // Bob's phone holds messages 1 and 2 (history), and the session's state
  // after his reply: his root key and his ratchet private key b1. Alice's
  // message 3 starts her next chain on b1: the seized keys open its header,
  // so message 3 is read. Bob's message 4 starts a chain on a fresh ratchet
  // key b2 the adversary never saw, combined with Alice's a2 (her private
  // key, on her phone): the thread is lost, and messages 5 and 6 (Alice's
  // next chain, on b2) stay closed: post-compromise healing.
  const ProtocolResult r = simulate(seized_then_intercepted("imessage"), imessage_model_info());
  EXPECT_EQ(reads(r, "us-gov"), (std::set<int>{1, 2, 3}));
  EXPECT_EQ(reads(r, "alice"), (std::set<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(reads(r, "bob"), (std::set<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_TRUE(reads(r, "apple").empty());
  EXPECT_TRUE(r.notes.empty()) << r.notes.front();
  const std::string how = fmt::format("{}", fmt::join(r.find(3, "us-gov")->how, "\n"));
  EXPECT_NE(how.find("bob's iPhone ratchet private key"), std::string::npos) << how;
  EXPECT_NE(how.find("ratchet header of chain 3"), std::string::npos) << how;
}

TEST(IMessageClassic, SeizureThenInterceptReadsEveryLaterMessageToTheSeizedPhone) {
  // The same scenario before 2019: Bob's long-term device key opens every
  // copy sealed to his iPhone, for ever (3, 5 and 6). Bob's own messages went
  // to Alice's device key only (he has no other device), so 4 stays closed.
  const ProtocolResult r = simulate(seized_then_intercepted("imessage-classic"), imessage_classic_model_info());
  EXPECT_EQ(reads(r, "us-gov"), (std::set<int>{1, 2, 3, 5, 6}));
  const std::string how = fmt::format("{}", fmt::join(r.find(6, "us-gov")->how, "\n"));
  EXPECT_NE(how.find("bob's iPhone's iMessage encryption key"), std::string::npos) << how;
}

TEST(IMessagePq3, WithMessagesInIcloudTheSeizedContainerKeyOpensLaterMessagesAnyway) {
  // The ratchet protects the copies in transit, not the CloudKit records:
  // the container key on the seized phone opens every later record of Bob's
  // account that the intercept copies as it is uploaded.
  Scenario s = seized_then_intercepted("imessage");
  for (Party& p : s.parties) p.settings.messages_in_icloud = true;
  const ProtocolResult r = simulate(s, imessage_model_info());
  EXPECT_EQ(reads(r, "us-gov"), (std::set<int>{1, 2, 3, 4, 5, 6}));
  const std::string how = fmt::format("{}", fmt::join(r.find(6, "us-gov")->how, "\n"));
  EXPECT_NE(how.find("bob's Messages in iCloud container key"), std::string::npos) << how;
}

TEST(IMessagePq3, KeysOfEarlierMessagesAreGoneButClassicDeviceKeysOpenThePast) {
  // Traffic copied from the start, the phone seized at the end, its history
  // left out: what the keys alone open. PQ3: nothing before the last ECDH
  // step (forward secrecy); classic: every message sealed to Bob's iPhone.
  for (const ModelInfo* m : {&imessage_model_info(), &imessage_classic_model_info()}) {
    Scenario s = protocol_only(m->name, "ababa");
    s.adversaries = {adversary("us-gov", "US", {power(PowerKind::kIntercept, 0), power(PowerKind::kSeize, 5, "bob")})};
    Simulation sim(s, *m, make_seeded_rng(7, m->name));
    sim.run();
    EXPECT_GT(sim.erase_evidence(is_history_file), 0u);
    const ProtocolResult r = sim.close();
    if (m == &imessage_model_info())
      EXPECT_TRUE(reads(r, "us-gov").empty()) << "imessage";
    else
      EXPECT_EQ(reads(r, "us-gov"), (std::set<int>{1, 3, 5})) << "imessage-classic";
  }
}

TEST(IMessagePq3, AnExploitReadsWhatTheDeviceDecryptsWhileItRunsThenTheConversationHeals) {
  // Alternating messages 1..8; spyware on Bob's iPhone from t=2 to t=4, and
  // the same adversary copies traffic at Apple. While it runs it gets the
  // message keys Bob's phone uses (2, 3, 4) and every state it stores: after
  // t=4 it still holds Bob's ratchet private key b2 and the root key, which
  // open Alice's next chain (5). Bob's reply at t=6 comes from a ratchet key
  // made after the exploit ended: 6, 7 and 8 stay closed.
  Scenario s = protocol_only("imessage", "abababab");
  Power exploit = power(PowerKind::kExploit, 2, "bob", "imessage");
  exploit.until = 4;
  s.adversaries = {adversary("spy", "US", {exploit, power(PowerKind::kIntercept, 0)})};
  ProtocolResult r = simulate(s, imessage_model_info());
  EXPECT_EQ(reads(r, "spy"), (std::set<int>{1, 2, 3, 4, 5}));

  // Without the history files: what the exploit got from the decryption
  // itself (2 from Bob's sending key at t=2, 3 and 4 while it ran, 5 from
  // the stored state); message 1's key was used and wiped before t=2.
  Simulation sim(s, imessage_model_info(), make_seeded_rng(*s.seed, "imessage"));
  sim.run();
  EXPECT_GT(sim.erase_evidence(is_history_file), 0u);
  EXPECT_EQ(reads(sim.close(), "spy"), (std::set<int>{2, 3, 4, 5}));

  // Without the intercept the exploit sees only the copies Bob's phone
  // sends and receives while it runs.
  s.adversaries = {adversary("spy", "US", {exploit})};
  EXPECT_EQ(reads(simulate(s, imessage_model_info()), "spy"), (std::set<int>{1, 2, 3, 4}));
}

TEST(IMessagePq3, RemovingTheSeizedChainKeyRemovesExactlyTheMessagesItOpened) {
  // Alice writes three messages in a row (one chain); Bob's phone, seized
  // after the first, holds his receiving chain key at n=1, and the state
  // copies the traffic from t=2. That key derives messages 2 and 3.
  Scenario s = protocol_only("imessage", "aaa");
  s.adversaries = {adversary("us-gov", "US", {power(PowerKind::kSeize, 1, "bob"), power(PowerKind::kIntercept, 2)})};
  Simulation sim(s, imessage_model_info(), make_seeded_rng(7, "imessage"));
  sim.run();
  const ProtocolResult before = sim.close();
  EXPECT_EQ(reads(before, "us-gov"), (std::set<int>{1, 2, 3}));
  const std::size_t removed = sim.erase_evidence([](const Artifact& a) {
    return a.type == platform::DeviceStorage::kDeviceFile &&
           a.label.find("receiving chain key, chain 1, n=1") != std::string::npos;
  });
  EXPECT_GT(removed, 0u);
  const ProtocolResult after = sim.close();
  EXPECT_EQ(reads(after, "us-gov"), (std::set<int>{1}));
  // Nobody else's readings change.
  for (const char* actor : {"alice", "bob", "apple"}) EXPECT_EQ(reads(after, actor), reads(before, actor)) << actor;
}

// Every key in the evidence, and every key inside every device file and
// backup file (opened with the data-protection and backup keys that are in
// the evidence too).
std::vector<ArtifactPtr> every_key(Simulation& sim) {
  std::vector<ArtifactPtr> keys, files;
  sim.erase_evidence([&](const Artifact& a) {
    if (a.kind == ArtifactKind::kKey)
      keys.push_back(make_key(a.type, a.label, a.key_id, a.secret.clone(), a.data));
    else if (a.kind == ArtifactKind::kSealed)
      files.push_back(make_sealed(a.type, a.label, a.needs, a.data));
    return false;  // a visit: keep everything
  });
  for (const auto& f : files) {
    if (f->type != platform::DeviceStorage::kDeviceFile && f->type != platform::DeviceStorage::kBackupFile) continue;
    for (std::size_t i = 0; i < keys.size(); ++i) {  // grows as files open
      const Artifact* key = keys[i].get();
      const auto opened = platform::open_aead_envelope(*f, std::span<const Artifact* const>(&key, 1));
      for (const auto& o : opened)
        if (o->kind == ArtifactKind::kKey) keys.push_back(o);
    }
  }
  return keys;
}

TEST(IMessagePq3, SecureEnclaveKeysAreInNoEvidence) {
  // Everything an adversary could take: Bob's phone seized, Alice's phone
  // exploited throughout, both backups on, Apple compelled and intercepted.
  Scenario s = protocol_only("imessage", "ababab");
  s.parties[0].devices = {DeviceKind::kIphone, DeviceKind::kMac};
  for (Party& p : s.parties) p.settings.icloud_backup = true;
  s.adversaries = {adversary("us-gov", "US",
                             {power(PowerKind::kSeize, 3, "bob"), power(PowerKind::kExploit, 1, "alice", "imessage"),
                              power(PowerKind::kIntercept, 0), power(PowerKind::kCompel, kEndOfScript)})};
  Simulation sim(s, imessage_model_info(), make_seeded_rng(7, "imessage"));
  sim.run();
  // The public halves, as IDS publishes them.
  std::set<std::string> prekeys, auth_keys;  // hex
  const std::vector<ArtifactPtr> keys = every_key(sim);
  for (const auto& k : keys) {
    if (k->type != imessage::Pq3Agreement::kRegistrationType) continue;
    Reader r(k->data);
    auto auth = r.framed();
    auto prekey = r.framed();
    ASSERT_TRUE(auth && prekey);
    auth_keys.insert(hex(*auth));
    prekeys.insert(hex(*prekey));
  }
  ASSERT_EQ(prekeys.size(), 3u);  // alice's iPhone and Mac, bob's iPhone
  std::size_t secrets = 0;
  for (const auto& k : keys) {
    EXPECT_NE(k->type, imessage::Pq3Agreement::kPreKeyType) << k->label;
    if (k->secret.size() == crypto::kKeySize) {
      ++secrets;
      // No X25519 private key in the evidence is a pre-key's.
      EXPECT_EQ(prekeys.count(hex(crypto::dh_public(k->secret))), 0u) << k->label;
    }
    // No Ed25519 secret (libsodium's: seed || public key) is an authentication key's.
    if (k->secret.size() == 64) {
      EXPECT_EQ(auth_keys.count(hex(k->secret.view().subspan(32))), 0u) << k->label;
    }
  }
  EXPECT_GT(secrets, 20u);  // the check saw the ratchet state, data-protection and backup keys
}

// Pq3Agreement alone, on a real world: every Apple device registered, and
// for each message the signature a device adds checked as a receiving
// device checks it.
class SignatureProbe final : public Model {
 public:
  static std::vector<bool>& results() {
    static std::vector<bool> r;
    return r;
  }
  void register_openers(OpenerRegistry& registry) const override { imessage::Pq3Agreement::register_openers(registry); }
  void provision(Context& ctx) override {
    for (const Party& p : ctx.scenario().parties)
      for (NodeId d : ctx.world().devices_of(p.name)) agreement_.register_device(ctx, d);
  }
  void send(Context& ctx, const Message& m) override {
    const NodeId from = ctx.world().devices_of(m.from).front();
    const NodeId other = ctx.world().devices_of(m.to.front()).front();
    Bytes copy = to_bytes(m.text);
    agreement_.authenticate(from, copy);
    results().push_back(agreement_.authentic(from, copy));   // as sent
    results().push_back(agreement_.authentic(other, copy));  // claimed by another device
    copy.front() ^= 0x01;
    results().push_back(agreement_.authentic(from, copy));  // altered on the way
  }
  void settings_changed(Context&, const SettingsChange&) override {}

 private:
  imessage::Pq3Agreement agreement_;
};

TEST(IMessagePq3, TheReceivingDeviceRefusesACopyNotSignedByTheSendersRegisteredKey) {
  static const ModelInfo probe = [] {
    ModelInfo row = imessage_model_info();
    row.make = [] { return std::unique_ptr<Model>(new SignatureProbe); };
    return row;
  }();
  SignatureProbe::results().clear();
  simulate(conversation({"imessage"}), probe);
  EXPECT_EQ(SignatureProbe::results(), (std::vector<bool>{true, false, false, true, false, false, true, false, false}));
}

TEST(IMessageModels, DocsCarryTheDetailsText) {
  for (const ModelInfo* m : {&imessage_model_info(), &imessage_icloud_model_info(), &imessage_classic_model_info()})
    testing::expect_doc_carries_details(*m);
}

}  // namespace
}  // namespace msgsim
