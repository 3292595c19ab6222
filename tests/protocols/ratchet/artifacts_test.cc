// The ratchet's openers on their own, with Signal's names and X3DH piece:
// what each key opens, and what it does not.
#include "protocols/ratchet/artifacts.h"

#include <gtest/gtest.h>

#include "protocols/signal/signal_model.h"
#include "protocols/signal/x3dh_agreement.h"

namespace msgsim::ratchet {
namespace {

using signal::IdentityKey;
using signal::make_identity;
using signal::make_one_time_prekeys;
using signal::make_signed_prekey;
using signal::OneTimePreKey;
using signal::PreKeyBundle;
using signal::PreKeyPart;
using signal::SignedPreKey;
using signal::x3dh_initiate;
using signal::X3dhAgreement;

const Protocol& P() { return signal::protocol(); }

std::vector<ArtifactPtr> open(const ArtifactPtr& sealed, std::vector<ArtifactPtr> keys, const Protocol& p = P()) {
  std::vector<const Artifact*> ptrs;
  for (const auto& k : keys) ptrs.push_back(k.get());
  OpenerRegistry registry;
  X3dhAgreement::register_openers(registry, p);
  register_openers(registry, p);
  const Opener* opener = registry.find(sealed->type);
  EXPECT_NE(opener, nullptr);
  return (*opener)(*sealed, ptrs);
}

// One plaintext expected; returns its text ("" when nothing opened).
std::string read(const ArtifactPtr& sealed, std::vector<ArtifactPtr> keys, int expected_id, const Protocol& p = P()) {
  auto out = open(sealed, std::move(keys), p);
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
    alice.emplace(Session::initiate(P().kdf(), *rng, std::move(init->shared_secret), init->associated,
                                    init->ephemeral_key, spk.key.public_key));
  }

