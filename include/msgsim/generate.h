// msgsim/generate.h: random large scenarios, for performance work.
//
// `msgsim generate --parties N --messages M --seed S` writes a scenario that
// the loader accepts (see docs/cli.md): N parties p0001, p0002, ... (zero-
// padded so that they sort), M messages between random distinct pairs at
// non-decreasing ticks (about ten per tick), four adversaries and no
// [[expect]]. The seed is written into the file, with a title and a
// description naming the command that made it.
//
// Determinism: the same options give byte-identical files on every machine.
// The randomness comes from make_seeded_rng(seed, ...) (crypto.h), one
// labelled stream per part of the file (parties, adversaries, messages), so
// that a change to one part does not reshuffle the others.
//
// The file is written as it is generated, in chunks of a few KiB: memory
// stays small whatever M, and a million messages take well under a second
// in a Release build.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace msgsim {

// Limits on the options, each with its reason.
// Parties: names stay short (p000001) and the party list a few MiB.
inline constexpr std::uint64_t kMaxGeneratedParties = 100'000;
// Messages: about ten per tick keeps the last tick far below the loader's
// 1,000,000; larger scenarios would not fit its 64 MiB file limit anyway.
inline constexpr std::uint64_t kMaxGeneratedMessages = 1'000'000;

struct GenerateOptions {
  std::uint64_t parties = 0;   // N, at least 2
  std::uint64_t messages = 0;  // M, 0 or more
  std::uint64_t seed = 0;      // written as `seed`; at most 2^63 - 1 (TOML integers are signed)
  std::vector<std::string> protocols{"imessage", "imessage-icloud", "signal"};
};

// A mistake in the options, worded for the command line: "--parties must be
// at least 2, got 1" and a hint such as "a message needs two different parties".
struct GenerateError {
  std::string message;
  std::string hint;
};

// The first problem with `options`, or nullopt when generate_scenario() may
// run. Checks the ranges above, that every protocol is one of
// `known_protocols` (with a "did you mean") and appears once, and that the
// largest file these options can produce fits the loader's kMaxScenarioBytes.
std::optional<GenerateError> check_generate_options(const GenerateOptions& options,
                                                    const std::vector<std::string>& known_protocols);

// The canonical command that makes this file, as written in its description:
// "msgsim generate --parties 3 --messages 4 --seed 1" (and "--protocols a,b"
// when they are not the default ones).
std::string generate_command(const GenerateOptions& options);

// Writes the scenario to `out`. Precondition: check_generate_options()
// accepts `options` (throws std::invalid_argument otherwise). Stream errors
// are left in `out`'s state for the caller to report.
void generate_scenario(const GenerateOptions& options, std::ostream& out);

}  // namespace msgsim
