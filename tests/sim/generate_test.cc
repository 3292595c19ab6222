// Generated scenarios (msgsim generate): they load, they are deterministic,
// they hold what was asked, and bad options get exact, teaching errors.
#include "msgsim/generate.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "msgsim/loader.h"
#include "msgsim/scenario.h"
#include "protocols/registry.h"

namespace msgsim {
namespace {

std::string generate(std::uint64_t parties, std::uint64_t messages, std::uint64_t seed) {
  GenerateOptions o;
  o.parties = parties;
  o.messages = messages;
  o.seed = seed;
  std::ostringstream out;
  generate_scenario(o, out);
  return out.str();
}

Scenario load(const std::string& text) {
  LoadResult result = load_scenario_text(text, "generated.toml", load_options());
  if (const auto* error = std::get_if<LoadError>(&result)) {
    ADD_FAILURE() << error->format() << "\n" << text.substr(0, 2000);
    return Scenario{};
  }
  return std::get<Scenario>(std::move(result));
}

const Adversary* find_adversary(const Scenario& s, std::string_view name) {
  for (const auto& a : s.adversaries)
    if (a.name == name) return &a;
  return nullptr;
}

// The error check_generate_options gives, "message | hint", or "OK".
std::string error_of(const GenerateOptions& o) {
  const auto e = check_generate_options(o, model_names());
  return e ? e->message + " | " + e->hint : "OK";
}

GenerateOptions options(std::uint64_t parties, std::uint64_t messages, std::uint64_t seed = 1) {
  GenerateOptions o;
  o.parties = parties;
  o.messages = messages;
  o.seed = seed;
  return o;
}

// --- the file loads, and holds what was asked

TEST(GenerateTest, LoadsWithoutErrorForSeveralSizesAndSeeds) {
  struct Size {
    std::uint64_t parties, messages;
  };
  for (const Size size : {Size{2, 0}, Size{2, 1}, Size{3, 4}, Size{10, 100}, Size{250, 1000}})
    for (const std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{42},
                                     std::uint64_t{9223372036854775807u}}) {
      SCOPED_TRACE(::testing::Message() << size.parties << " parties, " << size.messages << " messages, seed "
                                        << seed);
      const Scenario s = load(generate(size.parties, size.messages, seed));
      EXPECT_EQ(s.parties.size(), size.parties);
      EXPECT_EQ(s.messages.size(), size.messages);
      EXPECT_EQ(s.seed, seed);
    }
}

TEST(GenerateTest, CountsPartiesMessagesAndAdversaries) {
  const Scenario s = load(generate(40, 500, 7));
  EXPECT_EQ(s.title, "Generated: 40 parties, 500 messages, seed 7");
  EXPECT_EQ(s.protocols, (std::vector<std::string>{"imessage", "imessage-icloud", "signal"}));
  EXPECT_EQ(s.parties.size(), 40u);
  EXPECT_EQ(s.messages.size(), 500u);
  EXPECT_TRUE(s.expectations.empty());
  EXPECT_TRUE(s.providers.empty());
  ASSERT_EQ(s.adversaries.size(), 4u);

  const Adversary* us = find_adversary(s, "us-gov");
  ASSERT_NE(us, nullptr);
  EXPECT_EQ(us->country, "US");
  ASSERT_EQ(us->powers.size(), 2u);
  EXPECT_EQ(us->powers[0].kind, PowerKind::kCompel);
  EXPECT_EQ(us->powers[0].at, kEndOfScript);
  EXPECT_EQ(us->powers[1].kind, PowerKind::kIntercept);

  const Adversary* fr = find_adversary(s, "fr-gov");
  ASSERT_NE(fr, nullptr);
  EXPECT_EQ(fr->country, "FR");
  ASSERT_EQ(fr->powers.size(), 1u);
  EXPECT_EQ(fr->powers[0].kind, PowerKind::kCompel);

  const std::int64_t last_tick = s.messages.back().at;
  const Adversary* spyware = find_adversary(s, "spyware");
  ASSERT_NE(spyware, nullptr);
  ASSERT_EQ(spyware->powers.size(), 1u);
  EXPECT_EQ(spyware->powers[0].kind, PowerKind::kExploit);
  EXPECT_EQ(spyware->powers[0].via.name, "imessage");
  EXPECT_NE(s.find_party(spyware->powers[0].target), nullptr);
  EXPECT_GE(spyware->powers[0].at, 1);
  EXPECT_LE(spyware->powers[0].at, last_tick);

  const Adversary* police = find_adversary(s, "police");
  ASSERT_NE(police, nullptr);
  ASSERT_EQ(police->powers.size(), 1u);
  EXPECT_EQ(police->powers[0].kind, PowerKind::kSeize);
  const Party* seized = s.find_party(police->powers[0].target);
  ASSERT_NE(seized, nullptr);
  EXPECT_EQ(police->country, seized->country);  // the police of the seized party's country
  EXPECT_GE(police->powers[0].at, 1);
  EXPECT_LE(police->powers[0].at, last_tick);
}

TEST(GenerateTest, DescriptionAndFirstLineNameTheCommand) {
  const std::string text = generate(3, 4, 1);
  EXPECT_TRUE(text.starts_with("# Written by: msgsim generate --parties 3 --messages 4 --seed 1\n")) << text;
  const Scenario s = load(text);
  EXPECT_TRUE(s.description.starts_with("Made by `msgsim generate --parties 3 --messages 4 --seed 1`:"))
      << s.description;

  GenerateOptions o = options(3, 4);
  o.protocols = {"signal", "imessage"};
  EXPECT_EQ(generate_command(o), "msgsim generate --parties 3 --messages 4 --seed 1 --protocols signal,imessage");
  std::ostringstream out;
  generate_scenario(o, out);
  EXPECT_EQ(load(out.str()).protocols, (std::vector<std::string>{"signal", "imessage"}));
}

TEST(GenerateTest, NoExpectInTheFile) {
  EXPECT_EQ(generate(20, 200, 3).find("expect"), std::string::npos);
}

// --- determinism

TEST(GenerateTest, SameOptionsGiveByteIdenticalFiles) {
  EXPECT_EQ(generate(50, 1000, 9), generate(50, 1000, 9));
  EXPECT_EQ(generate(2, 0, 0), generate(2, 0, 0));
}

TEST(GenerateTest, DifferentSeedsGiveDifferentFiles) {
  const Scenario a = load(generate(50, 1000, 1));
  const Scenario b = load(generate(50, 1000, 2));
  std::size_t same = 0;
  for (std::size_t i = 0; i < a.messages.size(); ++i)
    if (a.messages[i].from == b.messages[i].from && a.messages[i].to == b.messages[i].to) ++same;
  EXPECT_LT(same, 100u);  // about 1000 / (50 * 49) by chance
  EXPECT_NE(generate(3, 4, 1), generate(3, 4, 2));
}

// --- the shape of the data

TEST(GenerateTest, TicksAreNonDecreasingAboutTenMessagesPerTick) {
  const Scenario s = load(generate(100, 5000, 5));
  ASSERT_EQ(s.messages.size(), 5000u);
  EXPECT_EQ(s.messages.front().at, 1);
  for (std::size_t i = 1; i < s.messages.size(); ++i)
    ASSERT_LE(s.messages[i - 1].at, s.messages[i].at) << "message " << i + 1;
  // 4999 steps, each +1 with probability 1/10: 1 + 500 on average, sd 21.
  EXPECT_GT(s.messages.back().at, 420);
  EXPECT_LT(s.messages.back().at, 580);
}

TEST(GenerateTest, MessagesGoBetweenDistinctPartiesWithVariedTexts) {
  const Scenario s = load(generate(5, 2000, 11));
  std::vector<std::string> texts;
  std::vector<std::string> senders;
  for (const auto& m : s.messages) {
    ASSERT_EQ(m.to.size(), 1u);
    EXPECT_NE(m.from, m.to[0]);
    EXPECT_FALSE(m.text.empty());
    texts.push_back(m.text);
    senders.push_back(m.from);
  }
  std::sort(texts.begin(), texts.end());
  texts.erase(std::unique(texts.begin(), texts.end()), texts.end());
  EXPECT_GE(texts.size(), 20u);
  std::sort(senders.begin(), senders.end());
  senders.erase(std::unique(senders.begin(), senders.end()), senders.end());
  EXPECT_EQ(senders, (std::vector<std::string>{"p0001", "p0002", "p0003", "p0004", "p0005"}));
}

TEST(GenerateTest, PartyNamesAreZeroPaddedSoTheySort) {
  const Scenario small = load(generate(3, 0, 1));
  EXPECT_EQ(small.parties[0].name, "p0001");
  EXPECT_EQ(small.parties[2].name, "p0003");
  const Scenario large = load(generate(12345, 0, 1));
  EXPECT_EQ(large.parties[0].name, "p00001");
  EXPECT_EQ(large.parties.back().name, "p12345");
  EXPECT_TRUE(std::is_sorted(large.parties.begin(), large.parties.end(),
                             [](const Party& a, const Party& b) { return a.name < b.name; }));
}

TEST(GenerateTest, PartiesMostlyTypeOnAnIphoneWithMixedSettingsAndCountries) {
  const Scenario s = load(generate(1000, 0, 3));
  std::size_t iphone_first = 0, backup = 0, in_icloud = 0, several_devices = 0;
  std::vector<std::string> countries;
  for (const auto& p : s.parties) {
    ASSERT_FALSE(p.devices.empty());
    if (p.devices[0].kind == DeviceKind::kIphone) ++iphone_first;
    if (p.devices.size() > 1) ++several_devices;
    if (p.settings.icloud_backup) ++backup;
    if (p.settings.messages_in_icloud) ++in_icloud;
    countries.push_back(p.country);
  }
  EXPECT_GT(iphone_first, 780u);  // 85%
  EXPECT_LT(iphone_first, 920u);
  EXPECT_GT(backup, 420u);  // 50%
  EXPECT_LT(backup, 580u);
  EXPECT_GT(in_icloud, 620u);  // 70%
  EXPECT_LT(in_icloud, 780u);
  EXPECT_GT(several_devices, 300u);  // 1 - 0.75 * 0.7 = 47.5%
  std::sort(countries.begin(), countries.end());
  countries.erase(std::unique(countries.begin(), countries.end()), countries.end());
  EXPECT_EQ(countries, (std::vector<std::string>{"DE", "FR", "GB", "US"}));
}

// --- bad options

TEST(GenerateTest, OptionErrorsSayWhatToDo) {
  EXPECT_EQ(error_of(options(3, 4)), "OK");
  EXPECT_EQ(error_of(options(2, 0, 9223372036854775807u)), "OK");
  EXPECT_EQ(error_of(options(1, 4)),
            "--parties must be at least 2, got 1 | a message goes between two different parties, e.g. --parties 10");
  EXPECT_EQ(error_of(options(0, 4)),
            "--parties must be at least 2, got 0 | a message goes between two different parties, e.g. --parties 10");
  EXPECT_EQ(error_of(options(100001, 4)), "--parties 100001 is more than 100000 | generate at most 100000 parties");
  EXPECT_EQ(error_of(options(3, 1000001)),
            "--messages 1000001 is more than 1000000 | generate at most 1000000 messages");
  EXPECT_EQ(error_of(options(3, 4, 9223372036854775808u)),
            "--seed 9223372036854775808 is more than 9223372036854775807 | a scenario's seed is a TOML integer: use "
            "a seed from 0 to 2^63 - 1, e.g. --seed 1");

  GenerateOptions o = options(3, 4);
  o.protocols = {"imessage", "signl"};
  EXPECT_EQ(error_of(o), "unknown protocol 'signl' in --protocols | did you mean 'signal'? (protocols: " +
                             fmt::format("{}", fmt::join(model_names(), ", ")) + ")");
  o.protocols = {"signal", "imessage", "signal"};
  EXPECT_EQ(error_of(o),
            "protocol 'signal' is given twice in --protocols | name each protocol once: 'signal', 'imessage', "
            "'signal'");
  o.protocols = {};
  EXPECT_EQ(error_of(o), "--protocols names no protocol | e.g. --protocols imessage,signal (see 'msgsim list')");
}

TEST(GenerateTest, TheLargestFileStillFitsTheLoader) {
  // A million messages fit with a thousand parties...
  EXPECT_EQ(error_of(options(1000, 1000000)), "OK");
  // ...but not with a hundred thousand: the error gives the largest count that fits.
  const std::string error = error_of(options(100000, 1000000));
  EXPECT_TRUE(error.starts_with("100000 parties and 1000000 messages could make a file over 64 MiB, more than "
                                "msgsim loads | with --parties 100000, use at most --messages "))
      << error;
  const std::uint64_t most = std::stoull(error.substr(error.rfind(' ') + 1));
  EXPECT_GT(most, 500000u);
  EXPECT_EQ(error_of(options(100000, most)), "OK");
  EXPECT_NE(error_of(options(100000, most + 1)), "OK");
}

TEST(GenerateTest, InvalidOptionsThrowInsteadOfWriting) {
  std::ostringstream out;
  EXPECT_THROW(generate_scenario(options(1, 4), out), std::invalid_argument);
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace msgsim
