// sim/report_writers.h (engine-private): what the report writers share.
//
// Every writer walks the same grid, protocols x messages x actors in Report
// order, through ReportGrid, which refuses a Report that lacks a cell or
// holds one twice (an engine bug must not turn into a silently wrong table).
// One file a format: report_table.cc, report_markdown.cc, report_csv.cc,
// report_json.cc; report_explanations.cc holds what the table and Markdown
// say about each reading; report.cc the public entry points (msgsim/report.h).
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstddef>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "msgsim/report.h"
#include "text.h"

namespace msgsim::report {

using text::display_width;
using text::excerpt;
using text::join;
using text::next_code_point;
using text::one_line;
using text::pad;
using text::printable_lines;
using text::repeat;
using text::wrap;

// ---------------------------------------------------------------------------
// The grid every writer walks.

class ReportGrid {
 public:
  // The grid of every protocol of `report`.
  explicit ReportGrid(const Report& report) : r_(report) {
    for (std::size_t p = 0; p < r_.protocols.size(); ++p) add(p);
  }
  // The grid of one protocol (the others are not to be walked).
  ReportGrid(const Report& report, std::size_t protocol) : r_(report) { add(protocol); }

  const Report& report() const { return r_; }
  // Protocols by index in report().protocols; actors by index in report().actors.
  const ProtocolResult& result(std::size_t protocol) const {
    if (results_.at(protocol) == nullptr) throw std::logic_error("protocol outside the report grid");
    return *results_[protocol];
  }
  bool readable(std::size_t protocol, const Message& m, std::size_t actor) const {
    return results_[protocol]->readable(m.id, columns_[protocol][actor]);
  }
  std::vector<std::string> how(std::size_t protocol, const Message& m, std::size_t actor) const {
    return results_[protocol]->how(m.id, columns_[protocol][actor]);
  }

  // How `m` reached the actor when the protocol's own channel did not carry
  // it ("sent as SMS", "not delivered"); null otherwise.
  const Delivery* delivery(std::size_t protocol, const Message& m, std::size_t actor) const {
    const ProtocolResult& pr = *results_[protocol];
    return pr.deliveries.empty() ? nullptr : pr.delivery(m.id, r_.actors[actor].name);
  }
  // A cell as the table and Markdown show it: `reads` or "·" for a reading,
  // and how the message came when not by the protocol's own channel
  // ("✔ sent as SMS", "not delivered").
  std::string cell(std::size_t protocol, const Message& m, std::size_t actor, std::string_view reads) const {
    const bool can = readable(protocol, m, actor);
    const Delivery* d = delivery(protocol, m, actor);
    if (d == nullptr) return std::string(can ? reads : "·");
    if (!can && !d->delivered()) return d->text();
    return fmt::format("{} {}", can ? "✔" : "·", d->text());
  }

  std::size_t readable_count(std::size_t protocol, std::size_t actor) const {
    std::size_t n = 0;
    for (const auto& m : r_.messages)
      if (readable(protocol, m, actor)) ++n;
    return n;
  }

 private:
  void add(std::size_t p) {
    const std::string& protocol = r_.protocols.at(p);
    // In an engine report results[p] is protocol p's; only if it is not are
    // the others looked at (a streaming run must not read them: they may be
    // changing).
    const auto named = [&](const ProtocolResult& pr) { return pr.protocol == protocol; };
    auto it = p < r_.results.size() && named(r_.results[p]) ? r_.results.begin() + static_cast<std::ptrdiff_t>(p)
                                                            : std::find_if(r_.results.begin(), r_.results.end(), named);
    if (it == r_.results.end())
      throw std::logic_error(fmt::format("report has no results for protocol '{}'", protocol));
    results_.resize(r_.protocols.size());
    columns_.resize(r_.protocols.size());
    results_[p] = &*it;
    // Columns are matched by name once (in an engine report they are the
    // report's actors, in order).
    std::vector<std::size_t>& columns = columns_[p];
    for (const auto& a : r_.actors) {
      const auto c = it->column(a.name);
      if (!c) throw std::logic_error(fmt::format("report has no readings for protocol '{}', actor '{}'", protocol, a.name));
      columns.push_back(*c);
    }
    for (const auto& m : r_.messages)
      if (m.id < 1 || static_cast<std::size_t>(m.id) > it->message_count())
        throw std::logic_error(fmt::format("report has no readings for protocol '{}', message {}", protocol, m.id));
  }

