// The JSON report (the contract, schema 1; docs/scenario-format.md).
#include "report_writers.h"

#include <cstdint>
#include <nlohmann/json.hpp>

namespace msgsim::report {

namespace {

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

}  // namespace

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
                     "      \"readable\": {},\n",
                     protocol, m.id, actor_names[a], readable ? "true" : "false");
      // Only where the protocol's own channel did not carry the message.
      if (const Delivery* d = grid.delivery(p, m, a))
        fmt::format_to(std::back_inserter(out_text), "      \"delivery\": {},\n", str(d->text()));
      out_text += "      \"how\": ";
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


std::string json_array(const std::vector<std::string>& items) { return json_text(Json(items), -1); }

}  // namespace msgsim::report
