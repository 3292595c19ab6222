// Random large scenarios (msgsim generate); the contract is in
// include/msgsim/generate.h.
//
// Every line is produced by one append_* function, used both to write the
// file and, with the longest values, to bound its size before writing, so
// that the bound cannot drift from the format.
#include "msgsim/generate.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "msgsim/crypto.h"
#include "msgsim/loader.h"
#include "text.h"

namespace msgsim {
namespace {

// The loader's largest tick (msgsim/loader.h; docs/scenario-format.md, "Ticks").
constexpr auto kLastTick = static_cast<std::uint64_t>(kMaxTick);
// On average one message in kMessagesPerTick moves the clock on by one tick.
constexpr std::uint64_t kMessagesPerTick = 10;
constexpr std::uint64_t kMaxSeed = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
// Written to the stream whenever the pending text reaches this size.
constexpr std::size_t kChunkBytes = 64 * 1024;

constexpr std::array<std::string_view, 4> kCountries{"US", "FR", "DE", "GB"};

// Short texts, a few in French and German (non-ASCII included, so that large
// files exercise the loader's escaping too). None needs a TOML escape.
constexpr std::array<std::string_view, 32> kTexts{
    "hi",           "ok",          "on my way",       "call me?",         "see you at 6",    "running late",
    "lunch?",       "thanks!",     "where are you?",  "sounds good",      "meet at the cafe", "did you see it?",
    "home soon",    "love you",    "can't talk now",  "send the file",    "on se voit à 18h ?", "à demain",
    "bis später",   "cheers",      "tomorrow?",       "yes",              "no",              "maybe",
    "good night",   "happy birthday!", "new number",  "check your email", "meeting moved",   "bring the keys",
    "je t'appelle", "alles gut?"};

constexpr std::size_t longest_text() {
  std::size_t n = 0;
  for (auto t : kTexts) n = std::max(n, t.size());
  return n;
}

using Buffer = fmt::memory_buffer;

// Draws from a labelled msgsim Rng, read in blocks: one ChaCha20 call per
// 4 KiB rather than per number.
class Draw {
 public:
  Draw(std::uint64_t seed, std::string_view label) : rng_(make_seeded_rng(seed, label)) {}

  // A uniform integer in [0, n), n > 0, without modulo bias.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    const std::uint64_t limit = max - max % n;  // [0, limit) maps evenly onto [0, n)
    std::uint64_t v = next();
    while (v >= limit) v = next();
    return v % n;
  }
  bool percent(std::uint64_t p) { return below(100) < p; }

 private:
  std::uint64_t next() {
    if (pos_ + 8 > block_.size()) {
      rng_->fill(block_);
      pos_ = 0;
    }
    std::uint64_t v = 0;  // little-endian, so that every machine reads the same numbers
    for (std::size_t i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(block_[pos_ + i]) << (8 * i);
    pos_ += 8;
    return v;
  }

  std::unique_ptr<Rng> rng_;
  std::array<std::uint8_t, 4096> block_{};
  std::size_t pos_ = block_.size();
};

// The ticks of the messages: the first at 1, then each moves the clock on by
// one with probability 1/kMessagesPerTick, never past the loader's limit.
class Ticks {
 public:
  explicit Ticks(std::uint64_t seed) : draw_(seed, "msgsim generate: ticks") {}
  std::uint64_t next() {
    if (first_) {
      first_ = false;
    } else if (draw_.below(kMessagesPerTick) == 0 && tick_ < kLastTick) {
      ++tick_;
    }
    return tick_;
  }

 private:
  Draw draw_;
  std::uint64_t tick_ = 1;
  bool first_ = true;
};

// Party names p0001 ... zero-padded to the width of the largest, at least 4.
class Names {
 public:
  explicit Names(std::uint64_t parties) : width_(std::max<std::size_t>(4, fmt::formatted_size("{}", parties))) {}
  // Party i, 0-based.
  std::string operator()(std::uint64_t i) const { return fmt::format("p{:0{}}", i + 1, width_); }

