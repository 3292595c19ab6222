// The sms model run by the real engine: who reads a text, by what it
// crossed and where it was kept (docs/models/sms.md).
#include "protocols/sms/sms_model.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "msgsim/engine.h"
#include "tests/protocols/model_docs.h"
#include "tests/support/scenario_builder.h"

namespace msgsim {
namespace {

using testing::adversary;
using testing::conversation;
using testing::party;
using testing::power;
using testing::readers;
using Names = std::vector<std::string>;

ProtocolResult run(const Scenario& s) { return testing::simulate(s, sms_model_info()); }

std::string chain(const ProtocolResult& r, int message, std::string_view actor) {
  const auto cell = r.find(message, actor);
  return cell ? fmt::format("{}", fmt::join(cell->how, "\n")) : std::string();
}

TEST(Sms, TheCarrierRelaysAndKeepsEveryTextAndAppleHoldsNothingWithoutBackup) {
  const ProtocolResult r = run(conversation({"sms"}));
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob", "carrier"})) << m;
  EXPECT_NE(chain(r, 1, "carrier").find("relayed by"), std::string::npos) << chain(r, 1, "carrier");
  EXPECT_TRUE(r.deliveries.empty());  // SMS is this model's own channel
}

// Alice and Bob in France, their carrier's servers in the US. A tap reads
// the text on any link it crosses: in France (the phones' access), in the
// US (the carrier's data centre); a tap in Germany, on no link of the
// route, reads nothing. A US authority compelling the carrier at the end
// gets the copies it kept; an intercept from t=2 copies only what it
// relays from then on.
TEST(Sms, ATapOnTheRouteAndAStateThatCompelsTheCarrierRead) {
  Scenario s = conversation({"sms"});
  for (Party& p : s.parties) p.country = "FR";
  s.adversaries = {adversary("dgse", "FR", {power(PowerKind::kTap, 0)}),
                   adversary("nsa", "US", {power(PowerKind::kTap, 0)}),
                   adversary("bnd", "DE", {power(PowerKind::kTap, 0)}),
                   adversary("fbi", "US", {power(PowerKind::kCompel, kEndOfScript)}),
                   adversary("wiretap", "US", {power(PowerKind::kIntercept, 2)})};
  const ProtocolResult r = run(s);
  EXPECT_EQ(readers(r, 1), (Names{"alice", "bob", "carrier", "dgse", "fbi", "nsa"}));
  for (int m = 2; m <= 3; ++m)
    EXPECT_EQ(readers(r, m), (Names{"alice", "bob", "carrier", "dgse", "fbi", "nsa", "wiretap"})) << m;
  EXPECT_NE(chain(r, 1, "fbi").find("under legal compulsion"), std::string::npos) << chain(r, 1, "fbi");
  EXPECT_NE(chain(r, 1, "nsa").find("captured by nsa on the link"), std::string::npos) << chain(r, 1, "nsa");
}

// An iPhone's SMS history is in its iCloud Backup (docs/sources.md §1.4);
// an Android phone's stays on the phone; Advanced Data Protection keeps
// the backup's key from Apple (§1.5).
TEST(Sms, AnIPhonesBackupGivesAppleTheTextsAnAndroidPhoneDoesNot) {
  Scenario s = conversation({"sms"});
  s.parties[0].settings.icloud_backup = true;             // alice, iPhone
  s.parties[1] = party("bob", {DeviceKind::kAndroid});   // bob, Android
  s.parties[1].settings.icloud_backup = true;             // no iCloud on Android: nothing
  const ProtocolResult r = run(s);
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "apple", "bob", "carrier"})) << m;
  EXPECT_NE(chain(r, 2, "apple").find("iCloud Backup of alice's iPhone"), std::string::npos) << chain(r, 2, "apple");
  s.parties[0].settings.advanced_data_protection = true;
  const ProtocolResult adp = run(s);
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(adp, m), (Names{"alice", "bob", "carrier"})) << m;
}

// No phone number, no SMS: a Mac neither sends nor receives one.
TEST(Sms, APartyWithNoPhoneNeitherSendsNorReceives) {
  Scenario s = conversation({"sms"});
  s.parties[1] = party("bob", {DeviceKind::kMac});
  const ProtocolResult r = run(s);
  EXPECT_EQ(readers(r, 1), (Names{"alice"}));
  EXPECT_EQ(readers(r, 2), Names{});
  EXPECT_EQ(r.deliveries, (std::vector<Delivery>{{1, "bob", ""}, {2, "alice", ""}, {3, "bob", ""}}));
  EXPECT_EQ(r.notes.size(), 3u);
}

// iCloud Backup switched on at t=2 ([[change]]): the first backup carries
// the texts already on the iPhone.
TEST(Sms, ABackupSwitchedOnLateCarriesTheTextsAlreadyThere) {
  Scenario s = conversation({"sms"});
  s.changes = {testing::change(2, "alice", "icloud_backup", true)};
  const ProtocolResult r = run(s);
  for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "apple", "bob", "carrier"})) << m;
}

TEST(Sms, ItsDocCarriesItsDetails) { testing::expect_doc_carries_details(sms_model_info()); }

}  // namespace
}  // namespace msgsim