  ArtifactPtr send(int id, const std::string& text) {
    const WireMessage m = alice->encrypt(*rng, encode_envelope(id, text)).message;
    return make_message(P(), "message " + std::to_string(id), m, m.encode());
  }
  ArtifactPtr header() const {
    const auto& c = *alice->sending();
    return make_ratchet_header(P(), "chain 1", {alice->ratchet_key().public_key, c.their_ratchet_key, c.root_name});
  }
  ArtifactPtr key(const std::string& type, KeyId id, const crypto::DhKeyPair& k) const {
    return make_dh_key(type, "k", id, k);
  }
};

TEST(RatchetOpeners, X3dhPartThenHeaderThenMessageOpenWithBobsPrivateKeys) {
  Conversation s;
  auto m0 = s.send(1, "bonjour");
  auto root = open(X3dhAgreement::make_prekey_message(P(), "from alice to bob", s.part),
                   {s.key(X3dhAgreement::identity_key_type(P()),
                          X3dhAgreement::identity_id(P(), s.bob_id.dh.public_key), s.bob_id.dh),
                    s.key(X3dhAgreement::signed_prekey_type(P()), P().ratchet_id(s.spk.key.public_key), s.spk.key),
                    s.key(X3dhAgreement::one_time_prekey_type(P()),
                          X3dhAgreement::one_time_prekey_id(P(), s.opk[0].key.public_key), s.opk[0].key)});
  ASSERT_EQ(root.size(), 1u);
  EXPECT_EQ(root[0]->type, P().root_key_type());
  EXPECT_EQ(root[0]->key_id, P().root_id(s.part.base_key));
  EXPECT_EQ(s.header()->needs[0], root[0]->key_id);

  auto derived =
      open(s.header(),
           {root[0], s.key(X3dhAgreement::signed_prekey_type(P()), P().ratchet_id(s.spk.key.public_key), s.spk.key)});
  ASSERT_EQ(derived.size(), 2u);
  EXPECT_EQ(derived[0]->type, P().chain_key_type());
  EXPECT_EQ(derived[0]->key_id, m0->needs[0]);
  EXPECT_EQ(derived[1]->key_id, P().root_id(s.alice->ratchet_key().public_key));
  EXPECT_EQ(read(m0, {derived[0]}, 1), "bonjour");
}

TEST(RatchetOpeners, X3dhPartNeedsTheDeletedOneTimePreKey) {
  Conversation s;
  auto prekey = X3dhAgreement::make_prekey_message(P(), "from alice to bob", s.part);
  ASSERT_EQ(prekey->needs.size(), 3u);
  // Another device key offered under the one-time prekey's id opens nothing.
  const crypto::DhKeyPair other = crypto::dh_keypair(*s.rng);
  EXPECT_TRUE(open(prekey, {s.key(X3dhAgreement::identity_key_type(P()), prekey->needs[0], s.bob_id.dh),
                            s.key(X3dhAgreement::signed_prekey_type(P()), prekey->needs[1], s.spk.key),
                            s.key(X3dhAgreement::one_time_prekey_type(P()), prekey->needs[2], other)})
                  .empty());
}

TEST(RatchetOpeners, ChainKeyOpensLaterMessagesNeverEarlierOnes) {
  Conversation s;
  std::vector<ArtifactPtr> msgs;
  for (int i = 1; i <= 4; ++i) msgs.push_back(s.send(i, "m" + std::to_string(i)));
  // Bob's receiving chain, as a seizure would find it after message 2 (n=1).
  auto root = open(X3dhAgreement::make_prekey_message(P(), "s", s.part),
                   {s.key(X3dhAgreement::identity_key_type(P()), KeyId(), s.bob_id.dh),
                    s.key(X3dhAgreement::signed_prekey_type(P()), KeyId(), s.spk.key),
                    s.key(X3dhAgreement::one_time_prekey_type(P()), KeyId(), s.opk[0].key)});
  auto chain0 = open(s.header(), {root.at(0), s.key(X3dhAgreement::signed_prekey_type(P()), KeyId(), s.spk.key)}).at(0);
  ChainKey ck{chain0->secret.clone(), 0};
  ck = ck.next().next();
  auto seized = make_chain_key(P(), "bob's receiving chain key, n=2", s.alice->ratchet_key().public_key, ck);
  EXPECT_EQ(read(msgs[0], {seized}, 1), "");
  EXPECT_EQ(read(msgs[1], {seized}, 2), "");
  EXPECT_EQ(read(msgs[2], {seized}, 3), "m3");
  EXPECT_EQ(read(msgs[3], {seized}, 4), "m4");
  EXPECT_EQ(read(msgs[0], {chain0}, 1), "m1");
}

TEST(RatchetOpeners, SkippedMessageKeyOpensOnlyItsOwnMessage) {
  Conversation s;
  auto m1 = s.send(1, "one");
  auto m2 = s.send(2, "two");
  const KeyId id = m1->needs[0];
  EXPECT_EQ(m2->needs[0], id);  // same chain, same id
  auto root = open(X3dhAgreement::make_prekey_message(P(), "s", s.part),
                   {s.key(X3dhAgreement::identity_key_type(P()), KeyId(), s.bob_id.dh),
                    s.key(X3dhAgreement::signed_prekey_type(P()), KeyId(), s.spk.key),
                    s.key(X3dhAgreement::one_time_prekey_type(P()), KeyId(), s.opk[0].key)});
  auto chain0 = open(s.header(), {root.at(0), s.key(X3dhAgreement::signed_prekey_type(P()), KeyId(), s.spk.key)}).at(0);
  const ChainKey ck{chain0->secret.clone(), 0};
  auto skipped =
      make_message_key(P(), "skipped key n=1", s.alice->ratchet_key().public_key, 1, ck.next().message_key(P().kdf()));
  EXPECT_EQ(skipped->key_id, id);
  EXPECT_EQ(read(m2, {skipped}, 2), "two");
  EXPECT_EQ(read(m1, {skipped}, 1), "");
}

// Regression: the opener stopped at the receiving app's forward-jump cap,
// so a chain key 25,001 steps behind a message read as "cannot read". The
// cap bounds the work an app does for a message it receives (a forged
// counter); whoever holds a chain key derives as far as it likes.
TEST(RatchetOpeners, ChainKeyDerivesPastTheAppsForwardJumpCap) {
  Conversation s;
  for (std::uint32_t i = 0; i <= kMaxForwardJumps; ++i) s.alice->encrypt(*s.rng, encode_envelope(1, "filler"));
  auto far = s.send(2, "far");  // n = kMaxForwardJumps + 1
  auto root = open(X3dhAgreement::make_prekey_message(P(), "s", s.part),
                   {s.key(X3dhAgreement::identity_key_type(P()), KeyId(), s.bob_id.dh),
                    s.key(X3dhAgreement::signed_prekey_type(P()), KeyId(), s.spk.key),
                    s.key(X3dhAgreement::one_time_prekey_type(P()), KeyId(), s.opk[0].key)});
  auto chain0 = open(s.header(), {root.at(0), s.key(X3dhAgreement::signed_prekey_type(P()), KeyId(), s.spk.key)}).at(0);
  EXPECT_EQ(read(far, {chain0}, 2), "far");
  const ChainKey at1 = ChainKey{chain0->secret.clone(), 0}.next();
  EXPECT_EQ(read(far, {make_chain_key(P(), "n=1", s.alice->ratchet_key().public_key, at1)}, 2), "far");
}

TEST(RatchetOpeners, HeaderNeedsTheReceiversRatchetPrivateKey) {
  Conversation s;
  auto root = open(X3dhAgreement::make_prekey_message(P(), "s", s.part),
                   {s.key(X3dhAgreement::identity_key_type(P()), KeyId(), s.bob_id.dh),
                    s.key(X3dhAgreement::signed_prekey_type(P()), KeyId(), s.spk.key),
                    s.key(X3dhAgreement::one_time_prekey_type(P()), KeyId(), s.opk[0].key)});
  // Bob's identity key offered as his ratchet key: refused, nothing derived.
  EXPECT_TRUE(
      open(s.header(), {root.at(0), s.key(X3dhAgreement::signed_prekey_type(P()), KeyId(), s.bob_id.dh)}).empty());
}

TEST(RatchetOpeners, TamperedMessageOpensNothing) {
  Conversation s;
  auto m = s.send(1, "intact");
  auto root = open(X3dhAgreement::make_prekey_message(P(), "s", s.part),
                   {s.key(X3dhAgreement::identity_key_type(P()), KeyId(), s.bob_id.dh),
                    s.key(X3dhAgreement::signed_prekey_type(P()), KeyId(), s.spk.key),
                    s.key(X3dhAgreement::one_time_prekey_type(P()), KeyId(), s.opk[0].key)});
  auto chain0 = open(s.header(), {root.at(0), s.key(X3dhAgreement::signed_prekey_type(P()), KeyId(), s.spk.key)}).at(0);
  Bytes bad = m->data;
  bad[bad.size() - 3] ^= 0x40;
  EXPECT_TRUE(open(make_sealed(P().message_type(), "bad", m->needs, bad), {chain0}).empty());
}

TEST(RatchetOpeners, ASigningAppsCopyCarriesASignatureThatAuthenticatesAndOpensNothing) {
  static const Protocol signing({.prefix = "test",
                                 .app = "Test",
                                 .message_noun = "Test message",
                                 .kdf = {"test root", "test message keys"},
                                 .signed_messages = true});
  auto rng = make_seeded_rng(9, "openers");
  const ChainKey ck{rng->secret(crypto::kKeySize), 0};
  const Bytes ratchet_pub = crypto::dh_keypair(*rng).public_key;
  const WireMessage m =
      seal_message(*rng, ck.message_key(signing.kdf()), {ratchet_pub, 0, 0}, {}, encode_envelope(1, "signed"));
  const crypto::SignKeyPair device = crypto::sign_keypair(*rng);
  const Bytes bytes = m.encode();
  Bytes good = bytes;
  const Bytes signature = crypto::sign(device.secret, bytes);
  good.insert(good.end(), signature.begin(), signature.end());
  const auto key = make_chain_key(signing, "chain key", ratchet_pub, ck);
  // The receiving device's check: the sender's key, over exactly these bytes.
  EXPECT_TRUE(signature_holds(good, device.public_key));
  Bytes damaged = good;
  damaged.back() ^= 0x01;
  EXPECT_FALSE(signature_holds(damaged, device.public_key));
  EXPECT_FALSE(signature_holds(good, crypto::sign_keypair(*rng).public_key));
  Bytes tampered = good;
  tampered[tampered.size() - crypto::kSignatureSize - 1] ^= 0x01;
  EXPECT_FALSE(signature_holds(tampered, device.public_key));
  // Who can read is the key's business: the opener sets the signature aside
  // (a damaged one too), and the AEAD still refuses tampered bytes.
  EXPECT_EQ(read(make_message(signing, "m", m, good), {key}, 1, signing), "signed");
  EXPECT_EQ(read(make_message(signing, "m", m, damaged), {key}, 1, signing), "signed");
  EXPECT_EQ(read(make_message(signing, "m", m, tampered), {key}, 1, signing), "");
  // Unsigned bytes are not a signing app's copy.
  EXPECT_EQ(read(make_message(signing, "m", m, bytes), {key}, 1, signing), "");
}

}  // namespace
}  // namespace msgsim::ratchet
