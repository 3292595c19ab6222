// sim/chain_book.h (engine-private): the "how" chains of a protocol's
// results (ProtocolResult), each distinct line kept once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace msgsim {

// The "how" chains of one protocol, each distinct line stored once. A run of
// 100,000 messages has about half a million distinct lines per protocol
// (most name one message), so a line is kept as phrase tokens (about a fifth
// of its text, see sim/phrases.h) in large blocks, and the index is an
// open-addressing table of line numbers: a line costs its tokens and about
// 24 bytes, not a string, a hash node and two allocations.
class ChainBook {
 public:
  using ChainId = std::uint32_t;
  ChainBook() = default;
  ChainBook(const ChainBook& other);
  ChainBook& operator=(const ChainBook& other);
  ChainBook(ChainBook&&) noexcept = default;
  ChainBook& operator=(ChainBook&&) noexcept = default;

  ChainId add(std::span<const std::string> lines);
  // Chain `chain` of `other`, added here (as add() would, without spelling it out).
  ChainId add(const ChainBook& other, ChainId chain);
  std::size_t size() const { return starts_.size() - 1; }
  // The chain's lines, in order.
  std::vector<std::string> lines(ChainId chain) const;
  std::size_t distinct_lines() const { return text_.size(); }

 private:
  // The number of the line whose tokens are `tokens` (a new one if none).
  std::uint32_t intern(std::string_view tokens);
  // A lasting copy of `tokens` in the current block (a new block when it is full).
  std::string_view keep(std::string_view tokens);
  // The slot where `tokens` (of hash `h`) is, or the empty slot where it would go.
  std::size_t slot_of(std::string_view tokens, std::size_t h) const;
  void grow_index();
  // Closes the chain whose lines were just added; its number.
  ChainId end_chain();

  static constexpr std::uint32_t kEmpty = UINT32_MAX;
  static constexpr std::size_t kBlockSize = std::size_t{1} << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;  // blocks never move or shrink: views stay valid
  std::size_t block_capacity_ = 0;  // of the newest block
  std::size_t block_used_ = 0;      // bytes of it taken
  std::vector<std::string_view> text_;         // line number -> its tokens
  std::vector<std::uint32_t> slots_;           // line numbers by hash (linear probing), or kEmpty
  std::vector<std::uint32_t> line_ids_;
  std::vector<std::uint32_t> starts_{0};  // chain c is line_ids_[starts_[c], starts_[c + 1])
};

}  // namespace msgsim
