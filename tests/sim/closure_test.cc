// The closure on its own, with a toy "protocol" whose Opener is a real AEAD:
// no model, no world.
#include "sim/closure.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace msgsim {
namespace {

constexpr const char* kBox = "toy.box";

struct Toy {
  std::unique_ptr<Rng> rng = make_seeded_rng(1, "toy");
  OpenerRegistry openers;
  OpeningCache cache;
  int opened = 0;

  Toy() {
    // A box holds one artifact, encrypted under each of its keys in turn
    // (a box needing two keys is encrypted twice).
    openers.add(kBox, [this](const Artifact& s, std::span<const Artifact* const> keys) -> std::vector<ArtifactPtr> {
      ++opened;
      Bytes data = s.data;
      for (auto k = keys.rbegin(); k != keys.rend(); ++k) {
        auto p = crypto::aead_decrypt((*k)->secret, data, {});
        if (!p) return {};
        data = std::move(*p);
      }
      Reader r(data);
      auto kind = r.u64();
      auto label = r.framed();
      auto body = r.framed();
      auto id = r.framed();
      if (!kind || !label || !body || !id) return {};
      if (*kind == 0) return {make_key("toy.key", to_string(*label), KeyId::from(*id), SecretBytes(*body))};
      return {make_plaintext(to_string(*label), static_cast<int>(*kind), to_string(*body))};
    });
  }

