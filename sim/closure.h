// sim/closure.h (engine-private): what one actor can open.
//
// The closure starts from the artifacts that reached an actor and offers
// every sealed artifact to the keys the actor holds under the ids it names,
// running the model's Opener (real decryption). Whatever opens is added and
// offered in turn, until nothing new opens: a fixed point. Work is indexed by
// key id: a sealed artifact waits under the ids it needs and is retried only
// when a key with such an id arrives, so the cost is proportional to the
// evidence, never to keys x ciphertexts.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "msgsim/evidence.h"
#include "msgsim/results.h"
#include "msgsim/scenario.h"
#include "address_map.h"
#include "flat_slots.h"
#include "id_lists.h"

namespace msgsim {

// An artifact that reached an actor, and how: "stored on Apple's servers",
// at tick 1 (printed "stored on Apple's servers (t=1)"). `how` is a view:
// its text is owned by whoever built the capture (the Simulation keeps one
// copy of each description) and must outlive the closure's readings.
struct Capture {
  static constexpr std::int64_t kNoTick = INT64_MIN;
  ArtifactPtr artifact;
  std::string_view how;
  std::int64_t tick = kNoTick;  // kNoTick: `how` says when, or nothing needs saying
};

// Openings already computed in this run, shared by every actor's closure:
// an Opener is a pure function of (sealed, keys), so the result is too.
// Several closures may use one cache from several threads at once. Two of
// them may compute the same opening; the first result stored is the one
// every later lookup gets (the other is equal, being of the same function).
//
// Flat: the devices' cache holds hundreds of thousands of openings at
// 100,000 messages, and every closure looks up in it. An opening's key
// (two or three pointers) is copied into a pool of large blocks, its entry
// into a deque, and the index is one array of (hash, entry) slots: a lookup
// reads a slot, and the entry only when the hashes match.
class OpeningCache {
 public:
  using Key = std::vector<const Artifact*>;  // sealed, then the keys in `needs` order
  using KeyView = std::span<const Artifact* const>;
  OpeningCache() = default;
  // Consults `earlier` (openings done by the devices during the run, or a
  // cache shared by several closures) on a miss; it may be used, and grow,
  // on other threads meanwhile.
  // `keep_failures`: remember openings that failed too. A cache that serves
  // one closure only should not: a closure tries each combination once.
  explicit OpeningCache(const OpeningCache* earlier, bool keep_failures = true)
      : earlier_(earlier), keep_failures_(keep_failures) {}
  OpeningCache(const OpeningCache&) = delete;
  OpeningCache& operator=(const OpeningCache&) = delete;
  // Stored results never move: the pointers and references stay valid.
  const std::vector<ArtifactPtr>* find(KeyView k) const;
  // Returns the stored result (the first stored, if another thread was
  // first), or `result` itself when it is a failure this cache does not keep.
  const std::vector<ArtifactPtr>& put(KeyView k, std::vector<ArtifactPtr> result);
  const std::vector<ArtifactPtr>& put(const Key& k, std::vector<ArtifactPtr> result) {
    return put(KeyView(k), std::move(result));
  }
  std::size_t size() const;

  // Offers `f(key, result)` each successful opening of `sealed` stored in
  // this cache (not `earlier`), in the order they were stored, until `f`
  // returns true; returns whether it did. Kept only after index_by_sealed().
  // `f` runs under this cache's lock: it must not store into this cache.
  void index_by_sealed() { index_by_sealed_ = true; }
  template <typename F>
  bool any_opening_of(const Artifact* sealed, F&& f) const {
    std::shared_lock lock(mutex_);
    Stored* const* first = by_sealed_.find(sealed);
    for (const Stored* e = first != nullptr ? *first : nullptr; e != nullptr; e = e->next_of_sealed)
      if (f(e->key(), e->result)) return true;
    return false;
  }

 private:
  static std::uint64_t hash(KeyView k) noexcept {
    std::uint64_t h = k.size();
    for (const Artifact* a : k) h = h * 0x9E3779B97F4A7C15ull + reinterpret_cast<std::uintptr_t>(a);
    return h;
  }
  struct Stored {
    const Artifact* const* key_at;  // in keys_
    std::uint32_t key_size;
    Stored* next_of_sealed = nullptr;  // the next successful opening of the same sealed artifact
    std::vector<ArtifactPtr> result;
    KeyView key() const { return {key_at, key_size}; }
  };
  // A key looked up: its hash, and the pointers.
  struct Lookup {
    std::uint64_t hash;
    KeyView key;
  };
  struct Slot {
    std::uint64_t hash_ = 0;
    Stored* entry = nullptr;  // null: free
    bool free() const { return entry == nullptr; }
    bool holds(const Lookup& q) const {
      return hash_ == q.hash && std::equal(q.key.begin(), q.key.end(), entry->key_at, entry->key_at + entry->key_size);
    }
    Lookup key() const { return {hash_, entry->key()}; }
    std::uint64_t hash() const { return hash_; }
  };
  // Keys, copied into blocks that never move.
  class KeyPool {
   public:
    const Artifact* const* add(KeyView k);