  const Report& r_;
  std::vector<const ProtocolResult*> results_;     // per protocol (null: not in this grid)
  std::vector<std::vector<std::size_t>> columns_;  // per protocol: report actor -> result column
};

inline bool is_conversation_member(const Message& m, std::string_view actor) {
  return m.from == actor || std::find(m.to.begin(), m.to.end(), actor) != m.to.end();
}

inline std::string arrow(const Message& m) { return fmt::format("{}→{}", m.from, join(m.to, ",")); }

// ---------------------------------------------------------------------------
// Output

// Text written in pieces: kept in a buffer, handed to the stream a block at
// a time (a large report is written while it is produced, never held whole).
class Sink {
 public:
  explicit Sink(std::ostream& os) : os_(os) {}
  ~Sink() { flush(); }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;
  Sink& operator<<(std::string_view s) {
    buffer_ += s;
    maybe_flush();
    return *this;
  }
  std::string& buffer() { return buffer_; }  // to format into directly; call maybe_flush() after
  void maybe_flush() {
    if (buffer_.size() >= kBlock) flush();
  }
  void flush() {
    os_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
  }

 private:
  static constexpr std::size_t kBlock = 1 << 20;
  std::ostream& os_;
  std::string buffer_;
};

// ---------------------------------------------------------------------------
// The formats

// JSON (the contract, schema 1), in three parts so that a run can write each
// protocol's results as soon as they are final (StreamingReport): the head
// (everything before the results' cells), the cells of one protocol, the tail.
void json_head(const Report& r, Sink& sink);
void json_results(const ReportGrid& grid, std::size_t p, bool& first, Sink& sink);
void json_tail(const ReportGrid& grid, bool first, Sink& sink);
void render_json(const ReportGrid& grid, Sink& sink);
// `items` as a one-line JSON array of strings, escaped as the JSON report is.
std::string json_array(const std::vector<std::string>& items);

// CSV: the header line, then the rows of each protocol.
inline constexpr std::string_view kCsvHeader = "protocol,message,at,from,to,actor,actor_kind,readable,how,delivery\n";
void csv_results(const ReportGrid& grid, std::size_t p, Sink& sink);
void render_csv(const ReportGrid& grid, Sink& sink);

void render_table(const ReportGrid& grid, const RenderOptions& options, Sink& out);
void render_markdown(const ReportGrid& grid, const RenderOptions& options, Sink& out);

// ---------------------------------------------------------------------------
// Shared by the table and Markdown: who each explanation is about
// (report_explanations.cc).

// Readings of one actor that share the same chain, for several messages.
struct Explanation {
  std::string actor;
  std::vector<const Message*> messages;
  std::vector<std::string> how;
};

// A chain with every number replaced by '#': two chains with the same shape
// went the same way and differ only in message numbers and ticks.
std::string chain_shape(const std::vector<std::string>& how);
// Readable cells of actors outside the conversation, grouped by actor and
// chain shape, in the order of their first message, then actor.
std::vector<Explanation> outsider_readings(const ReportGrid& grid, std::size_t protocol);
// "#1 (alice→bob)" or "#1 (alice→bob), #2 (bob→alice), the same way (...)".
std::string message_list(const std::vector<const Message*>& messages, std::string_view arrow_sep);
// Messages a sender or recipient cannot read: "#2 bob".
std::vector<std::string> members_locked_out(const ReportGrid& grid, std::size_t protocol);
std::string members_sentence(const std::vector<std::string>& locked_out);
std::string expectation_line(const ExpectationResult& e);

// The actors grouped by kind, one group per entry: {"Parties", "alice (Alice), bob"}.
// `name` decorates a name (bold, escaped), `text` makes a label printable.
template <typename Name, typename Text>
std::vector<std::pair<std::string, std::string>> actor_groups(const Report& r, Name name, Text text) {
  const std::pair<ActorKind, const char*> kinds[] = {
      {ActorKind::kParty, "Parties"}, {ActorKind::kProvider, "Providers"}, {ActorKind::kAdversary, "Adversaries"}};
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [kind, heading] : kinds) {
    std::vector<std::string> parts;
    for (const auto& a : r.actors) {
      if (a.kind != kind) continue;
      std::vector<std::string> extra;
      if (!a.label.empty() && a.label != a.name) extra.push_back(text(a.label));
      if (kind != ActorKind::kParty && !a.country.empty()) extra.push_back(text(a.country));
      parts.push_back(extra.empty() ? name(a.name) : fmt::format("{} ({})", name(a.name), join(extra, ", ")));
    }
    if (!parts.empty()) out.emplace_back(heading, join(parts, ", "));
  }
  return out;
}

}  // namespace msgsim::report
