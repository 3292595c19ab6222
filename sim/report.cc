// The report writers: terminal table, Markdown, CSV and JSON.
//
// Every writer walks the same grid, protocols x messages x actors in Report
// order, through ReportGrid, which refuses a Report that lacks a cell or
// holds one twice (an engine bug must not turn into a silently wrong table).
#include "msgsim/report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "text.h"

namespace msgsim {
namespace {

using text::display_width;
using text::next_code_point;
using text::excerpt;
using text::join;
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

bool is_conversation_member(const Message& m, std::string_view actor) {
  return m.from == actor || std::find(m.to.begin(), m.to.end(), actor) != m.to.end();
}

std::string arrow(const Message& m) { return fmt::format("{}→{}", m.from, join(m.to, ",")); }

// ---------------------------------------------------------------------------
// JSON (the contract, schema 1)

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

// JSON is written in three parts, so that a run can write each protocol's
// results as soon as they are final (StreamingReport): the head (everything
// before the results' cells), the cells of one protocol, the tail.
using Json = nlohmann::ordered_json;

// JSON keeps every character, so a program reads the strings of the
// scenario, but C1 controls and characters that reorder or hide text
// (text.h) are written as \u escapes, as dump() writes C0 controls: the
// text shows them when it is printed or opened. (dump() writes ASCII outside
// strings and valid UTF-8 inside them, so every non-ASCII character met here
// is inside a string.)
std::string json_text(const Json& j, int indent) {
  std::string out = j.dump(indent, ' ', false, Json::error_handler_t::replace);
  if (std::all_of(out.begin(), out.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) return out;
  std::string escaped;
  escaped.reserve(out.size());
  for (std::size_t i = 0; i < out.size();) {
    const std::size_t start = i;
    const char32_t cp = next_code_point(out, i);
    if (cp >= 0x80 && (text::is_control(cp) || text::is_invisible_format(cp)))
      escaped += fmt::format("\\u{:04x}", static_cast<std::uint32_t>(cp));
    else
      escaped.append(out, start, i - start);
  }
  return escaped;
}

void json_head(const Report& r, Sink& sink) {
  Json out = Json::object();
  out["schema"] = 1;
  out["title"] = r.title;
  out["description"] = r.description;
  out["seed"] = r.seed ? Json(*r.seed) : Json(nullptr);
  out["protocols"] = r.protocols;

  Json actors = Json::array();
  for (const auto& a : r.actors) {
    Json j = Json::object();
    j["name"] = a.name;
    j["kind"] = to_string(a.kind);
    j["label"] = a.label.empty() ? a.name : a.label;
    if (a.kind != ActorKind::kParty) j["country"] = a.country;
    actors.push_back(std::move(j));
  }
  out["actors"] = std::move(actors);

  Json messages = Json::array();
  for (const auto& m : r.messages) {
    Json j = Json::object();
    j["id"] = m.id;
    j["at"] = m.at;
    j["from"] = m.from;
    j["to"] = m.to;
    j["text"] = m.text;
    messages.push_back(std::move(j));
  }
  out["messages"] = std::move(messages);

  // head = "{\n ... last field\n}": drop the closing "\n}" and go on.
  std::string head = json_text(out, 2);
  head.resize(head.size() - 2);
  sink << head << ",\n  \"results\": [";
}

// The cells of protocol `p`. The results array is written as it is walked
// rather than built as a document: it holds one object per (protocol,
// message, actor), most of a large report, and a JSON tree of it would cost
// several times the text. The bytes are exactly what dump(2) would print.
// `first`: no cell of the array written yet (updated).
void json_results(const ReportGrid& grid, std::size_t p, bool& first, Sink& sink) {
  const Report& r = grid.report();
  const auto str = [](std::string_view v) { return json_text(Json(std::string(v)), -1); };
  std::vector<std::string> actor_names;
  for (const auto& a : r.actors) actor_names.push_back(str(a.name));
  const std::string protocol = str(r.protocols[p]);
  for (const auto& m : r.messages)
    for (std::size_t a = 0; a < r.actors.size(); ++a) {
      const bool readable = grid.readable(p, m, a);
      std::string& out_text = sink.buffer();
      out_text += first ? "\n" : ",\n";
      first = false;
      fmt::format_to(std::back_inserter(out_text),
                     "    {{\n      \"protocol\": {},\n      \"message\": {},\n      \"actor\": {},\n"
                     "      \"readable\": {},\n      \"how\": ",
                     protocol, m.id, actor_names[a], readable ? "true" : "false");
      const std::vector<std::string> how = readable ? grid.how(p, m, a) : std::vector<std::string>{};
      if (how.empty()) {
        out_text += "[]";
      } else {
        out_text += "[";
        for (std::size_t i = 0; i < how.size(); ++i) {
          out_text += i ? ",\n        " : "\n        ";
          out_text += str(how[i]);
        }
        out_text += "\n      ]";
      }
      out_text += "\n    }";
      sink.maybe_flush();
    }
}

// Closes the results array (`first`: it is empty), then the expectations and
// the notes.
void json_tail(const ReportGrid& grid, bool first, Sink& sink) {
  const Report& r = grid.report();
  Json notes = Json::array();
  for (std::size_t p = 0; p < r.protocols.size(); ++p)
    for (const auto& note : grid.result(p).notes) {
      Json j = Json::object();
      j["protocol"] = r.protocols[p];
      j["text"] = note;
      notes.push_back(std::move(j));
    }

  Json expectations = Json::array();
  for (const auto& e : r.expectations) {
    Json j = Json::object();
    j["protocol"] = e.protocol;
    j["message"] = e.message;
    j["ok"] = e.ok;
    j["expected"] = e.expected;
    j["actual"] = e.actual;
    expectations.push_back(std::move(j));
  }
  Json tail = Json::object();
  tail["expectations"] = std::move(expectations);
  tail["notes"] = std::move(notes);

  sink << (first ? "]" : "\n  ]");
  // tail = "{\n  \"expectations\": ...\n}": keep what follows the "{".
  const std::string rest = json_text(tail, 2);
  sink << "," << std::string_view(rest).substr(1) << "\n";
}

void render_json(const ReportGrid& grid, Sink& sink) {
  json_head(grid.report(), sink);
  bool first = true;
  for (std::size_t p = 0; p < grid.report().protocols.size(); ++p) json_results(grid, p, first, sink);
  json_tail(grid, first, sink);
}

// ---------------------------------------------------------------------------
// CSV (RFC 4180 quoting; "\n" line ends). `how` is the chain as a JSON array
// of its steps (["step 1","step 2"], [] when there is none), in one field:
// any separator could appear in a step (a provider's label is the user's),
// a JSON array cannot be misread, a script reads it back with one call, and
// its escapes keep each row on one line.

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

constexpr std::string_view kCsvHeader = "protocol,message,at,from,to,actor,actor_kind,readable,how\n";

// The rows of protocol `p`.
void csv_results(const ReportGrid& grid, std::size_t p, Sink& sink) {
  const Report& r = grid.report();
  std::vector<std::string> actor_fields;  // "actor,actor_kind"
  for (const auto& a : r.actors) actor_fields.push_back(csv_field(a.name) + "," + csv_field(to_string(a.kind)));
  const std::string protocol = csv_field(r.protocols[p]);
  for (const auto& m : r.messages) {
    const std::string message_fields =
        fmt::format("{},{},{},{},{}", protocol, m.id, m.at, csv_field(m.from), csv_field(join(m.to, ";")));
    for (std::size_t a = 0; a < r.actors.size(); ++a) {
      const bool readable = grid.readable(p, m, a);
      std::string& out = sink.buffer();
      out += message_fields;
      out += ',';
      out += actor_fields[a];
      out += readable ? ",true," : ",false,";
      out += readable ? csv_field(json_text(Json(grid.how(p, m, a)), -1)) : std::string("[]");
      out += '\n';
      sink.maybe_flush();
    }
  }
}

void render_csv(const ReportGrid& grid, Sink& sink) {
  sink << kCsvHeader;
  for (std::size_t p = 0; p < grid.report().protocols.size(); ++p) csv_results(grid, p, sink);
}

// ---------------------------------------------------------------------------
// Shared by the table and Markdown: who each explanation is about.

// Readings of one actor that share the same chain, for several messages.
struct Explanation {
  std::string actor;
  std::vector<const Message*> messages;
  std::vector<std::string> how;
};

// A chain with every number replaced by '#': two chains with the same shape
// went the same way (same kinds of keys, same places) and differ only in
// message numbers and ticks.
std::string chain_shape(const std::vector<std::string>& how) {
  std::string out;
  for (const auto& step : how) {
    bool in_number = false;
    for (char c : step) {
      const bool digit = c >= '0' && c <= '9';
      if (!digit) out += c;
      else if (!in_number) out += '#';
      in_number = digit;
    }
    out += '\n';
  }
  return out;
}

// Readable cells of actors outside the conversation (neither sender nor
// recipient): the ones a reader needs explained. Chains of one actor with the
// same shape are grouped, so ten messages read the same way print one chain
// (the first message's); groups come in the order of their first message,
// then actor.
std::vector<Explanation> outsider_readings(const ReportGrid& grid, std::size_t protocol) {
  std::vector<Explanation> out;
  std::map<std::pair<std::size_t, std::string>, std::size_t> group;  // (actor, chain shape) -> index in out
  for (const auto& m : grid.report().messages)
    for (std::size_t a = 0; a < grid.report().actors.size(); ++a) {
      const std::string& name = grid.report().actors[a].name;
      if (!grid.readable(protocol, m, a) || is_conversation_member(m, name)) continue;
      std::vector<std::string> how = grid.how(protocol, m, a);
      const auto [it, fresh] = group.emplace(std::make_pair(a, chain_shape(how)), out.size());
      if (fresh) {
        out.push_back({name, {&m}, std::move(how)});
      } else {
        out[it->second].messages.push_back(&m);
      }
    }
  return out;
}

// "#1 (alice→bob)" or "#1 (alice→bob), #2 (bob→alice)".
// With several messages read the same way, says whose chain is shown.
std::string message_list(const std::vector<const Message*>& messages, std::string_view arrow_sep) {
  std::vector<std::string> parts;
  for (const Message* m : messages)
    parts.push_back(fmt::format("#{} ({}{}{})", m->id, m->from, arrow_sep, join(m->to, ", ")));
  if (messages.size() == 1) return parts.front();
  return fmt::format("{}, the same way (the chain of #{})", join(parts, ", "), messages.front()->id);
}

// Messages a sender or recipient cannot read: "#2 bob".
std::vector<std::string> members_locked_out(const ReportGrid& grid, std::size_t protocol) {
  std::vector<std::string> out;
  std::map<std::string_view, std::size_t> column;
  for (std::size_t a = 0; a < grid.report().actors.size(); ++a) column.emplace(grid.report().actors[a].name, a);
  for (const auto& m : grid.report().messages) {
    std::vector<std::string> members{m.from};
    members.insert(members.end(), m.to.begin(), m.to.end());
    for (const auto& name : members) {
      const auto it = column.find(name);
      if (it != column.end() && !grid.readable(protocol, m, it->second)) out.push_back(fmt::format("#{} {}", m.id, name));
    }
  }
  return out;
}

std::string members_sentence(const std::vector<std::string>& locked_out) {
  if (locked_out.empty()) return "Every sender and recipient reads their own messages.";
  return fmt::format("Not readable by its own sender or recipient: {}.", join(locked_out, ", "));
}

std::string expectation_line(const ExpectationResult& e) {
  const auto names = [](const std::vector<std::string>& v) { return v.empty() ? std::string("nobody") : join(v, ", "); };
  if (e.ok) return fmt::format("{} #{}: readable by {}, as expected", e.protocol, e.message, names(e.actual));
  return fmt::format("{} #{}: readable by {}; expected {}", e.protocol, e.message, names(e.actual), names(e.expected));
}

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

// ---------------------------------------------------------------------------
// Terminal table

constexpr std::size_t kExcerptColumns = 28;  // keeps a 5-actor grid within 100 columns
constexpr std::size_t kExplainColumns = 100;  // explanations wrap here: readable when projected

struct Style {
  bool on;
  std::string paint(std::string_view code, std::string_view s) const {
    return on ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : std::string(s);
  }
  std::string bold(std::string_view s) const { return paint("1", s); }
  std::string green(std::string_view s) const { return paint("32", s); }
  std::string dim(std::string_view s) const { return paint("2", s); }
  std::string red(std::string_view s) const { return paint("31", s); }
};

// A box-drawn grid. Rows are made on demand by `row` (twice: once for the
// widths, once to print), so a long table is never held whole. Cells are
// plain text (for widths); a cell is coloured after it has been padded.
struct BoxTable {
  std::vector<std::string> header;
  std::size_t row_count = 0;
  std::function<std::vector<std::string>(std::size_t)> row;

  void render(const Style& style, Sink& sink) const {
    std::vector<std::size_t> widths(header.size(), 0);
    for (std::size_t c = 0; c < header.size(); ++c) widths[c] = display_width(header[c]);
    for (std::size_t i = 0; i < row_count; ++i) {
      const std::vector<std::string> cells = row(i);
      for (std::size_t c = 0; c < cells.size(); ++c) widths[c] = std::max(widths[c], display_width(cells[c]));
    }
    const auto rule = [&](std::string_view left, std::string_view mid, std::string_view right) {
      std::string s(left);
      for (std::size_t c = 0; c < widths.size(); ++c) {
        if (c) s += mid;
        s += repeat("─", widths[c] + 2);
      }
      return s + std::string(right) + "\n";
    };
    const auto line = [&](const std::vector<std::string>& cells, bool is_header) {
      std::string s = "│";
      for (std::size_t c = 0; c < widths.size(); ++c) {
        const std::string padded = pad(cells[c], widths[c]);
        std::string shown = padded;
        if (is_header) {
          shown = style.bold(padded);
        } else if (cells[c].starts_with("✔")) {
          shown = style.green(padded);
        } else if (cells[c] == "·") {
          shown = style.dim(padded);
        }
        s += " " + shown + " │";
      }
      return s + "\n";
    };
    sink << rule("┌", "┬", "┐") << line(header, true) << rule("├", "┼", "┤");
    for (std::size_t i = 0; i < row_count; ++i) sink << line(row(i), false);
    sink << rule("└", "┴", "┘");
  }
};

void render_table(const ReportGrid& grid, const RenderOptions& options, Sink& out) {
  const Report& r = grid.report();
  const Style style{options.color};

  const std::string title = one_line(r.title);
  out << style.bold(title) << "\n" << repeat("═", display_width(title)) << "\n";
  if (!r.description.empty()) out << printable_lines(r.description) << "\n";
  out << "\n";
  for (const auto& [heading, names] :
       actor_groups(r, [](const std::string& n) { return n; }, [](const std::string& t) { return one_line(t); }))
    out << fmt::format("{:<13}{}\n", heading + ":", names);
  out << fmt::format("Seed: {}\n", r.seed ? std::to_string(*r.seed) : std::string("none (system randomness)"));

  for (std::size_t p = 0; p < r.protocols.size(); ++p) {
    out << "\n" << style.bold(r.protocols[p]) << ": who can read each message (✔ reads, · cannot)\n";
    BoxTable t;
    t.header.push_back("message");
    for (const auto& a : r.actors) t.header.push_back(a.name);
    t.row_count = r.messages.size();
    t.row = [&](std::size_t i) {
      const Message& m = r.messages[i];
      std::vector<std::string> row{
          fmt::format("#{} {} t={} “{}”", m.id, arrow(m), m.at, excerpt(m.text, kExcerptColumns))};
      for (std::size_t a = 0; a < r.actors.size(); ++a) row.push_back(grid.readable(p, m, a) ? "✔ reads" : "·");
      return row;
    };
    t.render(style, out);
    for (const auto& note : grid.result(p).notes) out << fmt::format("note: {}\n", one_line(note));
  }

  out << "\n" << style.bold("Summary") << fmt::format(": messages each actor can read (out of {})\n", r.messages.size());
  BoxTable summary;
  summary.header.push_back("actor");
  for (const auto& protocol : r.protocols) summary.header.push_back(protocol);
  summary.row_count = r.actors.size();
  summary.row = [&](std::size_t a) {
    std::vector<std::string> row{fmt::format("{} ({})", r.actors[a].name, to_string(r.actors[a].kind))};
    for (std::size_t p = 0; p < r.protocols.size(); ++p)
      row.push_back(fmt::format("{}/{}", grid.readable_count(p, a), r.messages.size()));
    return row;
  };
  summary.render(style, out);

  if (options.explain) {
    for (std::size_t p = 0; p < r.protocols.size(); ++p) {
      out << "\n" << style.bold(fmt::format("How {} messages were read", r.protocols[p])) << "\n";
      const auto outsiders = outsider_readings(grid, p);
      if (outsiders.empty()) out << "  Nobody outside the conversation reads any message.\n";
      for (const auto& e : outsiders) {
        out << fmt::format("  {} reads {}:\n", style.bold(e.actor), message_list(e.messages, "→"));
        for (std::size_t i = 0; i < e.how.size(); ++i) {
          const std::string number = fmt::format("    {}. ", i + 1);
          out << wrap(one_line(e.how[i]), kExplainColumns, number, std::string(display_width(number), ' '));
        }
      }
      out << "  " << members_sentence(members_locked_out(grid, p)) << "\n";
    }
  }

  if (!r.expectations.empty()) {
    const auto failed = static_cast<std::size_t>(
        std::count_if(r.expectations.begin(), r.expectations.end(), [](const auto& e) { return !e.ok; }));
    out << "\n" << style.bold("Expectations")
        << fmt::format(": {} hold, {} failed\n", r.expectations.size() - failed, failed);
    for (const auto& e : r.expectations)
      out << "  " << (e.ok ? style.green("ok    ") : style.red("FAILED")) << " " << expectation_line(e) << "\n";
  }
}

// ---------------------------------------------------------------------------
// Markdown

// Escapes text so that it renders literally, also inside a table cell.
std::string md_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\`*_[]<|").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string md_cell(std::string_view s) { return md_escape(one_line(s)); }

// Free text over several lines: each line escaped, and a line that would
// start a heading, quote, list or rule starts with a backslash instead.
std::string md_paragraphs(std::string_view s) {
  std::string out;
  const std::string text = printable_lines(s);
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t nl = text.find('\n', start);
    std::string line = md_escape(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    const std::size_t digits = line.find_first_not_of("0123456789");
    const bool numbered = digits != std::string::npos && digits > 0 && (line[digits] == '.' || line[digits] == ')');
    // (Built anew rather than insert(): GCC 12 warns about insert's memcpy here.)
    if (numbered) line = line.substr(0, digits) + "\\" + line.substr(digits);
    else if (!line.empty() && std::string_view("#>-+=~").find(line[0]) != std::string_view::npos) line = "\\" + line;
    out += line;
    if (nl == std::string::npos) break;
    out += '\n';
    start = nl + 1;
  }
  return out;
}

constexpr std::size_t kMarkdownExcerptColumns = 60;

// Rows made on demand by `row`, as in BoxTable.
void md_table(const std::vector<std::string>& header, std::size_t row_count,
              const std::function<std::vector<std::string>(std::size_t)>& row, std::string_view first_align,
              std::string_view other_align, Sink& out) {
  out << "| " << join(header, " | ") << " |\n|";
  for (std::size_t c = 0; c < header.size(); ++c) out << (c == 0 ? first_align : other_align) << "|";
  out << "\n";
  for (std::size_t i = 0; i < row_count; ++i) out << "| " << join(row(i), " | ") << " |\n";
}

void render_markdown(const ReportGrid& grid, const RenderOptions& options, Sink& out) {
  const Report& r = grid.report();
  out << fmt::format("# {}\n\n", md_cell(r.title));
  if (!r.description.empty()) out << md_paragraphs(r.description) << "\n\n";
  for (const auto& [heading, names] :
       actor_groups(r, [](const std::string& n) { return fmt::format("**{}**", md_escape(n)); },
                    [](const std::string& t) { return md_cell(t); }))
    out << fmt::format("- {}: {}\n", heading, names);
  out << "\n";
  out << fmt::format("Seed: {}.\n", r.seed ? std::to_string(*r.seed) : std::string("none"));

  for (std::size_t p = 0; p < r.protocols.size(); ++p) {
    out << fmt::format("\n## {}\n\n", md_escape(r.protocols[p]));
    std::vector<std::string> header{"Message"};
    for (const auto& a : r.actors) header.push_back(md_escape(a.name));
    const auto row = [&](std::size_t i) {
      const Message& m = r.messages[i];
      std::vector<std::string> cells{fmt::format("#{} {} → {}, t={}: “{}”", m.id, md_escape(m.from),
                                                 md_escape(join(m.to, ", ")), m.at,
                                                 md_escape(excerpt(m.text, kMarkdownExcerptColumns)))};
      for (std::size_t a = 0; a < r.actors.size(); ++a) cells.push_back(grid.readable(p, m, a) ? "✔" : "·");
      return cells;
    };
    md_table(header, r.messages.size(), row, "---", ":-:", out);
    const auto& notes = grid.result(p).notes;
    if (!notes.empty()) {
      out << "\n";
      for (const auto& note : notes) out << fmt::format("> Note: {}\n", md_cell(note));
    }
  }

  out << fmt::format("\n## Summary\n\nMessages each actor can read, out of {}.\n\n", r.messages.size());
  std::vector<std::string> header{"Actor"};
  for (const auto& protocol : r.protocols) header.push_back(md_escape(protocol));
  const auto row = [&](std::size_t a) {
    std::vector<std::string> cells{fmt::format("{} ({})", md_escape(r.actors[a].name), to_string(r.actors[a].kind))};
    for (std::size_t p = 0; p < r.protocols.size(); ++p)
      cells.push_back(fmt::format("{}/{}", grid.readable_count(p, a), r.messages.size()));
    return cells;
  };
  md_table(header, r.actors.size(), row, "---", "--:", out);

  if (options.explain) {
    out << "\n## How the messages were read\n";
    for (std::size_t p = 0; p < r.protocols.size(); ++p) {
      out << fmt::format("\n### {}\n\n", md_escape(r.protocols[p]));
      const auto outsiders = outsider_readings(grid, p);
      if (outsiders.empty()) out << "Nobody outside the conversation reads any message.\n\n";
      for (const auto& e : outsiders) {
        out << fmt::format("- **{}** reads {}:\n", md_escape(e.actor), md_escape(message_list(e.messages, " → ")));
        for (std::size_t i = 0; i < e.how.size(); ++i) out << fmt::format("  {}. {}\n", i + 1, md_cell(e.how[i]));
      }
      if (!outsiders.empty()) out << "\n";
      out << members_sentence(members_locked_out(grid, p)) << "\n";
    }
  }

  if (!r.expectations.empty()) {
    out << "\n## Expectations\n\n";
    for (const auto& e : r.expectations)
      out << fmt::format("- {} {}\n", e.ok ? "✔" : "✘ **failed**:", md_cell(expectation_line(e)));
  }
}

}  // namespace

std::optional<Format> parse_format(std::string_view name) {
  if (name == "table") return Format::kTable;
  if (name == "markdown" || name == "md") return Format::kMarkdown;
  if (name == "csv") return Format::kCsv;
  if (name == "json") return Format::kJson;
  return std::nullopt;
}

void render(const Report& report, Format format, const RenderOptions& options, std::ostream& os) {
  const ReportGrid grid(report);
  Sink sink(os);
  switch (format) {
    case Format::kTable: return render_table(grid, options, sink);
    case Format::kMarkdown: return render_markdown(grid, options, sink);
    case Format::kCsv: return render_csv(grid, sink);
    case Format::kJson: return render_json(grid, sink);
  }
  throw std::logic_error("unknown report format");
}

std::string render(const Report& report, Format format, const RenderOptions& options) {
  std::ostringstream os;
  render(report, format, options, os);
  return std::move(os).str();
}

struct StreamingReport::Impl {
  Format format;
  Sink sink;
  std::size_t written = 0;  // protocols written so far
  bool head = false;
  bool first = true;  // JSON: no cell written yet

  void write_head(const Report& report) {
    if (head) return;
    head = true;
    if (format == Format::kJson) json_head(report, sink);
    else sink << kCsvHeader;
  }
};

StreamingReport::StreamingReport(Format format, std::ostream& os) : impl_(new Impl{format, Sink(os)}) {
  if (!supports(format)) throw std::invalid_argument("only JSON and CSV reports can be written as the run goes");
}

StreamingReport::~StreamingReport() = default;

void StreamingReport::protocol(const Report& report, std::size_t index) {
  if (index != impl_->written)
    throw std::logic_error(fmt::format("protocol {} written out of order (next: {})", index, impl_->written));
  impl_->write_head(report);
  const ReportGrid grid(report, index);
  if (impl_->format == Format::kJson) json_results(grid, index, impl_->first, impl_->sink);
  else csv_results(grid, index, impl_->sink);
  impl_->sink.flush();
  ++impl_->written;
}

void StreamingReport::finish(const Report& report) {
  if (impl_->written != report.protocols.size())
    throw std::logic_error(fmt::format("report finished after {} of {} protocols", impl_->written,
                                       report.protocols.size()));
  impl_->write_head(report);
  if (impl_->format == Format::kJson) json_tail(ReportGrid(report), impl_->first, impl_->sink);
  impl_->sink.flush();
}

}  // namespace msgsim
