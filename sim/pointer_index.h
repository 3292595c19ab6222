// sim/pointer_index.h (engine-private): numbers by address, in one flat table.
//
// A closure numbers every artifact it holds, millions for an adversary who
// sees a whole protocol's traffic. std::unordered_map would take a node
// (32 bytes from the allocator) and a bucket pointer for each, and send
// every lookup through two pointers to memory far apart. Here an entry is
// 16 bytes in one array (open addressing, linear probing, at most 70% full),
// and a lookup reads one or two neighbouring slots.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

namespace msgsim {

class PointerIndex {
 public:
  // The number stored for `p`, and false; or, if `p` has none yet, stores
  // `number` for it and returns it, and true. `p` must not be null.
  std::pair<std::uint32_t, bool> emplace(const void* p, std::uint32_t number) {
    if (p == nullptr) throw std::invalid_argument("PointerIndex: a null address");
    if ((size_ + 1) * 10 > slots_.size() * 7) grow();
    Slot& s = slots_[probe(slots_, p)];
    if (s.key == p) return {s.number, false};
    s = Slot{p, number};
    ++size_;
    return {number, true};
  }
  // The number stored for `p`, or null.
  const std::uint32_t* find(const void* p) const {
    if (slots_.empty() || p == nullptr) return nullptr;
    const Slot& s = slots_[probe(slots_, p)];
    return s.key == p ? &s.number : nullptr;
  }
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    const void* key = nullptr;  // null: empty
    std::uint32_t number = 0;
  };
  // The slot holding `p`, or the empty slot where it would go.
  static std::size_t probe(const std::vector<Slot>& slots, const void* p) {
    const std::size_t mask = slots.size() - 1;
    // Fibonacci hashing: addresses share their low bits (alignment) and
    // often their high ones; the product's top bits mix them all.
    const auto bits = static_cast<unsigned>(std::countr_zero(slots.size()));
    std::size_t i = static_cast<std::size_t>((reinterpret_cast<std::uintptr_t>(p) * 0x9E3779B97F4A7C15ull) >> (64 - bits));
    while (slots[i].key != nullptr && slots[i].key != p) i = (i + 1) & mask;
    return i;
  }
  void grow() {
    std::vector<Slot> bigger(slots_.empty() ? 16 : slots_.size() * 2);
    for (const Slot& s : slots_)
      if (s.key != nullptr) bigger[probe(bigger, s.key)] = s;
    slots_ = std::move(bigger);
  }

  std::vector<Slot> slots_;  // a power of two in size, or empty
  std::size_t size_ = 0;
};

}  // namespace msgsim
