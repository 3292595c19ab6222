#include "closure.h"

#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace msgsim {

const std::vector<ArtifactPtr>* OpeningCache::find(KeyView k) const {
  const Lookup q{hash(k), k};
  for (const OpeningCache* c = this; c != nullptr; c = c->earlier_) {
    std::shared_lock lock(c->mutex_);
    if (const Slot* s = c->index_.find(q.hash, q)) return &s->entry->result;
  }
  return nullptr;
}

const std::vector<ArtifactPtr>& OpeningCache::put(KeyView k, std::vector<ArtifactPtr> result) {
  static const std::vector<ArtifactPtr> kFailed;
  if (result.empty() && !keep_failures_) return kFailed;
  if (k.empty()) throw std::invalid_argument("OpeningCache: an opening without its sealed artifact");
  const Lookup q{hash(k), k};
  std::unique_lock lock(mutex_);
  index_.make_room();
  Slot& slot = index_.at(q.hash, q);
  if (!slot.free()) return slot.entry->result;
  Stored& e = stored_.emplace_back(Stored{keys_.add(k), static_cast<std::uint32_t>(k.size()), nullptr, std::move(result)});
  slot = Slot{q.hash, &e};
  index_.filled();
  if (index_by_sealed_ && !e.result.empty()) {
    const auto [first, was_first] = by_sealed_.emplace(k.front(), &e);
    if (!was_first) {
      Stored* last = first;
      while (last->next_of_sealed != nullptr) last = last->next_of_sealed;
      last->next_of_sealed = &e;
    }
  }
  return e.result;
}

std::size_t OpeningCache::size() const {
  std::shared_lock lock(mutex_);
  return index_.used();
}

const Artifact* const* OpeningCache::KeyPool::add(KeyView k) {
  if (k.size() > left_) {
    last_size_ = std::max(kBlock, k.size());
    blocks_.push_back(std::make_unique_for_overwrite<const Artifact*[]>(last_size_));
    left_ = last_size_;
  }
  const Artifact** at = blocks_.back().get() + (last_size_ - left_);
  std::copy(k.begin(), k.end(), at);
  left_ -= k.size();
  return at;
}

Closure::Index Closure::insert(Held h) {
  if (held_.size() >= kNone) throw std::length_error("a closure holds too many artifacts");
  const auto [at, inserted] = index_.emplace(h.artifact.get(), static_cast<Index>(held_.size()));
  if (!inserted) return at;
  held_.push_back(std::move(h));
  queue_.push_back(at);
  return at;
}

void Closure::add(Capture capture) {
  Held h;
  h.artifact = std::move(capture.artifact);
  h.how = capture.how.data();
  h.how_size = static_cast<std::uint32_t>(capture.how.size());
  h.tick = capture.tick;
  insert(std::move(h));
}

void Closure::run() {
  std::vector<Index> offered;
  while (!queue_.empty()) {
    const Index i = queue_.front();
    queue_.pop_front();
    const Artifact& a = *held_[i].artifact;
    switch (a.kind) {
      case ArtifactKind::kKey: {
        keys_by_id_.push_back(a.key_id, i);
        // Opened artifacts leave the list for good, so that a long chain's
        // keys are not offered again and again to what is already open.
        waiting_.erase_if(a.key_id, [&](Index s) { return held_[s].opened; });
        const std::span<const Index> w = waiting_.find(a.key_id);
        // A copy: `w` lasts only while waiting_ is unchanged. try_open does
        // not change it today (what opens is queued for this loop), but the
        // loop should not depend on that.
        offered.assign(w.begin(), w.end());
        for (Index s : offered) try_open(s, i);
        break;
      }
      case ArtifactKind::kSealed:
        for (const KeyId& id : a.needs) waiting_.push_back(id, i);
        if (!open_as_a_device_did(i)) try_open(i, kNone);
        break;
      case ArtifactKind::kPlaintext:
        plaintexts_.emplace(a.message_id, i);
        break;
    }
  }
}

bool Closure::open_as_a_device_did(Index sealed) {
  if (device_openings_ == nullptr) return false;
  return device_openings_->any_opening_of(
      held_[sealed].artifact.get(),
      [&](std::span<const Artifact* const> key, const std::vector<ArtifactPtr>& result) {
        combo_.clear();
        for (const Artifact* k : key.subspan(1)) {
          const Index* at = index_.find(k);
          if (at == nullptr) return false;  // this actor does not hold that key
          combo_.push_back(*at);
        }
        take(sealed, result);
        return true;
      });
}

bool Closure::open_with(Index sealed, const Opener& opener) {
  const Artifact& s = *held_[sealed].artifact;
  key_.assign(1, &s);
  for (Index k : combo_) key_.push_back(held_[k].artifact.get());
  const std::vector<ArtifactPtr>* result = cache_.find(key_);
  if (result == nullptr) {
    ++openings_;
    const std::span<const Artifact* const> keys(key_.begin() + 1, key_.end());
    result = &cache_.put(key_, opener(s, keys));
  }
  if (result->empty()) return false;
  take(sealed, *result);
  return true;
}

void Closure::take(Index sealed, const std::vector<ArtifactPtr>& result) {
  held_[sealed].opened = true;
  if (combos_.size() + combo_.size() >= kNone) throw std::length_error("a closure holds too many openings");
  const auto keys_at = static_cast<std::uint32_t>(combos_.size());
  combos_.push_back(static_cast<Index>(combo_.size()));
  combos_.insert(combos_.end(), combo_.begin(), combo_.end());
  for (const ArtifactPtr& child : result) {
    Held h;
    h.artifact = child;
    h.parent = sealed;
    h.keys_at = keys_at;
    insert(std::move(h));
  }
}

