// msgsim/report.h: presenting a Report.
//
// Every format presents the same results. JSON follows the contract in
// docs/scenario-format.md (schema 1); the terminal table shows, per
// protocol, messages by actors and then a summary of actors by protocols;
// Markdown pastes into an article; CSV has one row per
// (protocol, message, actor). Output never contains key bytes.
#pragma once

#include <iosfwd>
#include <memory>
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

// A JSON or CSV report written while the run goes on, each protocol's cells
// as soon as they are final (RunOptions::on_protocol_final), so that a large
// run never holds every protocol's chains at once. The bytes are those
// render() writes for the finished report. (The table and Markdown compare
// protocols side by side: they need the whole report.)
class StreamingReport {
 public:
  static bool supports(Format format) { return format == Format::kJson || format == Format::kCsv; }
  StreamingReport(Format format, std::ostream& os);  // throws std::invalid_argument unless supports(format)
  ~StreamingReport();
  StreamingReport(const StreamingReport&) = delete;
  StreamingReport& operator=(const StreamingReport&) = delete;

  // Protocol `index` of `report` is final; protocols are written in order,
  // each once, from 0. `report`'s head (title, actors, messages...) must be
  // set; other protocols' results are not read.
  void protocol(const Report& report, std::size_t index);
  // The rest (expectations, notes), once every protocol has been written.
  void finish(const Report& report);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace msgsim
