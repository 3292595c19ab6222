// The Signal openers on their own: what each key opens, and what it does not.
#include "protocols/signal/openers.h"

#include <gtest/gtest.h>

#include "protocols/signal/x3dh.h"

namespace msgsim::signal {
namespace {

std::vector<ArtifactPtr> open(const ArtifactPtr& sealed, std::vector<ArtifactPtr> keys) {
  std::vector<const Artifact*> ptrs;
  for (const auto& k : keys) ptrs.push_back(k.get());
  OpenerRegistry registry;
  register_signal_openers(registry);
  const Opener* opener = registry.find(sealed->type);
  EXPECT_NE(opener, nullptr);
  return (*opener)(*sealed, ptrs);
}

// One plaintext expected; returns its text ("" when nothing opened).
std::string read(const ArtifactPtr& sealed, std::vector<ArtifactPtr> keys, int expected_id) {
  auto out = open(sealed, std::move(keys));
  if (out.size() != 1 || out[0]->kind != ArtifactKind::kPlaintext) return "";
  EXPECT_EQ(out[0]->message_id, expected_id);
  return msgsim::to_string(out[0]->data);
}

struct Conversation {
  std::unique_ptr<Rng> rng = make_seeded_rng(3, "openers");
  IdentityKey alice_id = make_identity(*rng);
  IdentityKey bob_id = make_identity(*rng);
  SignedPreKey spk = make_signed_prekey(*rng, bob_id, 1);
  std::vector<OneTimePreKey> opk = make_one_time_prekeys(*rng, 1, 1);
  PreKeyPart part;
  std::optional<Session> alice;

  Conversation() {
    PreKeyBundle bundle{bob_id.dh.public_key, bob_id.sign.public_key, 1, spk.key.public_key, spk.signature, opk[0].id,
                        opk[0].key.public_key};
    auto init = x3dh_initiate(*rng, alice_id, bundle);
    part = {alice_id.dh.public_key, init->ephemeral_key, bob_id.dh.public_key, spk.key.public_key,
            opk[0].key.public_key};
    alice.emplace(Session::initiate(*rng, std::move(init->shared_secret), init->associated, init->ephemeral_key,
                                    spk.key.public_key));
  }

