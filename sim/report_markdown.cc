// The Markdown report.
#include "report_writers.h"

#include <functional>

namespace msgsim::report {

namespace {

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

}  // namespace

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
      for (std::size_t a = 0; a < r.actors.size(); ++a) cells.push_back(grid.cell(p, m, a, "✔"));
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

}  // namespace msgsim::report
