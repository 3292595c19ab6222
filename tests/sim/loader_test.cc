// The scenario loader: what it accepts (every field, every default) and the
// exact text of its errors.
#include "msgsim/loader.h"
#include "msgsim/generate.h"
#include "tests/support/loading.h"
#include "tests/support/sanitizers.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <optional>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace msgsim {
namespace {

const LoadOptions kOptions = testing::options_for({"imessage", "signal", "whatsapp"});

std::string data_dir() { return std::string(MSGSIM_SOURCE_DIR) + "/tests/data/loader"; }

std::string error_of(std::string_view text) { return testing::error_of(text, kOptions); }

Scenario load_ok(std::string_view text) { return testing::load_ok(text, kOptions); }

// Two parties and one protocol: the smallest valid scenario, to which each
// test appends what it checks.
const std::string kBase =
    "title = \"t\"\n"                  // line 1
    "protocols = [\"imessage\"]\n"     // line 2
    "[[party]]\n"                      // line 3
    "name = \"alice\"\n"               // line 4
    "[[party]]\n"                      // line 5
    "name = \"bob\"\n";                // line 6; appended text starts on line 7

// --- the happy path

TEST(LoaderTest, FullScenarioParsesEveryField) {
  LoadResult result = load_scenario_file(data_dir() + "/good/full.toml", kOptions);
  ASSERT_TRUE(std::holds_alternative<Scenario>(result)) << std::get<LoadError>(result).format();
  const Scenario& s = std::get<Scenario>(result);

  EXPECT_EQ(s.path, data_dir() + "/good/full.toml");
  EXPECT_EQ(s.title, "Bob keeps iCloud Backup on");
  EXPECT_EQ(s.description, "Alice switched iCloud Backup off.\nDoes that protect her?");
  EXPECT_EQ(s.seed, std::optional<std::uint64_t>(7));
  EXPECT_EQ(s.protocols, (std::vector<std::string>{"imessage", "signal"}));

  ASSERT_EQ(s.parties.size(), 3u);
  const Party& alice = s.parties[0];
  EXPECT_EQ(alice.name, "alice");
  EXPECT_EQ(alice.label, "Alice");
  EXPECT_EQ(alice.country, "FR");
  EXPECT_EQ(alice.device_kinds(), (std::vector<DeviceKind>{DeviceKind::kIphone, DeviceKind::kMac}));
  EXPECT_FALSE(alice.settings.icloud_backup);
  EXPECT_FALSE(alice.settings.messages_in_icloud);
  EXPECT_TRUE(alice.settings.imessage);
  EXPECT_FALSE(alice.settings.facetime);
  EXPECT_EQ(alice.pos.line, 9u);
  EXPECT_EQ(alice.pos.column, 1u);
  EXPECT_EQ(alice.pos.file, data_dir() + "/good/full.toml");
  const Party& bob = s.parties[1];
  EXPECT_EQ(bob.name, "bob");
  EXPECT_EQ(bob.label, "bob");
  EXPECT_EQ(bob.country, "US");
  EXPECT_TRUE(bob.settings.icloud_backup);
  EXPECT_EQ(s.parties[2].name, "carol-2_x");
  EXPECT_EQ(s.parties[2].device_kinds(), std::vector<DeviceKind>{DeviceKind::kAndroid});
  EXPECT_EQ(s.find_party("carol-2_x"), &s.parties[2]);

  ASSERT_EQ(s.providers.size(), 1u);
  EXPECT_EQ(s.providers[0].name, "apple");
  EXPECT_EQ(s.providers[0].label, "Apple Inc.");
  EXPECT_EQ(s.providers[0].country, "IE");

  ASSERT_EQ(s.adversaries.size(), 2u);
  const Adversary& gov = s.adversaries[0];
  EXPECT_EQ(gov.name, "us-gov");
  EXPECT_EQ(gov.label, "US authorities");
  EXPECT_EQ(gov.country, "US");
  ASSERT_EQ(gov.powers.size(), 3u);
  EXPECT_EQ(gov.powers[0].kind, PowerKind::kCompel);
  EXPECT_EQ(gov.powers[0].at, kEndOfScript);
  EXPECT_TRUE(gov.powers[0].providers.empty());
  EXPECT_EQ(gov.powers[0].pos.line, 37u);
  EXPECT_EQ(gov.powers[0].pos.column, 3u);
  EXPECT_EQ(gov.powers[1].kind, PowerKind::kIntercept);
  EXPECT_EQ(gov.powers[1].at, 0);
  EXPECT_EQ(gov.powers[1].providers, (std::vector<std::string>{"apple", "carrier"}));
  EXPECT_EQ(gov.powers[1].path, LegalPath::kMlat);  // apple is in IE here, gov in the US
  EXPECT_EQ(gov.powers[0].path, LegalPath::kDirect);
  EXPECT_EQ(gov.powers[2].kind, PowerKind::kTap);
  EXPECT_EQ(gov.powers[2].at, 3);

  const Adversary& nso = s.adversaries[1];
  EXPECT_EQ(nso.label, "nso");
  EXPECT_EQ(nso.country, "US");
  ASSERT_EQ(nso.powers.size(), 4u);
  EXPECT_EQ(nso.powers[0].kind, PowerKind::kExploit);
  EXPECT_EQ(nso.powers[0].via.name, "imessage");
  EXPECT_EQ(nso.powers[0].target, "bob");
  EXPECT_EQ(nso.powers[0].at, 2);
  EXPECT_EQ(nso.powers[0].until, kEndOfScript);
  EXPECT_EQ(nso.powers[1].via.name, "facetime");
  EXPECT_EQ(nso.powers[1].target, "alice");
  EXPECT_EQ(nso.powers[1].at, 0);
  EXPECT_EQ(nso.powers[1].until, 4);
  EXPECT_EQ(nso.powers[2].kind, PowerKind::kSeize);
  EXPECT_EQ(nso.powers[2].target, "carol-2_x");
  EXPECT_EQ(nso.powers[2].at, 5);
  EXPECT_EQ(nso.powers[3].kind, PowerKind::kCompel);
  EXPECT_EQ(nso.powers[3].at, 6);
  EXPECT_EQ(nso.powers[3].providers, std::vector<std::string>{"signal"});

  ASSERT_EQ(s.messages.size(), 3u);
  EXPECT_EQ(s.messages[0].id, 1);
  EXPECT_EQ(s.messages[0].at, 1);
  EXPECT_EQ(s.messages[0].from, "alice");
  EXPECT_EQ(s.messages[0].to, std::vector<std::string>{"bob"});
  EXPECT_EQ(s.messages[0].text, "On se voit \u00e0 18h ?");
  EXPECT_EQ(s.messages[0].pos.line, 51u);
  EXPECT_EQ(s.messages[1].id, 2);
  EXPECT_EQ(s.messages[1].at, 2);  // default: its position in the file
  EXPECT_EQ(s.messages[1].text, "Oui, \u00e0 tout \u00e0 l'heure");
  EXPECT_EQ(s.messages[2].id, 3);
  EXPECT_EQ(s.messages[2].at, 0);
  EXPECT_EQ(s.messages[2].from, "carol-2_x");
  EXPECT_EQ(s.messages[2].text, "");

  ASSERT_EQ(s.expectations.size(), 2u);
  EXPECT_EQ(s.expectations[0].protocol, std::optional<std::string>("imessage"));
  EXPECT_EQ(s.expectations[0].message, std::optional<int>(1));
  EXPECT_EQ(s.expectations[0].readable_by, (std::vector<std::string>{"alice", "apple", "bob", "us-gov"}));
  EXPECT_EQ(s.expectations[1].protocol, std::nullopt);
  EXPECT_EQ(s.expectations[1].message, std::nullopt);
  EXPECT_TRUE(s.expectations[1].readable_by.empty());
}

TEST(LoaderTest, OmittedKeysTakeTheirDefaults) {
  const Scenario s = load_ok(kBase +
                             "[[adversary]]\n"
                             "name = \"eve\"\n"
                             "powers = [{ power = \"compel\" }, { power = \"intercept\" }, { power = \"tap\" },\n"
                             "  { power = \"exploit\", via = \"imessage\", target = \"bob\" }]\n"
                             "[[message]]\nfrom = \"alice\"\nto = \"bob\"\ntext = \"1\"\n"
                             "[[message]]\nfrom = \"bob\"\nto = \"alice\"\ntext = \"2\"\n");
  EXPECT_EQ(s.description, "");
  EXPECT_EQ(s.seed, std::nullopt);
  EXPECT_TRUE(s.providers.empty());
  const Party& alice = s.parties[0];
  EXPECT_EQ(alice.label, "alice");
  EXPECT_EQ(alice.country, "US");
  EXPECT_EQ(alice.device_kinds(), std::vector<DeviceKind>{DeviceKind::kIphone});
  const PartySettings defaults;
  EXPECT_EQ(alice.settings.icloud_backup, defaults.icloud_backup);
  EXPECT_EQ(alice.settings.messages_in_icloud, defaults.messages_in_icloud);
  EXPECT_EQ(alice.settings.imessage, defaults.imessage);
  EXPECT_EQ(alice.settings.facetime, defaults.facetime);
  const Adversary& eve = s.adversaries[0];
  EXPECT_EQ(eve.label, "eve");
  EXPECT_EQ(eve.country, "US");
  ASSERT_EQ(eve.powers.size(), 4u);
  EXPECT_EQ(eve.powers[0].at, kEndOfScript);  // compel: end of script
  EXPECT_EQ(eve.powers[1].at, 0);             // intercept: from tick 0
  EXPECT_TRUE(eve.powers[1].providers.empty());
  EXPECT_EQ(eve.powers[2].at, 0);  // tap: from tick 0
  EXPECT_EQ(eve.powers[3].at, 0);  // exploit: from tick 0 (the loader's choice, documented)
  EXPECT_EQ(eve.powers[3].until, kEndOfScript);
  ASSERT_EQ(s.messages.size(), 2u);
  EXPECT_EQ(s.messages[0].at, 1);
  EXPECT_EQ(s.messages[1].at, 2);
}

TEST(LoaderTest, ActorsMayBeDeclaredAfterTheirUse) {
  // Messages and powers refer to parties by name; file order does not matter.
  const Scenario s = load_ok(
      "title = \"t\"\nprotocols = [\"signal\"]\n"
      "[[message]]\nfrom = \"zed\"\nto = \"amy\"\ntext = \"hi\"\n"
      "[[adversary]]\nname = \"cops\"\npowers = [{ power = \"seize\", target = \"zed\", at = 1 }]\n"
      "[[party]]\nname = \"zed\"\n[[party]]\nname = \"amy\"\n");
  EXPECT_EQ(s.messages[0].from, "zed");
  EXPECT_EQ(s.adversaries[0].powers[0].target, "zed");
}

TEST(LoaderTest, LoadsFromAFileAndReportsMissingOnes) {
  const std::string missing = data_dir() + "/no-such-file.toml";
  EXPECT_EQ(std::get<LoadError>(load_scenario_file(missing, kOptions)).format(),
            missing + ": error: cannot open the scenario: No such file or directory");
  EXPECT_EQ(std::get<LoadError>(load_scenario_file(data_dir(), kOptions)).format(),
            data_dir() + ": error: cannot read the scenario: it is a directory");
}

TEST(LoaderTest, ATooLargeFileIsRefusedWithItsSize) {
  // "file too large" gave the bytes read (the limit plus up to 64 KiB), not
  // the file's size.
  const std::string path =
      (std::filesystem::temp_directory_path() / fmt::format("msgsim_large_{}.toml", ::getpid())).string();
  {
    std::ofstream out(path, std::ios::binary);
    const std::string block(1 << 20, '#');
    for (std::size_t written = 0; written < kMaxScenarioBytes; written += block.size()) out << block;
    out << std::string(100000, '#');
  }
  const LoadResult result = load_scenario_file(path, kOptions);
  std::filesystem::remove(path);
  ASSERT_TRUE(std::holds_alternative<LoadError>(result));
  EXPECT_EQ(std::get<LoadError>(result).format(),
            path + ": error: file too large: 67208864 bytes, the limit is 67108864 bytes\n"
                   "hint: a scenario is a short hand-written file; is this the right file?");
}

// A stream that fails while it is read (a device error, a vanished file).
class FailingBuffer : public std::streambuf {
 protected:
  int_type underflow() override { throw std::ios_base::failure("read failed"); }
};

TEST(LoaderTest, AStreamIsReadToItsEndOrRefused) {
  std::istringstream good(kBase);
  EXPECT_TRUE(std::holds_alternative<Scenario>(load_scenario_stream(good, "-", kOptions)));
  // A pipe larger than the limit: its size is unknown, the limit is not.
  std::istringstream large(std::string(kMaxScenarioBytes + 100000, '#'));
  EXPECT_EQ(std::get<LoadError>(load_scenario_stream(large, "-", kOptions)).format(),
            "-: error: file too large: more than 67108864 bytes, the limit is 67108864 bytes\n"
            "hint: a scenario is a short hand-written file; is this the right file?");
  // A read error is not the end of an empty file.
  FailingBuffer failing;
  std::istream broken(&failing);
  EXPECT_EQ(std::get<LoadError>(load_scenario_stream(broken, "-", kOptions)).format(),
            "-: error: cannot read the scenario from standard input: read error\n"
            "hint: pipe the scenario in (msgsim validate - < lesson.toml), or give its file name");
}

// --- error texts: one per kind of mistake, asserted in full

TEST(LoaderErrors, EmptyFileIsMissingItsTitle) {
  EXPECT_EQ(error_of(""),
            "s.toml: error: missing required key 'title'\n"
            "hint: add a line like: title = \"Alice and Bob\"");
}

TEST(LoaderErrors, UnknownKeyGetsADidYouMean) {
  EXPECT_EQ(error_of(kBase + "[[party]]\nname = \"carol\"\nicloud_bakup = true\n"),
            "s.toml:9:1: error: unknown key 'icloud_bakup' in [[party]]\n"
            "hint: did you mean 'icloud_backup'?");
  EXPECT_EQ(error_of("titel = \"t\"\n"),
            "s.toml:1:1: error: unknown key 'titel'\n"
            "hint: did you mean 'title'?");
}

TEST(LoaderErrors, UnknownKeyWithoutCloseMatchListsTheKeys) {
  EXPECT_EQ(error_of(kBase + "[[provider]]\nname = \"apple\"\njurisdiction = \"US\"\n"),
            "s.toml:9:1: error: unknown key 'jurisdiction' in [[provider]]\n"
            "hint: expected one of: name, label, country");
}

TEST(LoaderErrors, UnknownProtocolSuggestsTheClosestOne) {
  EXPECT_EQ(error_of("title = \"t\"\nprotocols = [\"imessage\", \"signl\"]\n"),
            "s.toml:2:26: error: unknown protocol 'signl'\n"
            "hint: did you mean 'signal'?");
  EXPECT_EQ(error_of("title = \"t\"\nprotocols = [\"telegram\"]\n"),
            "s.toml:2:14: error: unknown protocol 'telegram'\n"
            "hint: known protocols: imessage, signal, whatsapp");
}

TEST(LoaderErrors, WrongTypeNamesTheExpectedType) {
  EXPECT_EQ(error_of("title = \"t\"\nseed = \"7\"\n"),
            "s.toml:2:8: error: wrong type for 'seed': expected an integer, got a string");
  EXPECT_EQ(error_of(kBase + "[[party]]\nname = \"carol\"\nicloud_backup = \"yes\"\n"),
            "s.toml:9:17: error: wrong type for 'icloud_backup': expected a boolean (true or false), got a string");
  EXPECT_EQ(error_of("title = 3\n"), "s.toml:1:9: error: wrong type for 'title': expected a string, got an integer");
  EXPECT_EQ(error_of("title = \"t\"\nprotocols = \"imessage\"\n"),
            "s.toml:2:13: error: wrong type for 'protocols': expected an array of strings, got a string");
  EXPECT_EQ(error_of("title = \"t\"\nprotocols = [\"imessage\"]\n[party]\nname = \"alice\"\n"),
            "s.toml:3:1: error: wrong type for 'party': expected an array of tables ([[party]]), got a table\n"
            "hint: write each entry under its own [[party]] header");
}

TEST(LoaderErrors, DuplicateNamesAcrossActorsAreRejected) {
  EXPECT_EQ(error_of(kBase + "[[adversary]]\nname = \"alice\"\n"),
            "s.toml:8:8: error: duplicate actor name 'alice'\n"
            "hint: 'alice' is already the name of a party (line 4, column 8); names are unique across parties, "
            "providers and adversaries");
  EXPECT_EQ(error_of(kBase + "[[party]]\nname = \"apple\"\n"),
            "s.toml:8:8: error: party name 'apple' collides with the built-in provider 'apple'\n"
            "hint: actor names are unique across parties, providers and adversaries; pick another name");
  EXPECT_EQ(error_of("title = \"t\"\nprotocols = [\"signal\", \"signal\"]\n"),
            "s.toml:2:24: error: duplicate protocol 'signal'\n"
            "hint: list each protocol once");
}

TEST(LoaderErrors, OutOfRangeNumbersAreRejected) {
  EXPECT_EQ(error_of("title = \"t\"\nseed = -1\n"),
            "s.toml:2:8: error: 'seed' must be an unsigned integer, got -1\n"
            "hint: use 0 or a positive number");
  EXPECT_EQ(error_of(kBase + "[[message]]\nat = -3\nfrom = \"alice\"\nto = \"bob\"\ntext = \"x\"\n"),
            "s.toml:8:6: error: 'at' out of range: -3 is not between 0 and 1000000\n"
            "hint: times are ticks counted from 0");
  EXPECT_EQ(error_of("title = \"t\"\nseed = 99999999999999999999\n"),
            "s.toml:2:28: error: invalid TOML: error while parsing decimal integer: '99999999999999999999' is not "
            "representable in 64 bits\n"
            "hint: integers must fit in 64 bits (at most 9223372036854775807)");
}

// --- limits: each far above any lesson, and every scenario that msgsim
// generate writes stays within them.

static_assert(kMaxGeneratedParties <= kMaxParties, "msgsim generate must write scenarios that load");
static_assert(kMaxGeneratedMessages <= static_cast<std::uint64_t>(kMaxTick), "generated ticks must load");

TEST(LoaderLimits, MorePartiesThanTheLimitIsAnErrorAtTheFirstOneTooMany) {
  // Before: no limit; 10,000 idle parties took 46 s and 1.3 GB to run.
  static_assert(kMaxParties == 100000, "update the texts below");
  std::string text = "title = \"t\"\nprotocols = [\"signal\"]\nparty = [\n";
  for (std::size_t i = 0; i < kMaxParties; ++i) text += fmt::format("{{name=\"p{}\"}},\n", i);
  const std::string last = "]\n";
  EXPECT_EQ(error_of(text + last), "OK");
  EXPECT_EQ(error_of(text + "{name=\"one_too_many\"},\n" + last),
            fmt::format("s.toml:{}:1: error: too many parties: 100001, the limit is 100000\n"
                        "hint: msgsim runs at most 100000 parties (as many as msgsim generate writes); a lesson needs "
                        "a handful",
                        kMaxParties + 4));
}

TEST(LoaderLimits, MoreDevicesThanTheLimitIsAnErrorAtTheFirstOneTooMany) {
  // Before: no limit; a 19 KB file gave a party 1,000 devices (24 s, 844 MB to run).
  static_assert(kMaxDevicesPerParty == 32, "update the texts below");
  std::string devices;
  for (std::size_t i = 0; i < kMaxDevicesPerParty; ++i) devices += "\"mac\", ";
  EXPECT_EQ(load_ok(kBase + "[[party]]\nname = \"carol\"\ndevices = [" + devices + "]\n").parties[2].devices.size(),
            kMaxDevicesPerParty);
  EXPECT_EQ(error_of(kBase + "[[party]]\nname = \"carol\"\ndevices = [" + devices + "{ kind = \"ipad\" }]\n"),
            "s.toml:9:236: error: too many devices for party 'carol': 33, the limit is 32\n"
            "hint: a party's devices are its phones, tablets and computers; no account needs more than 32");
}

TEST(LoaderLimits, ADefaultTickPastTheLimitIsAnError) {
  // Before: a message without 'at' got its position as its tick, even past
  // kMaxTick, which every explicit tick respects.
  if (testing::kUnderAddressSanitizer) GTEST_SKIP() << "a million-message file is too slow under ASan";
  static_assert(kMaxTick == 1000000, "update the texts below");
  std::string text = "title = \"t\"\nprotocols = [\"imessage\"]\nmessage = [\n";
  for (std::int64_t i = 0; i < kMaxTick; ++i) text += "{from=\"alice\",to=\"bob\",text=\"\"},\n";
  text += "{from=\"alice\",to=\"bob\",text=\"\"},\n]\n[[party]]\nname = \"alice\"\n[[party]]\nname = \"bob\"\n";
  EXPECT_EQ(error_of(text),
            "s.toml:1000004:1: error: 'at' out of range: message 1000001 has none, and its default (its position, "
            "1000001) is not between 0 and 1000000\n"
            "hint: give the message an 'at' of its own, e.g. at = 1000000");
}

TEST(LoaderErrors, ExploitWithoutTargetIsRejected) {
  EXPECT_EQ(error_of(kBase + "[[adversary]]\nname = \"nso\"\npowers = [{ power = \"exploit\", via = \"imessage\" }]\n"),
            "s.toml:9:11: error: missing required key 'target' in power 'exploit'\n"
            "hint: name the party whose devices are attacked");
}

// [[change]]: a party changes settings at a tick (issue 15).
TEST(LoaderChange, ReadsAtPartyAndTheSettingsInFileOrder) {
  const Scenario s = load_ok(kBase +
                             "[[change]]\nat = 5\nparty = \"alice\"\nset = { messages_in_icloud = false, icloud_backup = true }\n"
                             "[[change]]\nat = 2\nparty = \"bob\"\nset = { imessage = false }\n");
  ASSERT_EQ(s.changes.size(), 2u);
  EXPECT_EQ(s.changes[0].at, 5);
  EXPECT_EQ(s.changes[0].party, "alice");
  ASSERT_EQ(s.changes[0].set.size(), 2u);
  EXPECT_EQ(s.changes[0].set[0].spec->name, "messages_in_icloud");
  EXPECT_FALSE(s.changes[0].set[0].flag);
  EXPECT_EQ(s.changes[0].set[1].spec->name, "icloud_backup");
  EXPECT_TRUE(s.changes[0].set[1].flag);
  EXPECT_EQ(s.changes[0].pos.line, 7u);
  EXPECT_EQ(s.changes[1].party, "bob");
}

// One device's own value: device = N (1-based, in the order of `devices`).
TEST(LoaderChange, ADeviceChangeNamesTheDeviceAndTakesDeviceSettingsOnly) {
  const std::string base = kBase + "devices = [\"iphone\", { kind = \"ipad\", icloud_backup = true }]\n";
  const Scenario s = load_ok(base + "[[change]]\nat = 3\nparty = \"bob\"\ndevice = 2\nset = { icloud_backup = false }\n");
  ASSERT_EQ(s.changes.size(), 1u);
  EXPECT_EQ(s.changes[0].device, std::optional<std::size_t>(1));
  EXPECT_EQ(error_of(base + "[[change]]\nat = 3\nparty = \"bob\"\ndevice = 3\nset = { imessage = false }\n"),
            "s.toml:11:10: error: 'device' out of range: bob has 2 devices, numbered from 1\n"
            "hint: device = 1 is bob's first device, in the order of its 'devices'");
  EXPECT_EQ(error_of(base + "[[change]]\nat = 3\nparty = \"bob\"\ndevice = 1\nset = { messages_in_icloud = false }\n"),
            "s.toml:12:9: error: 'messages_in_icloud' is a setting of the account, not of one device\n"
            "hint: leave 'device' out: the change then holds for the whole party");
}

TEST(LoaderChange, EachMistakeIsOneErrorAtItsPlace) {
  EXPECT_EQ(error_of(kBase + "[[change]]\nat = 5\nset = { imessage = false }\n"),
            "s.toml:7:1: error: missing required key 'party' in [[change]]\n"
            "hint: name the party who changes a setting, e.g. party = \"alice\"");
  EXPECT_EQ(error_of(kBase + "[[change]]\nparty = \"alice\"\nset = { imessage = false }\n"),
            "s.toml:7:1: error: missing required key 'at' in [[change]]\nhint: say when the setting changes, e.g. at = 5");
  EXPECT_EQ(error_of(kBase + "[[change]]\nat = 1\nparty = \"carol\"\nset = { imessage = false }\n").substr(0, 46),
            "s.toml:9:9: error: unknown party 'carol' in 'p");
  EXPECT_EQ(error_of(kBase + "[[change]]\nat = 1\nparty = \"alice\"\nset = { imesage = false }\n").substr(0, 48),
            "s.toml:10:9: error: unknown key 'imesage' in 'se");
  EXPECT_EQ(error_of(kBase + "[[change]]\nat = 1\nparty = \"alice\"\nset = { lockdown_mode = true }\n"),
            "s.toml:10:9: error: 'lockdown_mode' is not supported yet\n"
            "hint: the format reserves it for a later version of msgsim; remove it for now");
  EXPECT_EQ(error_of(kBase + "[[change]]\nat = 1\nparty = \"alice\"\nset = {}\n"),
            "s.toml:10:7: error: 'set' changes no setting\nhint: e.g. set = { icloud_backup = false }");
  EXPECT_EQ(error_of(kBase + "[[change]]\nat = 1\nparty = \"alice\"\nset = { imessage = 1 }\n"),
            "s.toml:10:20: error: wrong type for 'imessage': expected a boolean (true or false), got an integer");
  EXPECT_EQ(error_of(kBase + "[[change]]\nat = -1\nparty = \"alice\"\nset = { imessage = false }\n").substr(0, 38),
            "s.toml:8:6: error: 'at' out of range: ");
  EXPECT_EQ(error_of(kBase + "[[change]]\nat = 1\nparty = \"alice\"\nset = \"imessage\"\n"),
            "s.toml:10:7: error: wrong type for 'set': expected a table of settings, e.g. { icloud_backup = false }, "
            "got a string");
}

TEST(LoaderErrors, KeysMarkedLaterAreNotSupportedYet) {
  const std::string later_hint = "\nhint: the format reserves it for a later version of msgsim; remove it for now";
  EXPECT_EQ(error_of(kBase + "[sweep]\n"), "s.toml:7:2: error: [sweep] is not supported yet" + later_hint);
  EXPECT_EQ(error_of(kBase + "advanced_data_protection = true\n"),
            "s.toml:7:1: error: 'advanced_data_protection' is not supported yet" + later_hint);
  EXPECT_EQ(error_of(kBase + "[[adversary]]\nname = \"x\"\npowers = [{ power = \"ghost\", target = \"bob\" }]\n"),
            "s.toml:9:21: error: power 'ghost' is not supported yet" + later_hint);
  EXPECT_EQ(error_of(kBase + "[[message]]\nfrom = \"alice\"\nto = [\"bob\"]\ntext = \"x\"\n"),
            "s.toml:9:6: error: a list of recipients in 'to' is not supported yet\n"
            "hint: group messages belong to a later version of msgsim; send one message per recipient");
  EXPECT_EQ(error_of(kBase + "[[adversary]]\nname = \"x\"\n"
                             "powers = [{ power = \"exploit\", via = \"whatsapp\", target = \"bob\" }]\n"),
            "s.toml:9:38: error: exploit via 'whatsapp' is not supported yet\n"
            "hint: the format reserves it for a later version of msgsim; use imessage or facetime");
}

TEST(LoaderErrors, MessageToUnknownPartySuggestsAParty) {
  EXPECT_EQ(error_of(kBase + "[[message]]\nfrom = \"alice\"\nto = \"bbo\"\ntext = \"x\"\n"),
            "s.toml:9:6: error: unknown party 'bbo' in 'to'\n"
            "hint: did you mean 'bob'?");
}

TEST(LoaderErrors, ExpectNamingAnUnknownActorIsRejected) {
  EXPECT_EQ(error_of(kBase + "[[expect]]\nreadable_by = [\"alice\", \"eve\"]\n"),
            "s.toml:8:25: error: unknown actor 'eve' in 'readable_by'\n"
            "hint: actors: alice, apple, bob, carrier, google, signal, whatsapp");
  EXPECT_EQ(error_of(kBase + "[[adversary]]\nname = \"us-gov\"\n[[expect]]\nreadable_by = [\"us-gv\"]\n"),
            "s.toml:10:16: error: unknown actor 'us-gv' in 'readable_by'\n"
            "hint: did you mean 'us-gov'?");
}

TEST(LoaderErrors, UserTextInMessagesIsEscapedAndShortened) {
  EXPECT_EQ(error_of("title = \"t\"\nprotocols = [\"a\\nb\"]\n"),
            "s.toml:2:14: error: unknown protocol 'a\\x0ab'\n"
            "hint: known protocols: imessage, signal, whatsapp");
  EXPECT_EQ(error_of("title = \"t\"\nprotocols = [\"" + std::string(100, 'x') + "\"]\n"),
            "s.toml:2:14: error: unknown protocol '" + std::string(48, 'x') +
                "...'\nhint: known protocols: imessage, signal, whatsapp");
  // C1 controls (U+009B, the CSI) and characters that reorder or hide text
  // (U+202E, U+2066, U+200B) reached stderr raw.
  EXPECT_EQ(error_of("title = \"t\"\nprotocols = [\"\xc2\x9b" "31m\xe2\x80\xae" "cba\xe2\x81\xa6\xe2\x80\x8b\"]\n"),
            "s.toml:2:14: error: unknown protocol '\\u009B31m\\u202Ecba\\u2066\\u200B'\n"
            "hint: known protocols: imessage, signal, whatsapp");
  // A long bad name was echoed in full in the hint (5 MB for a 5 MB name).
  const std::string long_name =
      error_of("title = \"t\"\nprotocols = [\"signal\"]\n[[party]]\nname = \"" + std::string(5 << 20, 'A') + "\"\n");
  EXPECT_TRUE(long_name == "s.toml:4:8: error: invalid party name '" + std::string(48, 'A') + "...'\n" +
                               "hint: names are lowercase: '" + std::string(48, 'a') + "...'")
      << long_name.size() << " bytes: " << long_name.substr(0, 200) << "...";
  // The file's name is shown the same way.
  EXPECT_EQ(testing::error_of_file("x = 1", "evil\x1b[2J\xe2\x80\xae.toml", kOptions),
            "evil\\x1b[2J\\u202E.toml:1:1: error: unknown key 'x'\n"
            "hint: expected one of: title, description, seed, protocols, party, provider, adversary, change, message, expect");
}

// Every file in tests/data/loader/bad/ is a scenario with one mistake; the
// .err file beside it holds the exact error (the file loaded under its own
// name).
TEST(LoaderErrors, EachBadFixtureGivesItsExpectedError) {
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir() + "/bad")) {
    if (entry.path().extension() != ".toml") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::ifstream err_in(std::filesystem::path(entry.path()).replace_extension(".err"), std::ios::binary);
    ASSERT_TRUE(err_in) << "no .err beside " << entry.path();
    std::stringstream expected;
    expected << err_in.rdbuf();
    std::string want = expected.str();
    if (!want.empty() && want.back() == '\n') want.pop_back();
    const LoadResult result = load_scenario_text(text.str(), entry.path().filename().string(), kOptions);
    ASSERT_TRUE(std::holds_alternative<LoadError>(result)) << entry.path() << " loaded";
    EXPECT_EQ(std::get<LoadError>(result).format(), want) << entry.path();
    ++checked;
  }
  EXPECT_GE(checked, 10);
}