  ArtifactPtr send(int id, const std::string& text) {
    return make_message("message " + std::to_string(id), alice->encrypt(*rng, encode_envelope(id, text)).message);
  }
  ArtifactPtr header() const {
    const auto& c = *alice->sending();
    return make_ratchet_header("chain 1", {alice->ratchet_key().public_key, c.their_ratchet_key, c.root_name});
  }
  ArtifactPtr key(const char* type, KeyId id, const crypto::DhKeyPair& k) const {
    return make_dh_key(type, "k", id, k);
  }
};

TEST(SignalOpeners, X3dhPartThenHeaderThenMessageOpenWithBobsPrivateKeys) {
  Conversation s;
  auto m0 = s.send(1, "bonjour");
  auto root = open(make_prekey_message("from alice to bob", s.part),
                   {s.key(kIdentityKeyType, identity_id(s.bob_id.dh.public_key), s.bob_id.dh),
                    s.key(kSignedPreKeyType, ratchet_id(s.spk.key.public_key), s.spk.key),
                    s.key(kOneTimePreKeyType, one_time_prekey_id(s.opk[0].key.public_key), s.opk[0].key)});
  ASSERT_EQ(root.size(), 1u);
  EXPECT_EQ(root[0]->type, kRootKeyType);
  EXPECT_EQ(root[0]->key_id, root_id(s.part.base_key));
  EXPECT_EQ(s.header()->needs[0], root[0]->key_id);

  auto derived = open(s.header(), {root[0], s.key(kSignedPreKeyType, ratchet_id(s.spk.key.public_key), s.spk.key)});
  ASSERT_EQ(derived.size(), 2u);
  EXPECT_EQ(derived[0]->type, kChainKeyType);
  EXPECT_EQ(derived[0]->key_id, m0->needs[0]);
  EXPECT_EQ(derived[1]->key_id, root_id(s.alice->ratchet_key().public_key));
  EXPECT_EQ(read(m0, {derived[0]}, 1), "bonjour");
}

TEST(SignalOpeners, X3dhPartNeedsTheDeletedOneTimePreKey) {
  Conversation s;
  auto prekey = make_prekey_message("from alice to bob", s.part);
  ASSERT_EQ(prekey->needs.size(), 3u);
  // Another device key offered under the one-time prekey's id opens nothing.
  const crypto::DhKeyPair other = crypto::dh_keypair(*s.rng);
  EXPECT_TRUE(open(prekey, {s.key(kIdentityKeyType, prekey->needs[0], s.bob_id.dh),
                            s.key(kSignedPreKeyType, prekey->needs[1], s.spk.key),
                            s.key(kOneTimePreKeyType, prekey->needs[2], other)})
                  .empty());
}

TEST(SignalOpeners, ChainKeyOpensLaterMessagesNeverEarlierOnes) {
  Conversation s;
  std::vector<ArtifactPtr> msgs;
  for (int i = 1; i <= 4; ++i) msgs.push_back(s.send(i, "m" + std::to_string(i)));
  // Bob's receiving chain, as a seizure would find it after message 2 (n=1).
  auto root = open(make_prekey_message("s", s.part),
                   {s.key(kIdentityKeyType, KeyId(), s.bob_id.dh), s.key(kSignedPreKeyType, KeyId(), s.spk.key),
                    s.key(kOneTimePreKeyType, KeyId(), s.opk[0].key)});
  auto chain0 = open(s.header(), {root.at(0), s.key(kSignedPreKeyType, KeyId(), s.spk.key)}).at(0);
  ChainKey ck{chain0->secret.clone(), 0};
  ck = ck.next().next();
  auto seized = make_chain_key("bob's receiving chain key, n=2", s.alice->ratchet_key().public_key, ck);
  EXPECT_EQ(read(msgs[0], {seized}, 1), "");
  EXPECT_EQ(read(msgs[1], {seized}, 2), "");
  EXPECT_EQ(read(msgs[2], {seized}, 3), "m3");
  EXPECT_EQ(read(msgs[3], {seized}, 4), "m4");
  EXPECT_EQ(read(msgs[0], {chain0}, 1), "m1");
}

TEST(SignalOpeners, SkippedMessageKeyOpensOnlyItsOwnMessage) {
  Conversation s;
  auto m1 = s.send(1, "one");
  auto m2 = s.send(2, "two");
  const KeyId id = m1->needs[0];
  EXPECT_EQ(m2->needs[0], id);  // same chain, same id
  auto root = open(make_prekey_message("s", s.part),
                   {s.key(kIdentityKeyType, KeyId(), s.bob_id.dh), s.key(kSignedPreKeyType, KeyId(), s.spk.key),
                    s.key(kOneTimePreKeyType, KeyId(), s.opk[0].key)});
  auto chain0 = open(s.header(), {root.at(0), s.key(kSignedPreKeyType, KeyId(), s.spk.key)}).at(0);
  const ChainKey ck{chain0->secret.clone(), 0};
  auto skipped = make_message_key("skipped key n=1", s.alice->ratchet_key().public_key, 1, ck.next().message_key());
  EXPECT_EQ(skipped->key_id, id);
  EXPECT_EQ(read(m2, {skipped}, 2), "two");
  EXPECT_EQ(read(m1, {skipped}, 1), "");
}

TEST(SignalOpeners, ChainKeyDerivesAtMostTheForwardJumpCap) {
  Conversation s;
  for (std::uint32_t i = 0; i <= kMaxForwardJumps; ++i) s.alice->encrypt(*s.rng, encode_envelope(1, "filler"));
  auto far = s.send(2, "far");  // n = kMaxForwardJumps + 1
  auto root = open(make_prekey_message("s", s.part),
                   {s.key(kIdentityKeyType, KeyId(), s.bob_id.dh), s.key(kSignedPreKeyType, KeyId(), s.spk.key),
                    s.key(kOneTimePreKeyType, KeyId(), s.opk[0].key)});
  auto chain0 = open(s.header(), {root.at(0), s.key(kSignedPreKeyType, KeyId(), s.spk.key)}).at(0);
  EXPECT_EQ(read(far, {chain0}, 2), "");
  const ChainKey at1 = ChainKey{chain0->secret.clone(), 0}.next();
  EXPECT_EQ(read(far, {make_chain_key("n=1", s.alice->ratchet_key().public_key, at1)}, 2), "far");
}

TEST(SignalOpeners, HeaderNeedsTheReceiversRatchetPrivateKey) {
  Conversation s;
  auto root = open(make_prekey_message("s", s.part),
                   {s.key(kIdentityKeyType, KeyId(), s.bob_id.dh), s.key(kSignedPreKeyType, KeyId(), s.spk.key),
                    s.key(kOneTimePreKeyType, KeyId(), s.opk[0].key)});
  // Bob's identity key offered as his ratchet key: refused, nothing derived.
  EXPECT_TRUE(open(s.header(), {root.at(0), s.key(kSignedPreKeyType, KeyId(), s.bob_id.dh)}).empty());
}

TEST(SignalOpeners, TamperedMessageOpensNothing) {
  Conversation s;
  auto m = s.send(1, "intact");
  auto root = open(make_prekey_message("s", s.part),
                   {s.key(kIdentityKeyType, KeyId(), s.bob_id.dh), s.key(kSignedPreKeyType, KeyId(), s.spk.key),
                    s.key(kOneTimePreKeyType, KeyId(), s.opk[0].key)});
  auto chain0 = open(s.header(), {root.at(0), s.key(kSignedPreKeyType, KeyId(), s.spk.key)}).at(0);
  Bytes bad = m->data;
  bad[bad.size() - 3] ^= 0x40;
  EXPECT_TRUE(open(make_sealed(kMessageType, "bad", m->needs, bad), {chain0}).empty());
}

}  // namespace
}  // namespace msgsim::signal