  ArtifactPtr key(const std::string& name) {
    return make_key("toy.key", name, make_key_id("toy.key", to_bytes(name)), rng->secret(32));
  }
  ArtifactPtr box(const std::vector<ArtifactPtr>& keys, std::uint64_t kind, const std::string& label,
                  ByteView body, const KeyId& inner_id = {}) {
    Bytes data;
    append_u64(data, kind);
    append_framed(data, to_bytes(label));
    append_framed(data, body);
    append_framed(data, inner_id.bytes());
    std::vector<KeyId> needs;
    for (const auto& k : keys) {
      data = crypto::aead_encrypt(*rng, k->secret, data, {});
      needs.push_back(k->key_id);
    }
    return make_sealed(kBox, "box of " + label, needs, data);
  }
  ArtifactPtr message_box(const std::vector<ArtifactPtr>& keys, int id, const std::string& text) {
    return box(keys, static_cast<std::uint64_t>(id), "message " + std::to_string(id), to_bytes(text));
  }
  ArtifactPtr key_box(const std::vector<ArtifactPtr>& keys, const ArtifactPtr& inner) {
    return box(keys, 0, inner->label.str(), inner->secret.view(), inner->key_id);
  }
};

Scenario two_messages() {
  Scenario s;
  Message m1, m2;
  m1.id = 1;
  m1.text = "first";
  m2.id = 2;
  m2.text = "second";
  s.messages = {m1, m2};
  return s;
}

TEST(Closure, OpensAChainOfKeysToAFixedPointInAnyArrivalOrder) {
  Toy t;
  auto k1 = t.key("k1");
  auto k2 = t.key("k2");
  auto k3 = t.key("k3");
  // k1 opens a box holding k2; k2 opens a box holding k3; k3 opens message 1.
  std::vector<ArtifactPtr> evidence = {t.message_box({k3}, 1, "first"), t.key_box({k2}, k3), t.key_box({k1}, k2), k1};
  for (int rotation = 0; rotation < 4; ++rotation) {
    Closure c(t.openers, t.cache);
    for (const auto& a : evidence) c.add({a, "given"});
    c.run();
    auto r = c.readings(two_messages(), "eve");
    EXPECT_TRUE(r[0].readable) << "rotation " << rotation;
    EXPECT_FALSE(r[1].readable);
    ASSERT_EQ(r[0].how.size(), 7u) << fmt::format("{}", r[0].how.front());
    EXPECT_EQ(r[0].how.back(), "opened box of message 1 with k3 -> message 1");
    std::rotate(evidence.begin(), evidence.begin() + 1, evidence.end());
  }
}

TEST(Closure, WithoutTheFirstKeyNothingOpens) {
  Toy t;
  auto k1 = t.key("k1");
  auto k2 = t.key("k2");
  Closure c(t.openers, t.cache);
  c.add({t.message_box({k2}, 1, "first"), "given"});
  c.add({t.key_box({k1}, k2), "given"});
  c.run();
  EXPECT_FALSE(c.readings(two_messages(), "eve")[0].readable);
  EXPECT_EQ(t.opened, 0) << "no key with a matching id: the opener is never called";
}

TEST(Closure, AnArtifactNeedingTwoKeysOpensOnlyWithBoth) {
  Toy t;
  auto a = t.key("a");
  auto b = t.key("b");
  auto box = t.message_box({a, b}, 2, "second");
  {
    Closure c(t.openers, t.cache);
    c.add({box, "given"});
    c.add({a, "given"});
    c.run();
    EXPECT_FALSE(c.readings(two_messages(), "eve")[1].readable);
  }
  Closure c(t.openers, t.cache);
  c.add({b, "given"});
  c.add({box, "given"});
  c.add({a, "given"});
  c.run();
  EXPECT_TRUE(c.readings(two_messages(), "eve")[1].readable);
}

TEST(Closure, AWrongKeyUnderTheRightIdOpensNothing) {
  Toy t;
  auto real = t.key("k");
  auto impostor = make_key("toy.key", "impostor", real->key_id, t.rng->secret(32));
  Closure c(t.openers, t.cache);
  c.add({t.message_box({real}, 1, "first"), "given"});
  c.add({impostor, "given"});
  c.run();
  EXPECT_FALSE(c.readings(two_messages(), "eve")[0].readable);
  EXPECT_EQ(t.opened, 1) << "the hint led to one real decryption attempt, which failed";
}

// Regression: the closure gave up after 4,096 key combinations per sealed
// artifact and reported "cannot read" for one it never tried. Here the
// right pair comes after 101 x 51 = 5,151 combinations (the impostors
// under the same ids are newer, and newer keys are tried first).
TEST(Closure, TriesEveryCombinationHoweverManyKeysAnswerToTheIds) {
  for (const bool box_last : {true, false}) {
    Toy t;
    auto a = t.key("a");
    auto b = t.key("b");
    auto box = t.message_box({a, b}, 2, "second");
    Closure c(t.openers, t.cache);
    if (!box_last) c.add({box, "given"});
    c.add({a, "given"});
    c.add({b, "given"});
    for (int i = 0; i < 100; ++i)
      c.add({make_key("toy.key", fmt::format("impostor a{}", i), a->key_id, t.rng->secret(32)), "given"});
    for (int i = 0; i < 50; ++i)
      c.add({make_key("toy.key", fmt::format("impostor b{}", i), b->key_id, t.rng->secret(32)), "given"});
    if (box_last) c.add({box, "given"});
    c.run();
    EXPECT_TRUE(c.readings(two_messages(), "eve")[1].readable) << "box last: " << box_last;
    // Each combination is tried once, when its last key arrives: the box
    // waiting from the start opens as soon as the real pair is there.
    EXPECT_EQ(t.opened, box_last ? 101 * 51 : 1) << "box last: " << box_last;
  }
}

// Two places needing keys of one id: each pair of keys is tried once, in
// either order of arrival, and the right pair opens.
TEST(Closure, ANeedRepeatedTwiceTriesEachPairOnce) {
  Toy t;
  auto k = t.key("k");
  auto other = make_key("toy.key", "other", k->key_id, t.rng->secret(32));
  auto box = t.message_box({other, k}, 1, "first");  // outer layer k, inner layer other: order matters
  Closure c(t.openers, t.cache);
  c.add({box, "given"});
  c.add({k, "given"});
  c.add({other, "given"});
  c.run();
  EXPECT_TRUE(c.readings(two_messages(), "eve")[0].readable);
  // (k,k) when k came; then (other,other), (other,k) and (k,other) when other
  // came, the last of which opens.
  EXPECT_LE(t.opened, 4);
}

TEST(Closure, OpeningsAreSharedAcrossActorsThroughTheCache) {
  Toy t;
  auto k = t.key("k");
  auto box = t.message_box({k}, 1, "first");
  for (int actor = 0; actor < 3; ++actor) {
    Closure c(t.openers, t.cache);
    c.add({box, "given"});
    c.add({k, "given"});
    c.run();
    EXPECT_TRUE(c.readings(two_messages(), "x")[0].readable);
  }
  EXPECT_EQ(t.opened, 1);
  EXPECT_EQ(t.cache.size(), 1u);
}

TEST(Closure, APlaintextThatIsNotTheMessageTextIsAModelBug) {
  Toy t;
  auto k = t.key("k");
  Closure c(t.openers, t.cache);
  c.add({t.message_box({k}, 1, "forged"), "given"});
  c.add({k, "given"});
  c.run();
  EXPECT_THROW(c.readings(two_messages(), "eve"), std::logic_error);
}

TEST(OpeningCache, AClosuresOwnCacheForgetsFailuresButReadsThroughToTheSharedOne) {
  Toy t;
  auto k = t.key("k");
  auto wrong = t.key("wrong");
  auto box = t.message_box({k}, 1, "first");
  OpeningCache shared;
  OpeningCache own(&shared, /*keep_failures=*/false);
  const OpeningCache::Key failed{box.get(), wrong.get()};
  EXPECT_TRUE(own.put(failed, {}).empty());
  EXPECT_EQ(own.size(), 0u);
  EXPECT_EQ(own.find(failed), nullptr);
  // Successes are kept; what the shared cache knows, the own cache finds.
  const OpeningCache::Key opened{box.get(), k.get()};
  EXPECT_EQ(own.put(opened, {make_plaintext("message 1", 1, "first")}).size(), 1u);
  EXPECT_EQ(own.size(), 1u);
  shared.put(failed, {});
  EXPECT_EQ(shared.size(), 1u);
  ASSERT_NE(own.find(failed), nullptr);
  EXPECT_TRUE(own.find(failed)->empty());
  // The first stored result wins.
  const auto& first = shared.put(opened, {make_plaintext("message 1", 1, "first")});
  const auto& second = shared.put(opened, {});
  EXPECT_EQ(&first, &second);
  EXPECT_EQ(second.size(), 1u);
}

// Past many regrowths of the index and many blocks of the key pool: every
// opening is found under its own key, by equal keys from other storage, not
// under a prefix or an extension of it, and stored results never move.
TEST(OpeningCache, FindsEveryOpeningAndKeepsResultsInPlaceAsItGrows) {
  constexpr int kSealed = 3000;
  std::vector<ArtifactPtr> sealed, keys;
  for (int i = 0; i < kSealed; ++i) sealed.push_back(make_sealed("toy.box", fmt::format("box {}", i), {KeyId::from(Bytes{1})}, {}));
  for (int i = 0; i < 5; ++i) keys.push_back(make_key("toy.key", fmt::format("key {}", i), KeyId::from(Bytes{1}), SecretBytes()));
  // Box i is opened with keys 0..(i % 5) (one to five keys; keys of 2 to 6 pointers).
  auto key_of = [&](int i) {
    OpeningCache::Key k{sealed[static_cast<std::size_t>(i)].get()};
    for (int j = 0; j <= i % 5; ++j) k.push_back(keys[static_cast<std::size_t>(j)].get());
    return k;
  };
  OpeningCache cache;
  cache.index_by_sealed();
  std::vector<const std::vector<ArtifactPtr>*> stored;
  for (int i = 0; i < kSealed; ++i)
    stored.push_back(&cache.put(key_of(i), {make_plaintext(fmt::format("text {}", i), i + 1, "x")}));
  EXPECT_EQ(cache.size(), static_cast<std::size_t>(kSealed));
  for (int i = 0; i < kSealed; ++i) {
    const OpeningCache::Key k = key_of(i);
    const std::vector<ArtifactPtr>* found = cache.find(k);
    ASSERT_EQ(found, stored[static_cast<std::size_t>(i)]) << "box " << i;
    EXPECT_EQ(found->front()->message_id, i + 1);
    EXPECT_EQ(cache.find(std::span(k).first(k.size() - 1)), nullptr) << "a prefix of box " << i << "'s key";
    OpeningCache::Key longer = k;
    longer.push_back(keys[4].get());
    EXPECT_EQ(cache.find(longer), nullptr) << "box " << i << "'s key and one more";
    // The same opening stored again: the first stays.
    EXPECT_EQ(&cache.put(k, {}), found);
    int offered = 0;
    EXPECT_TRUE(cache.any_opening_of(sealed[static_cast<std::size_t>(i)].get(),
                                     [&](std::span<const Artifact* const> key, const std::vector<ArtifactPtr>& result) {
                                       ++offered;
                                       EXPECT_TRUE(std::equal(key.begin(), key.end(), k.begin(), k.end()));
                                       return &result == found;
                                     }));
    EXPECT_EQ(offered, 1);
  }
  EXPECT_EQ(cache.size(), static_cast<std::size_t>(kSealed));
}

TEST(OpeningCache, OffersASealedArtifactsSuccessfulOpeningsInTheOrderStored) {
  Toy t;
  auto k1 = t.key("k1");
  auto k2 = t.key("k2");
  auto wrong = t.key("wrong");
  auto box = t.message_box({k1}, 1, "first");
  auto other = t.message_box({k2}, 2, "second");
  OpeningCache device;
  device.index_by_sealed();
  auto text = [](const char* words) { return std::vector<ArtifactPtr>{make_plaintext("m", 1, words)}; };
  device.put({box.get(), k1.get()}, text("one"));
  device.put({box.get(), wrong.get()}, {});  // a failure: kept, but not offered
  device.put({other.get(), k2.get()}, text("other"));
  device.put({box.get(), k2.get()}, text("two"));
  device.put({box.get(), k1.get()}, text("again"));  // stored already: the first stays

  std::vector<std::string> offered;
  auto collect = [&](std::span<const Artifact* const> key, const std::vector<ArtifactPtr>& result) {
    EXPECT_EQ(key.front(), box.get());
    offered.push_back(to_string(result.front()->data));
    return false;
  };
  EXPECT_FALSE(device.any_opening_of(box.get(), collect));
  EXPECT_EQ(offered, (std::vector<std::string>{"one", "two"}));

  // The walk stops at the first opening the caller takes.
  offered.clear();
  EXPECT_TRUE(device.any_opening_of(box.get(), [&](std::span<const Artifact* const> key, const auto& result) {
    offered.push_back(to_string(result.front()->data));
    return key[1] == k1.get();
  }));
  EXPECT_EQ(offered, (std::vector<std::string>{"one"}));
  EXPECT_FALSE(device.any_opening_of(k1.get(), collect)) << "a key was never opened";

  // A cache not indexed by sealed artifact offers nothing.
  OpeningCache plain;
  plain.put({box.get(), k1.get()}, text("one"));
  EXPECT_FALSE(plain.any_opening_of(box.get(), collect));
}

// A chain's message keys all answer to the chain's id, and each message
// arrives before its key (as in a device's journal).
TEST(Closure, OpensWhatADeviceOpenedWithTheSameKeysAtOnceInsteadOfTryingTheWholeChain) {
  constexpr int kMessages = 40;
  Toy t;
  std::vector<ArtifactPtr> evidence;
  Scenario s;
  std::vector<std::pair<ArtifactPtr, ArtifactPtr>> pairs;
  for (int n = 1; n <= kMessages; ++n) {
    auto key = make_key("toy.key", fmt::format("message key {}", n), make_key_id("toy.key", to_bytes("chain")), t.rng->secret(32));
    auto box = t.message_box({key}, n, fmt::format("text {}", n));
    evidence.push_back(box);
    evidence.push_back(key);
    pairs.emplace_back(box, key);
    Message m;
    m.id = n;
    m.text = fmt::format("text {}", n);
    s.messages.push_back(m);
  }
  auto close = [&](const OpeningCache* device_openings) {
    OpeningCache cache(device_openings);
    Closure c(t.openers, cache, device_openings);
    for (const auto& a : evidence) c.add({a, "given"});
    c.run();
    return c.readings(s, "eve");
  };
  t.opened = 0;
  const auto walked = close(nullptr);
  EXPECT_GE(t.opened, kMessages * (kMessages - 1) / 2) << "each message offered to every earlier key";

  // The device opened each message with its key during the run.
  OpeningCache device;
  device.index_by_sealed();
  const Opener& open_box = *t.openers.find(kBox);
  for (const auto& [box, key] : pairs) {
    const std::vector<const Artifact*> keys{key.get()};
    device.put({box.get(), key.get()}, open_box(*box, keys));
  }
  t.opened = 0;
  const auto reused = close(&device);
  EXPECT_EQ(t.opened, 0) << "every opening is the device's";
  ASSERT_EQ(walked.size(), reused.size());
  for (std::size_t i = 0; i < walked.size(); ++i) {
    EXPECT_TRUE(reused[i].readable) << i;
    EXPECT_EQ(walked[i].how, reused[i].how) << i;
  }
}

}  // namespace
}  // namespace msgsim
