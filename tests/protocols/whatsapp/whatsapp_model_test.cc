// The whatsapp model run by the real engine: who reads a chat backup is
// found by the closure over the evidence (the keys each provider holds),
// never declared.
#include "protocols/whatsapp/whatsapp_model.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <set>
#include <string>
#include <vector>

#include "msgsim/engine.h"
#include "protocols/platform/device_storage.h"
#include "protocols/platform/cloud_drive.h"
#include "protocols/registry.h"
#include "protocols/signal/signal_model.h"
#include "protocols/signal/x3dh_agreement.h"
#include "protocols/whatsapp/chat_backup.h"
#include "protocols/whatsapp/model_details.h"
#include "tests/protocols/model_docs.h"
#include "tests/support/loading.h"
#include "tests/support/memory_context.h"
#include "tests/support/scenario_builder.h"

namespace msgsim {
namespace {

using testing::adversary;
using testing::party;
using testing::power;
using testing::readers;
using Names = std::vector<std::string>;

// alice and bob exchange three messages; alice's account backs up as
// `backup` from `devices`; us-gov compels every US provider at the end.
Scenario chat(const std::string& backup, std::vector<DeviceKind> devices = {DeviceKind::kIphone}) {
  Scenario s = testing::conversation({"whatsapp"});
  s.parties = {party("alice", std::move(devices)), party("bob")};
  s.parties[0].settings.whatsapp_backup = backup;
  s.adversaries = {adversary("us-gov", "US", {power(PowerKind::kCompel, kEndOfScript)})};
  return s;
}

ProtocolResult run(const Scenario& s) { return testing::simulate(s, whatsapp_model_info()); }

// Every message of the conversation is read by exactly `names`.
void expect_every_message_read_by(const ProtocolResult& r, const Scenario& s, Names names) {
  std::sort(names.begin(), names.end());
  for (const Message& m : s.messages) EXPECT_EQ(readers(r, m.id), names) << "message " << m.id;
  EXPECT_TRUE(r.notes.empty()) << r.notes.front();
}

// How many artifacts of `type` the provider's servers store at the end of a play.
std::size_t stored_at(const testing::MemoryContext& ctx, std::string_view provider, std::string_view type) {
  const auto& stored = ctx.stored(*ctx.world().server(provider));
  return static_cast<std::size_t>(
      std::count_if(stored.begin(), stored.end(), [&](const ArtifactPtr& a) { return a->type == type; }));
}

testing::MemoryContext::Played play(const Scenario& s) {
  return testing::MemoryContext::play(whatsapp_model_info(), s, make_seeded_rng(*s.seed, "whatsapp"));
}

TEST(WhatsAppModel, WithoutBackupOnlyThePartiesRead) {
  // iCloud Backup on changes nothing: WhatsApp's files are excluded from it.
  Scenario s = chat("none");
  for (Party& p : s.parties) p.settings.icloud_backup = true;
  expect_every_message_read_by(run(s), s, {"alice", "bob"});
}

TEST(WhatsAppModel, CloudBackupOnAnIphoneLetsAppleAndACompellingStateReadBothSides) {
  // Only alice backs up; her history holds bob's messages too.
  const Scenario s = chat("cloud");
  expect_every_message_read_by(run(s), s, {"alice", "apple", "bob", "us-gov"});
}

TEST(WhatsAppModel, WithAdvancedDataProtectionAppleKeepsTheBackupButCannotOpenIt) {
  Scenario s = chat("cloud");
  s.parties[0].settings.advanced_data_protection = true;
  expect_every_message_read_by(run(s), s, {"alice", "bob"});
  // The bytes are at Apple all the same (one file a message in alice's history).
  const auto played = play(s);
  EXPECT_EQ(stored_at(*played.ctx, "apple", platform::CloudDrive::kDriveFile), 3u);
  EXPECT_EQ(stored_at(*played.ctx, "apple", platform::CloudDrive::kICloudDriveKey), 0u);
}

TEST(WhatsAppModel, CloudBackupOnAndroidGoesToGoogleNotApple) {
  const Scenario s = chat("cloud", {DeviceKind::kAndroid});
  expect_every_message_read_by(run(s), s, {"alice", "bob", "google", "us-gov"});
  const auto played = play(s);
  EXPECT_EQ(stored_at(*played.ctx, "google", platform::CloudDrive::kDriveFile), 3u);
  EXPECT_EQ(stored_at(*played.ctx, "apple", platform::CloudDrive::kDriveFile), 0u);
}

TEST(WhatsAppModel, EndToEndEncryptedBackupOpensForNoProviderEvenCompelledButForTheSeizedPhone) {
  for (DeviceKind phone : {DeviceKind::kIphone, DeviceKind::kAndroid}) {
    Scenario s = chat("cloud-e2ee", {phone});
    s.adversaries.push_back(adversary("police", "US", {power(PowerKind::kSeize, 3, "alice")}));
    expect_every_message_read_by(run(s), s, {"alice", "bob", "police"});
  }
  // The bytes are at Apple, K wrapped in WhatsApp's vault, and no key that
  // opens either is anywhere but on the phone.
  const auto played = play(chat("cloud-e2ee"));
  EXPECT_EQ(stored_at(*played.ctx, "apple", platform::CloudDrive::kDriveFile), 3u);
  EXPECT_EQ(stored_at(*played.ctx, "whatsapp", whatsapp::ChatBackup::kVaultEntry), 1u);
  for (std::string_view provider : {"apple", "google", "whatsapp"})
    EXPECT_EQ(stored_at(*played.ctx, provider, whatsapp::ChatBackup::kBackupKey), 0u) << provider;
}

bool is_history_file(const Artifact& a) {
  return a.type == platform::DeviceStorage::kDeviceFile && a.label.find("WhatsApp history") != std::string::npos;
}

TEST(WhatsAppModel, ThePhoneKeepsTheBackupKeySoItsSeizurePlusApplesBytesOpenTheBackup) {
  // The police seize alice's phone and compel Apple. With the phone's
  // history taken out of the evidence, what reads is K, from the phone's
  // files, opening the backup Apple handed over; us-gov, with Apple alone,
  // reads nothing.
  Scenario s = chat("cloud-e2ee");
  s.adversaries.push_back(
      adversary("police", "US", {power(PowerKind::kSeize, 3, "alice"), power(PowerKind::kCompel, kEndOfScript)}));
  Simulation sim(s, whatsapp_model_info(), make_seeded_rng(*s.seed, "whatsapp"));
  sim.run();
  EXPECT_GT(sim.erase_evidence(is_history_file), 0u);
  const ProtocolResult r = sim.close();
  for (const Message& m : s.messages) {
    EXPECT_EQ(readers(r, m.id), (Names{"alice", "bob", "police"})) << "message " << m.id;
    const auto how = r.find(m.id, "police");
    ASSERT_TRUE(how.has_value());
    std::string chain;
    for (const auto& step : how->how) chain += step + "\n";
    EXPECT_NE(chain.find("WhatsApp backup key"), std::string::npos) << chain;
  }
}

TEST(WhatsAppModel, CompanionDevicesMakeNoBackup) {
  // alice's only devices are an iPad and a Mac: WhatsApp backs up from phones.
  const Scenario s = chat("cloud", {DeviceKind::kIpad, DeviceKind::kMac});
  expect_every_message_read_by(run(s), s, {"alice", "bob"});
}

TEST(WhatsAppModel, EveryDeviceGetsItsCopyUnderItsOwnIdentityKey) {
  Scenario s = chat("none", {DeviceKind::kIphone, DeviceKind::kMac});
  s.parties[1].devices = {DeviceKind::kIphone, DeviceKind::kIpad};
  s.adversaries = {adversary("police", "US", {power(PowerKind::kSeize, 3, "bob")})};
  // Seizing bob's devices reads all three: each got its copy (client fan-out).
  expect_every_message_read_by(run(s), s, {"alice", "bob", "police"});

  // The server's prekey bundles: one identity key a device under whatsapp,
  // the account's on every device under signal.
  const auto identities = [](const ModelInfo& model, const Scenario& sc, std::string_view server,
                             const std::string& bundle_type) {
    const auto played = testing::MemoryContext::play(model, sc, make_seeded_rng(*sc.seed, model.name));
    std::set<std::string> out;
    for (const ArtifactPtr& a : played.ctx->stored(*played.ctx->world().server(server)))
      if (a->type == bundle_type) out.insert(hex(*Reader(a->data).framed()));
    return out;
  };
  EXPECT_EQ(identities(whatsapp_model_info(), s, "whatsapp", whatsapp::protocol().name("prekey-bundle")).size(), 4u);
  Scenario signal_chat = s;
  signal_chat.protocols = {"signal"};
  EXPECT_EQ(identities(signal_model_info(), signal_chat, "signal", signal::protocol().name("prekey-bundle")).size(),
            2u);
}

TEST(WhatsAppModel, AnExploitViaWhatsAppReachesThePhone) {
  Scenario s = chat("none");
  s.messages.push_back(testing::message(4, 4, "bob", "alice", "four"));
  s.adversaries = {adversary("spyware", "US", {power(PowerKind::kExploit, 2, "bob", "whatsapp")})};
  const ProtocolResult r = run(s);
  // At t=2 the phone holds messages 1 and 2; then it handles 3 and 4.
  for (int m = 1; m <= 4; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob", "spyware"})) << m;
}

TEST(WhatsAppModel, TheLoaderAcceptsTheBackupSettingAndTheWhatsAppSurface) {
  const std::string text =
      "title = \"t\"\nprotocols = [\"whatsapp\"]\n"
      "[[party]]\nname = \"a\"\nwhatsapp_backup = \"cloud-e2ee\"\ndevices = [\"iphone\", \"android\", \"mac\"]\n"
      "[[adversary]]\nname = \"v\"\npowers = [{ power = \"exploit\", via = \"whatsapp\", target = \"a\" }]\n";
  EXPECT_NE(testing::error_of(text, testing::options_for({"whatsapp"})), "OK");
  const Scenario s = testing::load_ok(text, load_options());
  EXPECT_EQ(s.parties.at(0).settings.whatsapp_backup, "cloud-e2ee");
  const AttackSurface& via = s.adversaries.at(0).powers.at(0).via;
  EXPECT_EQ(via, whatsapp::surface());
  for (DeviceKind kind : {DeviceKind::kIphone, DeviceKind::kAndroid, DeviceKind::kIpad, DeviceKind::kMac})
    EXPECT_TRUE(exposes(via, kind, PartySettings{})) << to_string(kind);
}

// [[change]] of whatsapp_backup at t=2, from "cloud" to "cloud-e2ee": the
// phone's backup at the end of t=2 replaces the plain one (Apple deletes
// those files), so a state that compels Apple at the end finds only sealed
// files, while one that compelled at t=1 got the plain backup of message 1.
// Apple itself stored that plain file, and read what it held.
TEST(WhatsAppModel, SwitchingToAnEndToEndBackupReplacesThePlainOne) {
  Scenario s = chat("cloud");
  s.changes = {testing::change(2, "alice", "whatsapp_backup", std::string("cloud-e2ee"))};
  s.adversaries.push_back(adversary("early", "US", {power(PowerKind::kCompel, 1)}));
  const ProtocolResult r = run(s);
  EXPECT_EQ(readers(r, 1), (Names{"alice", "apple", "bob", "early"}));
  // Written from t=2 on, they only ever left the phone sealed.
  for (int m = 2; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob"})) << m;
  // Without the change, the state compelling at the end reads them all.
  s.changes.clear();
  const ProtocolResult plain = run(s);
  EXPECT_EQ(readers(plain, 1), (Names{"alice", "apple", "bob", "early", "us-gov"}));
  for (int m = 2; m <= 3; ++m) EXPECT_EQ(readers(plain, m), (Names{"alice", "apple", "bob", "us-gov"})) << m;
}

// ADP switched on at t=2 (the key leaves Apple at that tick's end): a
// compulsion at the end gets files without their key.
TEST(WhatsAppModel, AdvancedDataProtectionSwitchedOnTakesTheDriveKeyFromApple) {
  Scenario s = chat("cloud");
  s.changes = {testing::change(2, "alice", "advanced_data_protection", true)};
  const ProtocolResult r = run(s);
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "apple", "bob"})) << m;
}

TEST(WhatsAppModel, DocsCarryTheDetailsText) {
  testing::expect_doc_carries_details(whatsapp_model_info());
  EXPECT_EQ(whatsapp_model_info().details, whatsapp::kModelDetails);
  EXPECT_EQ(whatsapp_model_info().name, "whatsapp");
}

}  // namespace
}  // namespace msgsim
