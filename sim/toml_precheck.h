// sim/toml_precheck.h (engine-private): the byte-level check a scenario's
// text passes before toml++ parses it.
//
// toml++ 3.3.0 only ever sees ASCII text that passed these checks, each of
// which closes a way for hostile bytes to crash, hang or reach undefined
// behaviour in the parser:
//   - size: at most kMaxScenarioBytes;
//   - no NUL byte and no invalid UTF-8 (overlong forms, surrogates,
//     > U+10FFFF, truncated sequences): a text file has none;
//   - no nesting of [ and { deeper than kMaxNesting: the parser recurses;
//   - no dotted key or table name of more than kMaxKeyParts parts: each
//     part is a nested table, which toml++ builds, walks and frees
//     recursively;
//   - a table header's name right after its '[' ("[&" fails an internal
//     assertion in toml++'s parse_key, marzer/tomlplusplus#294);
//   - no non-ASCII character outside strings and comments (TOML 1.0 has
//     none there), and inside them every non-ASCII character is rewritten
//     before parsing: as a \uXXXX escape in strings (a literal string becomes
//     the equivalent basic string), as '?' in comments. The parser then never
//     classifies a non-ASCII code point, which is where toml++'s
//     is_non_ascii_horizontal_whitespace() reaches __builtin_unreachable for
//     many of them (U+00A0..U+0499 among them: marzer/tomlplusplus#190,
//     #295), whatever path malformed input takes through the parser.
// The rewrite changes columns on the lines it touches; PositionMap turns the
// parser's positions back into positions in the user's file. Strings and
// comments are delimited exactly as TOML does for valid input; on invalid
// input the two views may differ, but the text handed over is ASCII either
// way and the parser reports the syntax error.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "msgsim/loader.h"

namespace msgsim {

// Columns of the rewritten text -> columns of the original. The rewrite
// never adds or removes a line, and only the code points it expands shift
// the columns after them; those are all it records.
class PositionMap {
 public:
  // The code point at `original` on `line` became `length` (> 1) bytes at
  // column `rewritten`. Calls come in file order.
  void add_expansion(std::uint32_t line, std::uint32_t original, std::uint32_t rewritten, std::uint32_t length) {
    lines_[line].push_back(Expansion{rewritten, length, original});
  }

  std::uint32_t column(std::uint32_t line, std::uint32_t rewritten) const {
    const auto it = lines_.find(line);
    if (it == lines_.end()) return rewritten;
    const auto& expansions = it->second;
    // The last expansion starting at or before the column.
    auto e = std::upper_bound(expansions.begin(), expansions.end(), rewritten,
                              [](std::uint32_t column, const Expansion& x) { return column < x.rewritten; });
    if (e == expansions.begin()) return rewritten;
    --e;
    const std::uint32_t end = e->rewritten + e->length;
    // Inside the expansion: its code point; after it: one column per byte.
    return rewritten < end ? e->original : e->original + 1 + (rewritten - end);
  }

 private:
  struct Expansion {
    std::uint32_t rewritten;
    std::uint32_t length;
    std::uint32_t original;
  };
  std::map<std::uint32_t, std::vector<Expansion>> lines_;
};

struct PreChecked {
  std::string ascii;  // what toml++ parses
  PositionMap positions;
};

// The ASCII text for toml++ (with the map back to the user's columns), or
// the first problem found, with its file:line:column.
std::variant<PreChecked, LoadError> precheck_toml(std::string_view text, const std::string& path);

// "file too large" for `path`; `size`: "67208864", or "more than 67108864"
// when a pipe's size is unknown.
LoadError file_too_large(const std::string& path, const std::string& size);

}  // namespace msgsim