   private:
    static constexpr std::size_t kBlock = 8192;  // pointers
    std::vector<std::unique_ptr<const Artifact*[]>> blocks_;
    std::size_t last_size_ = 0;  // pointers in the last block
    std::size_t left_ = 0;       // of them, free at its end
  };

  mutable std::shared_mutex mutex_;
  KeyPool keys_;
  std::deque<Stored> stored_;
  FlatSlots<Slot> index_;
  const OpeningCache* earlier_ = nullptr;
  bool keep_failures_ = true;
  bool index_by_sealed_ = false;
  AddressMap<Stored*> by_sealed_;  // sealed artifact -> its first successful opening
};

class Closure {
 public:
  // `device_openings`, if given, holds the openings the devices did during
  // the run (a cache indexed by sealed artifact): a sealed artifact that a
  // device opened with keys this actor also holds is opened that way at
  // once, before it is offered to every key answering to its ids. (Where a
  // chain's message keys share the chain's id, offering a message to all of
  // them first would cost the length of the chain for every message.)
  Closure(const OpenerRegistry& openers, OpeningCache& cache, const OpeningCache* device_openings = nullptr)
      : openers_(openers), cache_(cache), device_openings_(device_openings) {}

  // An artifact that reached the actor, and how. The first way wins.
  void add(Capture capture);
  // Opens everything that opens.
  void run();
  // Marks, in `column` of `out`, the messages this actor reads, each with its
  // chain. Throws std::logic_error if a model produced a plaintext that is
  // not the message's text (a model bug, never a result).
  void record(const Scenario& scenario, std::size_t column, ProtocolResult& out) const;
  // The same, spelled out: one Reading per scenario message (id order).
  std::vector<Reading> readings(const Scenario& scenario, const std::string& actor) const;

  std::size_t held() const { return held_.size(); }
  std::size_t openings() const { return openings_; }

 private:
  // 48 bytes: a closure holds millions. How it was obtained is either
  // directly (`how`, at `tick`) or by opening `parent` with the keys listed
  // in `combos_` from `keys_at`.
  struct Held {
    ArtifactPtr artifact;
    const char* how = nullptr;             // obtained directly (how_size bytes) ...
    std::int64_t tick = Capture::kNoTick;  // ... at this tick
    std::uint32_t how_size = 0;
    std::uint32_t parent = kNone;          // opened from this sealed artifact ...
    std::uint32_t keys_at = 0;             // ... with the keys listed there
    bool opened = false;                   // sealed: already opened
  };
  static_assert(sizeof(void*) != 8 || sizeof(Held) == 48);
  using Index = std::uint32_t;  // a held artifact's position in held_
  static constexpr Index kNone = UINT32_MAX;
  Index insert(Held h);
  // Offers `sealed` every combination of held keys (one per need) that is
  // new: all of them when `with_key` is kNone (the sealed artifact just
  // arrived), else those that use `with_key` (that key just arrived).
  void try_open(Index sealed, Index with_key);
  // Tries the combinations of candidates_, newest keys first, until one
  // opens; true if one did.
  bool try_combinations(Index sealed, const Opener& opener);
  // candidates_[place] without `key` (held in excluded_[place]).
  std::span<const Index> without(std::size_t place, Index key);
  bool open_as_a_device_did(Index sealed);
  // Opens `sealed` with `opener` (its type's) and the held keys in combo_
  // (one per need); false if it does not open.
  bool open_with(Index sealed, const Opener& opener);
  // Holds what opening `sealed` with the keys in combo_ yielded.
  void take(Index sealed, const std::vector<ArtifactPtr>& result);
  // `seen` marks the artifacts already explained in this chain: a stamp per
  // held artifact, so that each chain costs its length, not the whole store.
  void explain(Index i, std::uint32_t stamp, std::vector<std::uint32_t>& seen, std::vector<std::string>& out) const;

  const OpenerRegistry& openers_;
  OpeningCache& cache_;
  const OpeningCache* device_openings_ = nullptr;
  // A deque: an adversary's closure holds millions, and a vector growing by
  // doubling would hold the old copy and the new one at once.
  std::deque<Held> held_;
  AddressMap<Index> index_;  // artifact -> its position in held_
  // The keys each opening used: a count, then that many positions in held_.
  // The artifacts one opening yields share one list.
  std::deque<Index> combos_;
  IdLists keys_by_id_;  // the keys held, by the id each answers to
  IdLists waiting_;     // the sealed artifacts held, by each id they need
  std::deque<Index> queue_;
  // Scratch space for try_open and open_with, kept between calls.
  std::vector<Index> combo_;
  std::vector<std::size_t> pos_;
  std::vector<std::span<const Index>> candidates_;
  std::map<std::size_t, std::vector<Index>> excluded_;  // by place, for without()
  std::vector<const Artifact*> key_;
  std::map<int, Index> plaintexts_;  // message id -> first plaintext held
  std::size_t openings_ = 0;
};

}  // namespace msgsim