// --- helpers of the error messages

TEST(LoadErrorFormat, PositionHintAndWholeFileForms) {
  EXPECT_EQ((LoadError{{"a.toml", 3, 9}, "bad thing", "fix it"}).format(), "a.toml:3:9: error: bad thing\nhint: fix it");
  EXPECT_EQ((LoadError{{"a.toml", 3, 9}, "bad thing", ""}).format(), "a.toml:3:9: error: bad thing");
  EXPECT_EQ((LoadError{{"a.toml", 0, 0}, "too big", ""}).format(), "a.toml: error: too big");
}

TEST(ClosestMatch, FindsTyposWithinTwoEdits) {
  const std::vector<std::string> protocols = {"imessage", "signal", "whatsapp"};
  EXPECT_EQ(closest_match("signl", protocols), "signal");
  EXPECT_EQ(closest_match("sigan", protocols), "signal");  // transposition plus deletion
  EXPECT_EQ(closest_match("Signal", protocols), "signal");
  EXPECT_EQ(closest_match("imesage", protocols), "imessage");
  EXPECT_EQ(closest_match("telegram", protocols), "");
  EXPECT_EQ(closest_match("", protocols), "");
  EXPECT_EQ(closest_match("titel", {"title", "seed"}), "title");
  // Short words get one edit only: "at" is not a typo of "to".
  EXPECT_EQ(closest_match("at", {"to"}), "");
  EXPECT_EQ(closest_match("ta", {"at"}), "at");
  // Ties go to the first candidate.
  EXPECT_EQ(closest_match("bat", {"bad", "cat"}), "bad");
  EXPECT_EQ(closest_match(std::string(1000, 's'), {"signal"}), "");
}

}  // namespace
}  // namespace msgsim

