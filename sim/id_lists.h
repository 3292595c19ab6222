// sim/id_lists.h (engine-private): for each key id, a list of numbers.
//
// A closure lists the keys it holds by the id they answer to, and the sealed
// artifacts waiting for a key by the ids they need: a list per id, millions
// of ids for an adversary who sees a whole protocol's traffic, nearly all
// with a single entry. std::unordered_map<KeyId, std::vector<...>> took a
// node and a heap array for each (about 96 bytes); here an id with one entry
// is 24 bytes in one flat table (open addressing, linear probing, at most 70%
// full), and only a list of two or more has an array of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <stdexcept>
#include <vector>

#include "msgsim/evidence.h"
#include "flat_slots.h"

namespace msgsim {

class IdLists {
 public:
  // Appends `value` to the list of `id`.
  void push_back(const KeyId& id, std::uint32_t value) {
    slots_.make_room();
    Slot& s = slots_.at(KeyIdHash{}(id), id);
    if (s.state == kFree) {
      s = Slot{id, value, kOne};
      slots_.filled();
    } else if (s.state == kNone) {
      s.one = value;
      s.state = kOne;
    } else if (s.state == kOne) {
      if (spill_.size() >= kNone) throw std::length_error("IdLists: too many lists");
      spill_.push_back({s.one, value});
      s.state = static_cast<std::uint32_t>(spill_.size() - 1);
    } else {
      spill_[s.state].push_back(value);
    }
  }
  // The list of `id`, in the order appended (empty if there is none). Valid
  // until the next push_back or erase_if.
  std::span<const std::uint32_t> find(const KeyId& id) const {
    const Slot* s = slots_.find(KeyIdHash{}(id), id);
    if (s == nullptr || s->state == kNone) return {};
    if (s->state == kOne) return {&s->one, 1};
    return spill_[s->state];
  }
  // Removes from the list of `id` the values for which `drop(value)` is
  // true, keeping the order of the others.
  template <typename Pred>
  void erase_if(const KeyId& id, Pred drop) {
    Slot* s = slots_.find(KeyIdHash{}(id), id);
    if (s == nullptr || s->state == kNone) return;
    if (s->state != kOne) std::erase_if(spill_[s->state], drop);
    else if (drop(s->one)) s->state = kNone;  // the id stays, its list empty
  }

 private:
  // state: kFree (a free slot), kOne (the list is `one`), kNone (an empty
  // list), or the position of the list in spill_.
  static constexpr std::uint32_t kFree = UINT32_MAX;
  static constexpr std::uint32_t kOne = UINT32_MAX - 1;
  static constexpr std::uint32_t kNone = UINT32_MAX - 2;
  struct Slot {
    KeyId id;
    std::uint32_t one = 0;
    std::uint32_t state = kFree;
    bool free() const { return state == kFree; }
    bool holds(const KeyId& other) const { return id == other; }
    const KeyId& key() const { return id; }
    std::uint64_t hash() const { return KeyIdHash{}(id); }
  };
  static_assert(sizeof(Slot) == 24);

  FlatSlots<Slot> slots_;
  // Lists of two or more. A deque: its lists never move as it grows.
  std::deque<std::vector<std::uint32_t>> spill_;
};

}  // namespace msgsim