 private:
  std::size_t width_;
};

// A TOML basic string (quotes included).
std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\u{:04X}", u);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string toml_strings(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const auto& s : items) quoted.push_back(toml_string(s));
  return fmt::format("[{}]", fmt::join(quoted, ", "));
}

// --- the lines of the file

void append_header(Buffer& b, const GenerateOptions& o) {
  const std::string command = generate_command(o);
  fmt::format_to(std::back_inserter(b),
                 "# Written by: {}\n"
                 "# Random parties, messages and adversaries for performance work: the same\n"
                 "# command writes the same bytes. One message per line, written compactly so\n"
                 "# that a million of them fit the loader's 64 MiB limit.\n",
                 command);
  const std::string title =
      fmt::format("Generated: {}, {}, seed {}", plural(o.parties, "party", "parties"),
                  plural(o.messages, "message", "messages"), o.seed);
  const std::string description = fmt::format(
      "Made by `{}`: random parties (devices, iCloud settings, countries), messages between random pairs, "
      "and four adversaries (US authorities who compel and intercept, French authorities who compel, a spyware "
      "vendor exploiting one party through iMessage, the police seizing one party's devices). The same command "
      "writes the same file.",
      command);
  fmt::format_to(std::back_inserter(b), "title = {}\ndescription = {}\nseed = {}\nprotocols = {}\n",
                 toml_string(title), toml_string(description), o.seed, toml_strings(o.protocols));
}

struct PartyLine {
  std::string_view name;
  std::string_view country;
  std::vector<std::string_view> devices;
  bool icloud_backup = false;
  bool messages_in_icloud = false;
};

void append_party(Buffer& b, const PartyLine& p) {
  fmt::format_to(std::back_inserter(b),
                 "  {{ name = \"{}\", country = \"{}\", devices = [\"{}\"], icloud_backup = {}, "
                 "messages_in_icloud = {} }},\n",
                 p.name, p.country, fmt::join(p.devices, "\", \""), p.icloud_backup, p.messages_in_icloud);
}

struct AdversaryTargets {
  std::string_view exploit_target;
  std::uint64_t exploit_at = 0;
  std::string_view seize_target;
  std::string_view seize_country;  // the police are those of the seized party's country
  std::uint64_t seize_at = 0;
};

void append_adversaries(Buffer& b, const AdversaryTargets& t) {
  fmt::format_to(
      std::back_inserter(b),
      "\nadversary = [\n"
      "  {{ name = \"us-gov\", label = \"US authorities\", country = \"US\", "
      "powers = [{{ power = \"compel\" }}, {{ power = \"intercept\" }}] }},\n"
      "  {{ name = \"fr-gov\", label = \"French authorities\", country = \"FR\", "
      "powers = [{{ power = \"compel\" }}] }},\n"
      "  {{ name = \"spyware\", label = \"Spyware vendor\", "
      "powers = [{{ power = \"exploit\", via = \"imessage\", target = \"{}\", at = {} }}] }},\n"
      "  {{ name = \"police\", label = \"Police\", country = \"{}\", "
      "powers = [{{ power = \"seize\", target = \"{}\", at = {} }}] }},\n"
      "]\n",
      t.exploit_target, t.exploit_at, t.seize_country, t.seize_target, t.seize_at);
}

void append_message(Buffer& b, std::uint64_t at, std::string_view from, std::string_view to, std::string_view text) {
  fmt::format_to(std::back_inserter(b), "{{at={},from=\"{}\",to=\"{}\",text=\"{}\"}},\n", at, from, to, text);
}

constexpr std::string_view kPartiesOpen = "\nparty = [\n";
constexpr std::string_view kMessagesOpen = "\nmessage = [\n";
constexpr std::string_view kClose = "]\n";

void append(Buffer& b, std::string_view s) { b.append(s.data(), s.data() + s.size()); }

// The sizes of the lines above with their longest values.
struct SizeBound {
  std::uint64_t fixed = 0;        // header, brackets, adversaries
  std::uint64_t per_party = 0;    // one party line
  std::uint64_t per_message = 0;  // one message line
  std::uint64_t total(std::uint64_t parties, std::uint64_t messages) const {
    return fixed + parties * per_party + messages * per_message;
  }
};

SizeBound size_bound(const GenerateOptions& o) {
  const std::string name = Names(o.parties)(o.parties - 1);
  SizeBound bound;
  Buffer b;
  append_header(b, o);
  append(b, kPartiesOpen);
  append(b, kClose);
  append_adversaries(b, {name, kLastTick, name, "US", kLastTick});
  append(b, kMessagesOpen);
  append(b, kClose);
  bound.fixed = b.size();
  b.clear();
  append_party(b, {name, "US", {"android", "iphone", "ipad", "mac"}, false, false});
  bound.per_party = b.size();
  b.clear();
  append_message(b, kLastTick, name, name, std::string(longest_text(), 'x'));
  bound.per_message = b.size();
  return bound;
}

// Names from the command line, quoted and shown safely (text.h).
std::string quoted_list(const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const auto& name : names) quoted.push_back(text::quote(name));
  return fmt::format("{}", fmt::join(quoted, ", "));
}

}  // namespace