namespace msgsim {
namespace {

// A CLOUD Act agreement works both ways: a UK authority may order a US
// provider directly, and a US one a UK provider (docs/sources.md §7).
TEST(LoaderTest, ACloudActAgreementReachesTheOtherCountrysProviders) {
  const Scenario s = load_ok(R"(title = "t"
protocols = ["imessage", "signal"]
[[party]]
name = "alice"
[[provider]]
name = "signal"
country = "GB"
[[adversary]]
name = "uk-gov"
country = "GB"
powers = [{ power = "compel", providers = ["apple", "signal"], via = "cloud-act" }]
[[adversary]]
name = "us-gov"
country = "US"
powers = [{ power = "intercept", providers = ["signal"], via = "cloud-act" }, { power = "compel" }]
)");
  EXPECT_EQ(s.adversaries.at(0).powers.at(0).path, LegalPath::kCloudAct);
  EXPECT_EQ(s.adversaries.at(1).powers.at(0).path, LegalPath::kCloudAct);
  EXPECT_EQ(s.adversaries.at(1).powers.at(1).path, LegalPath::kDirect);
  EXPECT_EQ(error_of(R"(title = "t"
protocols = ["imessage"]
[[party]]
name = "alice"
[[adversary]]
name = "au-gov"
country = "AU"
powers = [{ power = "compel", providers = ["apple"] }]
)"),
            "s.toml:8:44: error: au-gov (AU) cannot compel 'apple' directly: it is a provider in US\n"
            "hint: a provider of another country is reached through that country's courts: add via = \"mlat\" (a "
            "mutual legal assistance request), or via = \"cloud-act\" (AU and US have an agreement)");
}

// iCloud Backup, iMessage and FaceTime are switches of each device: a
// device may set its own, and the party's value is its devices' default.
TEST(LoaderTest, ADeviceMaySetItsOwnDeviceSettings) {
  const Scenario s = load_ok(R"(title = "t"
protocols = ["imessage"]
[[party]]
name = "alice"
icloud_backup = true
devices = ["iphone", { kind = "ipad", icloud_backup = false, facetime = false }, { kind = "mac" }]
)");
  const Party& alice = s.parties.at(0);
  EXPECT_EQ(alice.device_kinds(), (std::vector<DeviceKind>{DeviceKind::kIphone, DeviceKind::kIpad, DeviceKind::kMac}));
  EXPECT_TRUE(alice.device_settings(0).icloud_backup) << "the party's value is the default";
  EXPECT_FALSE(alice.device_settings(1).icloud_backup);
  EXPECT_FALSE(alice.device_settings(1).facetime);
  EXPECT_TRUE(alice.device_settings(1).imessage);
  EXPECT_TRUE(alice.device_settings(2).icloud_backup);
  EXPECT_TRUE(alice.settings.facetime) << "a device's own value stays its own";
}

TEST(LoaderErrors, ADeviceTableTakesOnlyItsKindAndDeviceSettings) {
  const auto device = [](std::string_view spec) {
    return error_of(fmt::format("title = \"t\"\nprotocols = [\"imessage\"]\n[[party]]\nname = \"a\"\ndevices = [{}]\n",
                                spec));
  };
  EXPECT_EQ(device(R"({ kind = "ipad", messages_in_icloud = false })"),
            "s.toml:5:29: error: 'messages_in_icloud' is a setting of the account, not of one device\n"
            "hint: set it in the [[party]]: it holds for every device of the party");
  EXPECT_EQ(device(R"({ kind = "ipad", icloud_bakup = true })"),
            "s.toml:5:29: error: unknown key 'icloud_bakup' in a device\nhint: did you mean 'icloud_backup'?");
  EXPECT_EQ(device(R"({ kind = "ipad", lockdown_mode = true })"),
            "s.toml:5:29: error: 'lockdown_mode' is not supported yet\n"
            "hint: the format reserves it for a later version of msgsim; remove it for now");
  EXPECT_EQ(device(R"({ icloud_backup = true })"),
            "s.toml:5:12: error: missing required key 'kind' in a device\n"
            "hint: e.g. { kind = \"ipad\", icloud_backup = true }");
  EXPECT_EQ(device(R"({ kind = "ipda" })"), "s.toml:5:21: error: unknown device kind 'ipda'\nhint: did you mean 'ipad'?");
  EXPECT_EQ(device("3"),
            "s.toml:5:12: error: wrong type for an element of 'devices': expected a string or a table, got an integer\n"
            "hint: write a device as \"iphone\" or as { kind = \"ipad\", icloud_backup = true }");
  EXPECT_EQ(device(R"({ kind = "ipad", imessage = "yes" })"),
            "s.toml:5:40: error: wrong type for 'imessage': expected a boolean (true or false), got a string");
}

TEST(LoaderTest, ADeviceKindMayAppearTwice) {
  const Scenario s = testing::load_ok(
      "title = \"t\"\nprotocols = [\"imessage\"]\n[[party]]\nname = \"bob\"\ndevices = [\"mac\", \"iphone\", \"mac\"]\n",
      testing::options_for({"imessage"}));
  EXPECT_EQ(s.parties.at(0).device_kinds(),
            (std::vector<DeviceKind>{DeviceKind::kMac, DeviceKind::kIphone, DeviceKind::kMac}));
}

}  // namespace
}  // namespace msgsim
