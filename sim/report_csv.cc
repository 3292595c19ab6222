// The CSV report.
#include "report_writers.h"

namespace msgsim::report {

// CSV (RFC 4180 quoting; "\n" line ends). `how` is the chain as a JSON array
// of its steps (["step 1","step 2"], [] when there is none), in one field:
// any separator could appear in a step (a provider's label is the user's),
// a JSON array cannot be misread, a script reads it back with one call, and
// its escapes keep each row on one line.

namespace {

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

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
      out += readable ? csv_field(json_array(grid.how(p, m, a))) : std::string("[]");
      out += ',';
      if (const Delivery* d = grid.delivery(p, m, a)) out += csv_field(d->text());
      out += '\n';
      sink.maybe_flush();
    }
  }
}

void render_csv(const ReportGrid& grid, Sink& sink) {
  sink << kCsvHeader;
  for (std::size_t p = 0; p < grid.report().protocols.size(); ++p) csv_results(grid, p, sink);
}

}  // namespace msgsim::report
