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

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "flat_slots.h"

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
    slots_.make_room();
    Slot& s = slots_.at(hash(p), p);
    if (!s.free()) return {s.value, false};
    s = Slot{p, value};
    slots_.filled();
    return {value, true};
  }
  // The value stored for `p`, or null.
  const Value* find(const void* p) const {
    const Slot* s = p != nullptr ? slots_.find(hash(p), p) : nullptr;
    return s != nullptr ? &s->value : nullptr;
  }
  std::size_t size() const { return slots_.used(); }

 private:
  static std::uint64_t hash(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }
  struct Slot {
    const void* address = nullptr;  // null: free
    Value value{};
    bool free() const { return address == nullptr; }
    bool holds(const void* p) const { return address == p; }
    const void* key() const { return address; }
    std::uint64_t hash() const { return AddressMap::hash(address); }
  };
  FlatSlots<Slot> slots_;
};

}  // namespace msgsim
