// msgsim/loader.h: reading a scenario file.
//
// The loader turns TOML into a validated Scenario or one Error that says
// where (file:line:column) and what, with a hint when a fix is likely. It
// never crashes or hangs, whatever the bytes: sizes, nesting and the parts
// of dotted keys are bounded before parsing, and the parser's internal
// assertions are turned into errors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "msgsim/scenario.h"

namespace msgsim {

struct LoadError {
  SourcePos pos;        // line/column 0 when the error is about the whole file
  std::string message;  // "unknown protocol 'signl'"
  std::string hint;     // "did you mean 'signal'?" or empty
  // "file:line:column: error: message\nhint: hint" (the hint line only if any).
  std::string format() const;
};

// What the registered models offer (protocols/registry.h, load_options()).
struct LoadOptions {
  std::vector<std::string> known_protocols;
  std::vector<AttackSurface> surfaces;  // what an exploit may go `via`
  std::vector<std::string> settings;    // the settings some model reads; the others are "not supported yet"
};

// Limits that keep hostile input cheap; each with its reason.
inline constexpr std::size_t kMaxScenarioBytes = 64u << 20;  // 64 MiB: far above any hand-written lesson
inline constexpr int kMaxNesting = 32;  // arrays/tables deeper than this are never meaningful here
// A dotted key (a.b.c = 1) or table name ([a.b.c]) has at most this many
// parts. Each part is one more level of nested tables, which toml++ builds,
// walks and frees recursively: a key of 300,000 parts overflowed the stack.
// A scenario's keys have one or two parts ([[adversary.powers]]); with
// kMaxNesting, the deepest tree a file can build stays a few thousand levels.
inline constexpr int kMaxKeyParts = 32;
// At most this many parties. A lesson has a handful; `msgsim generate`
// writes up to kMaxGeneratedParties, the largest crowd msgsim is meant to
// run, and its files must load. Every party costs keys and directory
// entries in every protocol, so a file of a few megabytes must not be able
// to ask for millions.
inline constexpr std::size_t kMaxParties = 100'000;
// At most this many devices per party. A real account has a phone, maybe a
// tablet and a computer or two; 32 leaves room for any lesson about a
// forgotten device, while each device costs keys, a session with every
// device it talks to and a copy of every message, in every protocol.
inline constexpr std::size_t kMaxDevicesPerParty = 32;
// Ticks (`at`, `until`, `disappearing`, and a message's default `at`, its
// position) are integers from 0 to this: far beyond any lesson and beyond
// what `msgsim generate` writes, and small enough that the engine's tick
// arithmetic never overflows and a run never steps through billions of
// empty ticks.
inline constexpr std::int64_t kMaxTick = 1'000'000;

using LoadResult = std::variant<Scenario, LoadError>;

LoadResult load_scenario_file(const std::string& path, const LoadOptions& options);
LoadResult load_scenario_text(std::string_view text, const std::string& path, const LoadOptions& options);
LoadResult load_scenario_stream(std::istream& in, const std::string& path, const LoadOptions& options);

// "did you mean" helper: the closest candidate within a small edit distance, or "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace msgsim
