// The terminal table report.
#include "report_writers.h"

#include <functional>

namespace msgsim::report {

namespace {

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
        } else if (cells[c] == "not delivered") {
          shown = style.red(padded);
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

}  // namespace

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
      for (std::size_t a = 0; a < r.actors.size(); ++a) row.push_back(grid.cell(p, m, a, "✔ reads"));
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

}  // namespace msgsim::report
