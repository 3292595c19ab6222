#include "msgsim/results.h"

#include "phrases.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

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

// ---- ChainBook ------------------------------------------------------------

ChainBook::ChainBook(const ChainBook& other) : line_ids_(other.line_ids_), starts_(other.starts_) {
  // The views point into the other book's blocks: copy the tokens into ours,
  // in line-number order, so that every number keeps its line.
  for (std::string_view tokens : other.text_) intern(tokens);
}

ChainBook& ChainBook::operator=(const ChainBook& other) {
  if (this != &other) *this = ChainBook(other);
  return *this;
}

std::string_view ChainBook::keep(std::string_view tokens) {
  if (blocks_.empty() || tokens.size() > block_capacity_ - block_used_) {
    // Blocks double from 4 KiB (a book of one actor's column is small) to
    // 1 MiB; a line longer than that gets a block of its own.
    block_capacity_ = std::max(std::min(kBlockSize, std::max<std::size_t>(4096, block_capacity_ * 2)), tokens.size());
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(block_capacity_));
    block_used_ = 0;
  }
  char* at = blocks_.back().get() + block_used_;
  std::copy(tokens.begin(), tokens.end(), at);
  block_used_ += tokens.size();
  return {at, tokens.size()};
}

std::size_t ChainBook::slot_of(std::string_view tokens, std::size_t h) const {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask)
    if (slots_[i] == kEmpty || text_[slots_[i]] == tokens) return i;
}

void ChainBook::grow_index() {
  std::vector<std::uint32_t> old(std::max<std::size_t>(64, slots_.size() * 2), kEmpty);
  old.swap(slots_);
  for (std::uint32_t id : old)
    if (id != kEmpty) slots_[slot_of(text_[id], std::hash<std::string_view>{}(text_[id]))] = id;
}

std::uint32_t ChainBook::intern(std::string_view tokens) {
  // Load at most one half: probes stay short.
  if ((text_.size() + 1) * 2 > slots_.size()) grow_index();
  const std::size_t slot = slot_of(tokens, std::hash<std::string_view>{}(tokens));
  if (slots_[slot] != kEmpty) return slots_[slot];
  if (text_.size() >= kEmpty) throw std::length_error("too many distinct lines");
  const auto id = static_cast<std::uint32_t>(text_.size());
  text_.push_back(keep(tokens));
  slots_[slot] = id;
  return id;
}

ChainBook::ChainId ChainBook::end_chain() {
  if (line_ids_.size() >= std::numeric_limits<std::uint32_t>::max()) throw std::length_error("too many chain lines");
  starts_.push_back(static_cast<std::uint32_t>(line_ids_.size()));
  return static_cast<ChainId>(size() - 1);
}

ChainBook::ChainId ChainBook::add(std::span<const std::string> lines) {
  // Equal lines have equal tokens (phrases.h): the index compares tokens.
  std::string tokens;
  for (const std::string& line : lines) {
    tokens.clear();
    phrases::encode(line, tokens);
    line_ids_.push_back(intern(tokens));
  }
  return end_chain();
}

ChainBook::ChainId ChainBook::add(const ChainBook& other, ChainId chain) {
  for (std::uint32_t i = other.starts_.at(chain); i < other.starts_.at(chain + 1); ++i)
    line_ids_.push_back(intern(other.text_[other.line_ids_[i]]));
  return end_chain();
}

std::vector<std::string> ChainBook::lines(ChainId chain) const {
  std::vector<std::string> out;
  for (std::uint32_t i = starts_.at(chain); i < starts_.at(chain + 1); ++i)
    phrases::decode(text_[line_ids_[i]], out.emplace_back());
  return out;
}

// ---- ProtocolResult ---------------------------------------------------------

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
  const Cell cell{static_cast<std::uint32_t>(message), chains_.add(how)};
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
  for (const Cell& c : source) cells.push_back({c.message, chains_.add(from.chains_, c.chain)});
}

std::vector<std::string> ProtocolResult::how(int message, std::size_t column) const {
  const Cell* cell = find_cell(message, column);
  if (cell == nullptr) return {};
  if (chains_released_)
    throw std::logic_error(fmt::format("the chains of '{}' were released once written: message {} is readable, "
                                       "but how is no longer known", protocol, message));
  return chains_.lines(cell->chain);
}

void ProtocolResult::release_chains() {
  chains_ = ChainBook();
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
