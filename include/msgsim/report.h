// msgsim/report.h: presenting a Report.
//
// Every format presents the same results. JSON follows the contract in
// docs/scenario-format.md (schema 1); the terminal table shows, per
// protocol, messages by actors and then a summary of actors by protocols;
// Markdown pastes into an article; CSV has one row per
// (protocol, message, actor). Output never contains key bytes.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "msgsim/results.h"

namespace msgsim {

enum class Format { kTable, kMarkdown, kCsv, kJson };
std::optional<Format> parse_format(std::string_view name);

struct RenderOptions {
  bool color = false;      // ANSI colours (terminal table only)
  bool explain = true;     // table/markdown: list the "how" chains under the table
};

// Writes the report to `os` as it goes: a large report is never held whole.
void render(const Report& report, Format format, const RenderOptions& options, std::ostream& os);
std::string render(const Report& report, Format format, const RenderOptions& options = {});

}  // namespace msgsim
