// sim/address_map.h (engine-private): small values by address, in one flat table.
//
// A closure numbers every artifact it holds, millions for an adversary who
// sees a whole protocol's traffic, and the run's openings are found by the
// sealed artifact they opened. std::unordered_map would take a node (32
// bytes from the allocator) and a bucket pointer for each, and send every
// lookup through two pointers to memory far apart. Here an entry is 16
// bytes in one array (open addressing, linear probing, at most 70% full),
// and a lookup reads one or two neighbouring slots.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace msgsim {

// Value: a number or a pointer (8 bytes at most, trivially copyable).
template <typename Value>
class AddressMap {
  static_assert(sizeof(Value) <= 8 && std::is_trivially_copyable_v<Value>);

 public:
  // The value stored for `p`, and false; or, if `p` has none yet, stores
  // `value` for it and returns it, and true. `p` must not be null.
  std::pair<Value, bool> emplace(const void* p, Value value) {
    if (p == nullptr) throw std::invalid_argument("AddressMap: a null address");
    if ((size_ + 1) * 10 > slots_.size() * 7) grow();
    Slot& s = slots_[probe(slots_, p)];
    if (s.key == p) return {s.value, false};
    s = Slot{p, value};
    ++size_;
    return {value, true};
  }
  // The value stored for `p`, or null.
  const Value* find(const void* p) const {
    if (slots_.empty() || p == nullptr) return nullptr;
    const Slot& s = slots_[probe(slots_, p)];
    return s.key == p ? &s.value : nullptr;
  }
  std::size_t size() const { return size_; }

 private:
  struct Slot {
    const void* key = nullptr;  // null: empty
    Value value{};
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