std::optional<GenerateError> check_generate_options(const GenerateOptions& o,
                                                    const std::vector<std::string>& known_protocols) {
  if (o.parties < 2)
    return GenerateError{fmt::format("--parties must be at least 2, got {}", o.parties),
                         "a message goes between two different parties, e.g. --parties 10"};
  if (o.parties > kMaxGeneratedParties)
    return GenerateError{fmt::format("--parties {} is more than {}", o.parties, kMaxGeneratedParties),
                         fmt::format("generate at most {} parties", kMaxGeneratedParties)};
  if (o.messages > kMaxGeneratedMessages)
    return GenerateError{fmt::format("--messages {} is more than {}", o.messages, kMaxGeneratedMessages),
                         fmt::format("generate at most {} messages", kMaxGeneratedMessages)};
  if (o.seed > kMaxSeed)
    return GenerateError{fmt::format("--seed {} is more than {}", o.seed, kMaxSeed),
                         "a scenario's seed is a TOML integer: use a seed from 0 to 2^63 - 1, e.g. --seed 1"};
  if (o.protocols.empty())
    return GenerateError{"--protocols names no protocol", "e.g. --protocols imessage,signal (see 'msgsim list')"};
  for (auto it = o.protocols.begin(); it != o.protocols.end(); ++it) {
    const std::string& name = *it;
    if (std::find(known_protocols.begin(), known_protocols.end(), name) == known_protocols.end()) {
      const std::string guess = closest_match(name, known_protocols);
      const std::string known = fmt::format("protocols: {}", fmt::join(known_protocols, ", "));
      return GenerateError{fmt::format("unknown protocol {} in --protocols", text::quote(name)),
                           guess.empty() ? known : fmt::format("did you mean '{}'? ({})", guess, known)};
    }
    if (std::find(o.protocols.begin(), it, name) != it)
      return GenerateError{fmt::format("protocol '{}' is given twice in --protocols", name),
                           fmt::format("name each protocol once: {}", quoted_list(o.protocols))};
  }
  const SizeBound bound = size_bound(o);
  if (bound.total(o.parties, o.messages) > kMaxScenarioBytes) {
    const std::uint64_t room = kMaxScenarioBytes - std::min<std::uint64_t>(kMaxScenarioBytes, bound.fixed +
                                                                                                o.parties * bound.per_party);
    return GenerateError{
        fmt::format("{} and {} could make a file over 64 MiB, more than msgsim loads",
                    plural(o.parties, "party", "parties"), plural(o.messages, "message", "messages")),
        fmt::format("with --parties {}, use at most --messages {}", o.parties, room / bound.per_message)};
  }
  return std::nullopt;
}

std::string generate_command(const GenerateOptions& o) {
  std::string command =
      fmt::format("msgsim generate --parties {} --messages {} --seed {}", o.parties, o.messages, o.seed);
  if (o.protocols != GenerateOptions{}.protocols) command += fmt::format(" --protocols {}", fmt::join(o.protocols, ","));
  return command;
}

void generate_scenario(const GenerateOptions& o, std::ostream& out) {
  if (auto error = check_generate_options(o, o.protocols))
    throw std::invalid_argument(fmt::format("generate_scenario: {}", error->message));

  Buffer b;
  auto flush = [&](bool force) {
    if (!force && b.size() < kChunkBytes) return;
    out.write(b.data(), static_cast<std::streamsize>(b.size()));
    b.clear();
  };
  const Names names(o.parties);
  append_header(b, o);

  // Parties; their countries are kept for the police.
  Draw party_draw(o.seed, "msgsim generate: parties");
  std::vector<std::uint8_t> country_of(o.parties);
  append(b, kPartiesOpen);
  for (std::uint64_t i = 0; i < o.parties; ++i) {
    const std::string name = names(i);
    PartyLine p;
    p.name = name;
    country_of[i] = static_cast<std::uint8_t>(party_draw.below(kCountries.size()));
    p.country = kCountries[country_of[i]];
    // The first device is the one the party types on: an iPhone most of the time.
    p.devices.push_back(party_draw.percent(85) ? "iphone" : "android");
    if (party_draw.percent(25)) p.devices.push_back("ipad");
    if (party_draw.percent(30)) p.devices.push_back("mac");
    p.icloud_backup = party_draw.percent(50);
    p.messages_in_icloud = party_draw.percent(70);
    append_party(b, p);
    flush(false);
  }
  append(b, kClose);

  // Adversaries act at random ticks within the conversation: a first pass
  // over the tick stream finds its last tick.
  std::uint64_t last_tick = 1;
  {
    Ticks ticks(o.seed);
    for (std::uint64_t i = 0; i < o.messages; ++i) last_tick = ticks.next();
  }
  Draw adversary_draw(o.seed, "msgsim generate: adversaries");
  const std::uint64_t exploited = adversary_draw.below(o.parties);
  const std::uint64_t exploit_at = 1 + adversary_draw.below(last_tick);
  const std::uint64_t seized = adversary_draw.below(o.parties);
  const std::uint64_t seize_at = 1 + adversary_draw.below(last_tick);
  const std::string exploited_name = names(exploited);
  const std::string seized_name = names(seized);
  append_adversaries(b, {exploited_name, exploit_at, seized_name, kCountries[country_of[seized]], seize_at});

  // Messages, last: the long part of the file.
  Ticks ticks(o.seed);
  Draw message_draw(o.seed, "msgsim generate: messages");
  append(b, kMessagesOpen);
  for (std::uint64_t i = 0; i < o.messages; ++i) {
    const std::uint64_t from = message_draw.below(o.parties);
    const std::uint64_t to = (from + 1 + message_draw.below(o.parties - 1)) % o.parties;
    const std::string_view text = kTexts[message_draw.below(kTexts.size())];
    append_message(b, ticks.next(), names(from), names(to), text);
    flush(false);
  }
  append(b, kClose);
  flush(true);
}

}  // namespace msgsim
