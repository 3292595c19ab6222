#include "msgsim/results.h"

#include "chain_book.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include <fmt/format.h>

namespace msgsim {

const char* to_string(ActorKind k) {
  switch (k) {
    case ActorKind::kParty: return "party";
    case ActorKind::kProvider: return "provider";
    case ActorKind::kAdversary: return "adversary";
  }
  return "?";
}

// ---- ProtocolResult ---------------------------------------------------------

static_assert(std::is_same_v<ChainBook::ChainId, std::uint32_t>);

ProtocolResult::ProtocolResult() = default;
ProtocolResult::~ProtocolResult() = default;
ProtocolResult::ProtocolResult(ProtocolResult&& other) noexcept = default;
ProtocolResult& ProtocolResult::operator=(ProtocolResult&& other) noexcept = default;

ProtocolResult::ProtocolResult(const ProtocolResult& other)
    : protocol(other.protocol),
      notes(other.notes),
      deliveries(other.deliveries),
      messages_(other.messages_),
      actors_(other.actors_),
      columns_(other.columns_),
      chains_(other.chains_ ? std::make_unique<ChainBook>(*other.chains_) : nullptr),
      chains_released_(other.chains_released_) {}

ProtocolResult& ProtocolResult::operator=(const ProtocolResult& other) {
  if (this != &other) *this = ProtocolResult(other);
  return *this;
}

std::string Delivery::text() const { return delivered() ? "sent as " + channel : "not delivered"; }

const Delivery* ProtocolResult::delivery(int message, std::string_view actor) const {
  const auto it = std::lower_bound(deliveries.begin(), deliveries.end(), std::make_pair(message, actor),
                                   [](const Delivery& d, const std::pair<int, std::string_view>& key) {
                                     return std::make_pair(d.message, std::string_view(d.recipient)) < key;
                                   });
  if (it == deliveries.end() || it->message != message || it->recipient != actor) return nullptr;
  return &*it;
}

ChainBook& ProtocolResult::book() {
  if (!chains_) chains_ = std::make_unique<ChainBook>();
  return *chains_;
}

std::size_t ProtocolResult::distinct_chain_lines() const { return chains_ ? chains_->distinct_lines() : 0; }

ProtocolResult::ProtocolResult(std::string name, std::size_t messages, std::vector<std::string> actors)
    : protocol(std::move(name)), messages_(messages), actors_(std::move(actors)), columns_(actors_.size()) {
  if (messages_ > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("more than 4 billion messages in one result");
}

std::optional<std::size_t> ProtocolResult::column(std::string_view actor) const {
  auto it = std::find(actors_.begin(), actors_.end(), actor);
  if (it == actors_.end()) return std::nullopt;
  return static_cast<std::size_t>(it - actors_.begin());
}

void ProtocolResult::check_writable() const {
  if (chains_released_) throw std::logic_error(fmt::format("the results of '{}' were already written", protocol));
}

void ProtocolResult::check(int message, std::size_t column) const {
  if (message < 1 || static_cast<std::size_t>(message) > messages_ || column >= actors_.size())
    throw std::out_of_range(fmt::format("no cell for message {}, column {} in the results of '{}'", message, column,
                                        protocol));
}

namespace {
template <typename Cells>
auto lower_bound_message(Cells& cells, std::uint32_t message) {
  return std::lower_bound(cells.begin(), cells.end(), message,
                          [](const auto& cell, std::uint32_t m) { return cell.message < m; });
}
}  // namespace

const ProtocolResult::Cell* ProtocolResult::find_cell(int message, std::size_t column) const {
  check(message, column);
  const auto& cells = columns_[column];
  const auto it = lower_bound_message(cells, static_cast<std::uint32_t>(message));
  return it != cells.end() && it->message == static_cast<std::uint32_t>(message) ? &*it : nullptr;
}

void ProtocolResult::set_readable(int message, std::size_t column, std::span<const std::string> how) {
  check_writable();
  check(message, column);
  const Cell cell{static_cast<std::uint32_t>(message), book().add(how)};
  auto& cells = columns_[column];
  if (cells.empty() || cells.back().message < cell.message) {  // the usual order: message by message
    cells.push_back(cell);
    return;
  }
  const auto it = lower_bound_message(cells, cell.message);
  if (it != cells.end() && it->message == cell.message) *it = cell;
  else cells.insert(it, cell);
}

void ProtocolResult::set_unreadable(int message, std::size_t column) {
  check_writable();
  check(message, column);
  auto& cells = columns_[column];
  const auto it = lower_bound_message(cells, static_cast<std::uint32_t>(message));
  if (it != cells.end() && it->message == static_cast<std::uint32_t>(message)) cells.erase(it);
}

void ProtocolResult::copy_column(std::size_t column, const ProtocolResult& from, std::size_t from_column) {
  if (from.messages_ != messages_) throw std::logic_error("copy_column between results of different messages");
  if (column >= actors_.size() || from_column >= from.actors_.size())
    throw std::out_of_range(fmt::format("copy_column: no column {} in '{}' or {} in '{}'", column, protocol,
                                        from_column, from.protocol));
  if (&from == this && column == from_column) return;
  check_writable();
  if (from.chains_released_ && !from.columns_[from_column].empty())
    throw std::logic_error(fmt::format("the chains of '{}' were released once written", from.protocol));
  const auto& source = from.columns_[from_column];
  auto& cells = columns_[column];
  cells.clear();
  cells.shrink_to_fit();
  cells.reserve(source.size());  // exactly: no doubling, no spare capacity
  for (const Cell& c : source) cells.push_back({c.message, book().add(*from.chains_, c.chain)});
}

std::vector<std::string> ProtocolResult::how(int message, std::size_t column) const {
  const Cell* cell = find_cell(message, column);
  if (cell == nullptr) return {};
  if (chains_released_)
    throw std::logic_error(fmt::format("the chains of '{}' were released once written: message {} is readable, "
                                       "but how is no longer known", protocol, message));
  return chains_->lines(cell->chain);
}

void ProtocolResult::release_chains() {
  chains_.reset();
  chains_released_ = true;
}

Reading ProtocolResult::at(int message, std::size_t column) const {
  Reading r;
  r.message = message;
  r.actor = actors_.at(column);
  r.readable = readable(message, column);
  r.how = how(message, column);
  return r;
}

std::optional<Reading> ProtocolResult::find(int message, std::string_view actor) const {
  const auto c = column(actor);
  if (!c || message < 1 || static_cast<std::size_t>(message) > messages_) return std::nullopt;
  return at(message, *c);
}

std::vector<Reading> ProtocolResult::readings() const {
  std::vector<Reading> out;
  out.reserve(messages_ * actors_.size());
  for (std::size_t m = 1; m <= messages_; ++m)
    for (std::size_t a = 0; a < actors_.size(); ++a) out.push_back(at(static_cast<int>(m), a));
  return out;
}

std::vector<std::string> ProtocolResult::readers(int message) const {
  std::vector<std::string> out;
  for (std::size_t a = 0; a < actors_.size(); ++a)
    if (readable(message, a)) out.push_back(actors_[a]);
  return out;
}

bool Report::all_expectations_hold() const {
  return std::all_of(expectations.begin(), expectations.end(), [](const auto& e) { return e.ok; });
}

std::vector<ExpectationResult> check_expectations(const Scenario& scenario, std::span<const ProtocolResult> results) {
  std::vector<ExpectationResult> out;
  for (const Expectation& e : scenario.expectations) {
    for (const ProtocolResult& r : results) {
      if (e.protocol && *e.protocol != r.protocol) continue;
      for (const Message& msg : scenario.messages) {
        if (e.message && *e.message != msg.id) continue;
        ExpectationResult er;
        er.protocol = r.protocol;
        er.message = msg.id;
        er.expected = e.readable_by;
        std::sort(er.expected.begin(), er.expected.end());
        er.actual = r.readers(msg.id);
        std::sort(er.actual.begin(), er.actual.end());
        er.ok = er.expected == er.actual;
        er.pos = e.pos;
        out.push_back(std::move(er));
      }
    }
  }
  return out;
}

}  // namespace msgsim
