// sim/flat_slots.h (engine-private): the table under AddressMap and IdLists.
//
// Open addressing in one array of slots, a power of two in size, with
// linear probing; grown to twice its size before one more entry would fill
// it past 70%. A Slot says whether it is free (`free()`), whether it holds
// a key (`holds(key)`), and its own key and hash (`key()`, `hash()`) for
// regrowing.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace msgsim {

template <typename Slot>
class FlatSlots {
 public:
  // The slot holding `key` (whose hash is `h`), or the free slot where it
  // would go. Call make_room() before filling a free one.
  template <typename Key>
  Slot& at(std::uint64_t h, const Key& key) {
    return slots_[probe(slots_, h, key)];
  }
  // The slot holding `key`, or null.
  template <typename Key>
  const Slot* find(std::uint64_t h, const Key& key) const {
    if (slots_.empty()) return nullptr;
    const Slot& s = slots_[probe(slots_, h, key)];
    return s.free() ? nullptr : &s;
  }
  template <typename Key>
  Slot* find(std::uint64_t h, const Key& key) {
    return const_cast<Slot*>(std::as_const(*this).find(h, key));
  }
  // Before a free slot is filled (then call filled()).
  void make_room() {
    if ((used_ + 1) * 10 > slots_.size() * 7) grow();
  }
  void filled() { ++used_; }
  std::size_t used() const { return used_; }

 private:
  template <typename Key>
  static std::size_t probe(const std::vector<Slot>& slots, std::uint64_t h, const Key& key) {
    const std::size_t mask = slots.size() - 1;
    // Fibonacci hashing: the product's top bits mix all of the hash's bits
    // (addresses share their low bits, by alignment, and often their high ones).
    const auto bits = static_cast<unsigned>(std::countr_zero(slots.size()));
    std::size_t i = static_cast<std::size_t>((h * 0x9E3779B97F4A7C15ull) >> (64 - bits));
    while (!slots[i].free() && !slots[i].holds(key)) i = (i + 1) & mask;
    return i;
  }
  void grow() {
    std::vector<Slot> bigger(slots_.empty() ? 16 : slots_.size() * 2);
    for (const Slot& s : slots_)
      if (!s.free()) bigger[probe(bigger, s.hash(), s.key())] = s;
    slots_ = std::move(bigger);
  }

  std::vector<Slot> slots_;  // a power of two in size, or empty
  std::size_t used_ = 0;
};

}  // namespace msgsim
