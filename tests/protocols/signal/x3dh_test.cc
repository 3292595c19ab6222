#include "protocols/signal/x3dh.h"

#include <gtest/gtest.h>

namespace msgsim::signal {
namespace {

struct Bob {
  IdentityKey identity;
  SignedPreKey spk;
  std::vector<OneTimePreKey> opks;

  PreKeyBundle bundle(bool with_opk) const {
    PreKeyBundle b{
        identity.dh.public_key, identity.sign.public_key, spk.id, spk.key.public_key, spk.signature, std::nullopt, {}};
    if (with_opk) {
      b.one_time_prekey_id = opks.front().id;
      b.one_time_prekey = opks.front().key.public_key;
    }
    return b;
  }
};

Bob make_bob(Rng& rng) {
  Bob b{make_identity(rng), {}, {}};
  b.spk = make_signed_prekey(rng, b.identity, 1);
  b.opks = make_one_time_prekeys(rng, 100, 3);
  return b;
}

TEST(X3dh, BothSidesDeriveTheSameSecretWithOneTimePreKey) {
  auto rng = make_seeded_rng(1, "x3dh");
  const IdentityKey alice = make_identity(*rng);
  const Bob bob = make_bob(*rng);
  auto init = x3dh_initiate(*rng, alice, bob.bundle(true));
  ASSERT_TRUE(init.has_value());
  auto sk = x3dh_respond(bob.identity.dh.secret, bob.spk.key.secret, &bob.opks.front().key.secret, alice.dh.public_key,
                         init->ephemeral_key);
  ASSERT_TRUE(sk.has_value());
  EXPECT_EQ(sk->size(), crypto::kKeySize);
  EXPECT_TRUE(*sk == init->shared_secret);
  EXPECT_EQ(init->associated, x3dh_associated(alice.dh.public_key, bob.identity.dh.public_key));
}

TEST(X3dh, BothSidesDeriveTheSameSecretWithoutOneTimePreKey) {
  auto rng = make_seeded_rng(2, "x3dh");
  const IdentityKey alice = make_identity(*rng);
  const Bob bob = make_bob(*rng);
  auto init = x3dh_initiate(*rng, alice, bob.bundle(false));
  ASSERT_TRUE(init.has_value());
  auto sk = x3dh_respond(bob.identity.dh.secret, bob.spk.key.secret, nullptr, alice.dh.public_key, init->ephemeral_key);
  ASSERT_TRUE(sk.has_value());
  EXPECT_TRUE(*sk == init->shared_secret);
}

TEST(X3dh, OneTimePreKeyChangesTheSecret) {
  // DH4 must enter the KDF: without the one-time prekey Bob gets another key.
  auto rng = make_seeded_rng(3, "x3dh");
  const IdentityKey alice = make_identity(*rng);
  const Bob bob = make_bob(*rng);
  auto init = x3dh_initiate(*rng, alice, bob.bundle(true));
  ASSERT_TRUE(init.has_value());
  auto without =
      x3dh_respond(bob.identity.dh.secret, bob.spk.key.secret, nullptr, alice.dh.public_key, init->ephemeral_key);
  auto wrong_opk = x3dh_respond(bob.identity.dh.secret, bob.spk.key.secret, &bob.opks.back().key.secret,
                                alice.dh.public_key, init->ephemeral_key);
  ASSERT_TRUE(without && wrong_opk);
  EXPECT_FALSE(*without == init->shared_secret);
  EXPECT_FALSE(*wrong_opk == init->shared_secret);
}

TEST(X3dh, TamperedSignedPreKeySignatureIsRejected) {
  auto rng = make_seeded_rng(4, "x3dh");
  const IdentityKey alice = make_identity(*rng);
  const Bob bob = make_bob(*rng);
  PreKeyBundle b = bob.bundle(true);
  b.signed_prekey_signature[5] ^= 0x01;
  EXPECT_FALSE(x3dh_initiate(*rng, alice, b).has_value());
}

TEST(X3dh, SubstitutedSignedPreKeyIsRejected) {
  // A server that swaps in its own prekey cannot sign it with Bob's identity.
  auto rng = make_seeded_rng(5, "x3dh");
  const IdentityKey alice = make_identity(*rng);
  const Bob bob = make_bob(*rng);
  PreKeyBundle b = bob.bundle(true);
  b.signed_prekey = crypto::dh_keypair(*rng).public_key;
  EXPECT_FALSE(x3dh_initiate(*rng, alice, b).has_value());
  // ... while a prekey signed by the right identity verifies.
  EXPECT_TRUE(x3dh_initiate(*rng, alice, bob.bundle(true)).has_value());
}

TEST(X3dh, SecretMatchesTheSpecifiedKdf) {
  // Recompute SK by hand from the four DH values: 0xFF*32 prefix, zero salt,
  // info "WhisperText", first 32 bytes.
  auto rng = make_seeded_rng(6, "x3dh");
  const IdentityKey alice = make_identity(*rng);
  const Bob bob = make_bob(*rng);
  auto init = x3dh_initiate(*rng, alice, bob.bundle(true));
  ASSERT_TRUE(init.has_value());
  Bytes ikm(32, 0xFF);
  std::vector<std::optional<SecretBytes>> dhs;
  dhs.push_back(crypto::dh(bob.spk.key.secret, alice.dh.public_key));
  dhs.push_back(crypto::dh(bob.identity.dh.secret, init->ephemeral_key));
  dhs.push_back(crypto::dh(bob.spk.key.secret, init->ephemeral_key));
  dhs.push_back(crypto::dh(bob.opks.front().key.secret, init->ephemeral_key));
  for (const auto& d : dhs) {
    ASSERT_TRUE(d.has_value());
    ikm.insert(ikm.end(), d->view().begin(), d->view().end());
  }
  Bytes expected = crypto::hkdf_sha256(Bytes(32, 0), ikm, to_bytes("WhisperText"), 64);
  expected.resize(32);
  EXPECT_TRUE(init->shared_secret == SecretBytes(expected));
}

TEST(X3dh, SameSeedGivesSameKeys) {
  auto a = make_seeded_rng(9, "x3dh");
  auto b = make_seeded_rng(9, "x3dh");
  const Bob x = make_bob(*a);
  const Bob y = make_bob(*b);
  EXPECT_EQ(x.identity.dh.public_key, y.identity.dh.public_key);
  EXPECT_EQ(x.spk.signature, y.spk.signature);
  EXPECT_EQ(x.opks.back().key.public_key, y.opks.back().key.public_key);
  EXPECT_NE(x.opks.front().key.public_key, x.opks.back().key.public_key);
}

}  // namespace
}  // namespace msgsim::signal
