#include "chain_book.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <stdexcept>

#include "phrases.h"

namespace msgsim {

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

}  // namespace msgsim