void Closure::try_open(Index sealed, Index with_key) {
  if (held_[sealed].opened) return;
  const Artifact& s = *held_[sealed].artifact;
  const Opener* opener = openers_.find(s.type);
  if (opener == nullptr) return;  // nobody knows how to open this (e.g. transport records)
  candidates_.clear();
  for (const KeyId& id : s.needs) {
    const std::span<const Index> keys = keys_by_id_.find(id);
    if (keys.empty()) return;  // a needed key is missing: wait for it
    candidates_.push_back(keys);
  }
  // A sealed artifact just arrived: every combination of the keys held is
  // new. A key just arrived: only the combinations that use it are, the
  // others were tried when their own last key arrived. So every combination
  // is tried once, when its last key comes, and none is skipped: there is
  // no cap that could turn "too many to try" into "cannot read".
  if (with_key == kNone) {
    try_combinations(sealed, *opener);
    return;
  }
  const KeyId& id = held_[with_key].artifact->key_id;
  for (std::size_t n = 0; n < candidates_.size(); ++n) {
    if (s.needs[n] != id) continue;
    // The new key in place n. In an earlier place that answers to the same
    // id (rare: no model's artifact needs one id twice today), the
    // combinations with the new key there were walked already.
    const std::span<const Index> in_place = candidates_[n];
    candidates_[n] = std::span<const Index>(&with_key, 1);
    std::vector<std::pair<std::size_t, std::span<const Index>>> restore;
    for (std::size_t m = 0; m < n; ++m)
      if (s.needs[m] == id) restore.emplace_back(m, std::exchange(candidates_[m], without(m, with_key)));
    const bool opened = try_combinations(sealed, *opener);
    candidates_[n] = in_place;
    for (const auto& [m, keys] : restore) candidates_[m] = keys;
    if (opened) return;
  }
}

std::span<const Closure::Index> Closure::without(std::size_t place, Index key) {
  std::vector<Index>& kept = excluded_[place];
  kept.clear();
  for (Index k : candidates_[place])
    if (k != key) kept.push_back(k);
  return kept;
}

bool Closure::try_combinations(Index sealed, const Opener& opener) {
  for (const auto& c : candidates_)
    if (c.empty()) return false;
  // Walk the combinations (one key per need), odometer style, newest keys
  // first: where a chain's key is stored anew after every message, the
  // newest key is the one closest to what arrives, so a long conversation
  // costs one opening per message instead of one per key of the chain.
  pos_.assign(candidates_.size(), 0);
  combo_.resize(candidates_.size());
  for (;;) {
    for (std::size_t n = 0; n < candidates_.size(); ++n)
      combo_[n] = candidates_[n][candidates_[n].size() - 1 - pos_[n]];
    if (open_with(sealed, opener)) return true;
    std::size_t n = 0;
    while (n < pos_.size() && ++pos_[n] == candidates_[n].size()) pos_[n++] = 0;
    if (n == pos_.size()) return false;  // every combination tried
  }
}

void Closure::explain(Index i, std::uint32_t stamp, std::vector<std::uint32_t>& seen,
                      std::vector<std::string>& out) const {
  if (seen[i] == stamp) return;
  seen[i] = stamp;
  const Held& h = held_[i];
  if (h.parent == kNone) {
    const std::string_view how(h.how, h.how_size);
    if (h.tick == Capture::kNoTick) out.push_back(fmt::format("{}: {}", how, h.artifact->label));
    else out.push_back(fmt::format("{} (t={}): {}", how, h.tick, h.artifact->label));
    return;
  }
  explain(h.parent, stamp, seen, out);
  std::vector<std::string> key_labels;
  const Index count = combos_[h.keys_at];
  for (Index n = 1; n <= count; ++n) {
    const Index k = combos_[h.keys_at + n];
    explain(k, stamp, seen, out);
    key_labels.push_back(held_[k].artifact->label.str());
  }
  out.push_back(fmt::format("opened {} with {} -> {}", held_[h.parent].artifact->label,
                            fmt::join(key_labels, " + "), h.artifact->label));
}

void Closure::record(const Scenario& scenario, std::size_t column, ProtocolResult& out) const {
  std::vector<std::uint32_t> seen(held_.size(), 0);
  std::uint32_t stamp = 0;
  std::vector<std::string> how;
  for (const auto& [id, index] : plaintexts_) {
    if (id < 1 || static_cast<std::size_t>(id) > scenario.messages.size())
      throw std::logic_error(fmt::format("a model produced a plaintext for message {}, which does not exist", id));
    const Artifact& p = *held_[index].artifact;
    if (to_string(p.data) != scenario.messages[static_cast<std::size_t>(id - 1)].text)
      throw std::logic_error(fmt::format("a model produced a wrong plaintext for message {}", id));
    how.clear();
    explain(index, ++stamp, seen, how);
    out.set_readable(id, column, how);
  }
}

std::vector<Reading> Closure::readings(const Scenario& scenario, const std::string& actor) const {
  ProtocolResult one("closure", scenario.messages.size(), {actor});
  record(scenario, 0, one);
  return one.readings();
}

}  // namespace msgsim
