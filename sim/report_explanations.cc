// What the table and the Markdown report say about each reading.
#include "report_writers.h"

#include <map>

namespace msgsim::report {

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
      if (it == column.end() || grid.readable(protocol, m, it->second)) continue;
      const Delivery* d = grid.delivery(protocol, m, it->second);
      out.push_back(d == nullptr ? fmt::format("#{} {}", m.id, name) : fmt::format("#{} {} ({})", m.id, name, d->text()));
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

}  // namespace msgsim::report
