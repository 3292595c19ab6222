// msgsim/loader.h: reading a scenario file.
//
// The loader turns TOML into a validated Scenario or one Error that says
// where (file:line:column) and what, with a hint when a fix is likely. It
// never crashes or hangs, whatever the bytes: sizes and nesting are bounded
// before parsing, and the parser's internal assertions are turned into
// errors.
#pragma once

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

using LoadResult = std::variant<Scenario, LoadError>;

LoadResult load_scenario_file(const std::string& path, const LoadOptions& options);
LoadResult load_scenario_text(std::string_view text, const std::string& path, const LoadOptions& options);

// "did you mean" helper: the closest candidate within a small edit distance, or "".
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace msgsim
