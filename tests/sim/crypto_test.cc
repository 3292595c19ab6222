#include "msgsim/crypto.h"

#include <gtest/gtest.h>

#include <string_view>

namespace msgsim {
namespace {

Bytes from_hex(std::string_view h) {
  const auto nibble = [](char c) { return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10); };
  Bytes out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(nibble(h[i]) << 4 | nibble(h[i + 1])));
  return out;
}

Bytes range(std::uint8_t from, std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(from + i);
  return out;
}

// RFC 5869, appendix A, test cases 1-3 (HKDF-SHA256).
TEST(Hkdf, MatchesRfc5869TestCase1) {
  const Bytes ikm(22, 0x0b);
  const Bytes salt = range(0x00, 13);
  const Bytes info = range(0xf0, 10);
  EXPECT_EQ(hex(crypto::hkdf_extract(salt, ikm)), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  EXPECT_EQ(hex(crypto::hkdf_sha256(salt, ikm, info, 42)),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(Hkdf, MatchesRfc5869TestCase2LongInputs) {
  const Bytes ikm = range(0x00, 80);
  const Bytes salt = range(0x60, 80);
  const Bytes info = range(0xb0, 80);
  EXPECT_EQ(hex(crypto::hkdf_extract(salt, ikm)), "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244");
  EXPECT_EQ(hex(crypto::hkdf_sha256(salt, ikm, info, 82)),
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09"
            "da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87");
}

TEST(Hkdf, MatchesRfc5869TestCase3EmptySaltAndInfo) {
  const Bytes ikm(22, 0x0b);
  EXPECT_EQ(hex(crypto::hkdf_extract({}, ikm)), "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
  EXPECT_EQ(hex(crypto::hkdf_sha256({}, ikm, {}, 42)),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(Hkdf, RejectsTooLongOutput) {
  EXPECT_THROW(crypto::hkdf_sha256({}, Bytes(32, 1), {}, 255 * 32 + 1), std::invalid_argument);
}

// RFC 4231 test case 2 (HMAC-SHA256 with a short key).
TEST(Hmac, MatchesRfc4231TestCase2) {
  EXPECT_EQ(hex(crypto::hmac_sha256(to_bytes("Jefe"), to_bytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// libsodium's own known answer (test/default/pwhash_argon2id.c and .exp,
// tv, the first vector: its salt is the first 16 bytes of the hex given there).
TEST(Argon2id, MatchesLibsodiumsKnownAnswer) {
  const Bytes password = from_hex(
      "a347ae92bce9f80f6f595a4480fc9c2fe7e7d7148d371e9487d75f5c23008ffae065577a928febd9b1973a5a95073acdbeb6a030cf"
      "c0d79caa2dc5cd011cef02c08da232d76d52dfbca38ca8dcbd665b17d1665f7cf5fe59772ec909733b24de97d6f58d220b20c60d7c"
      "07ec1fd93c52c31020300c6c1facd77937a597c7a6");
  ASSERT_EQ(password.size(), 127u);
  const Bytes salt = from_hex("5541fbc995d5c197ba290346d2c559de");
  const SecretBytes key = crypto::argon2id(password, salt, 155, {5, 7256678});
  EXPECT_EQ(hex(key.view()),
            "18acec5d6507739f203d1f5d9f1d862f7c2cdac4f19d2bdff64487e60d969e3ced615337b9eec6ac4461c6ca07f0939741e57c"
            "24d0005c7ea171a0ee1e7348249d135b38f222e4dad7b9a033ed83f5ca27277393e316582033c74affe2566a2bea47f91f0fd9"
            "fe49ece7e1f79f3ad6e9b23e0277c8ecc4b313225748dd2a80f5679534a0700e246a79a49b3f74eb89ec6205fe1eeb941c73b1"
            "fcf1");
}

TEST(Argon2id, DependsOnPasswordSaltAndCostAndRejectsBadParameters) {
  const Bytes salt(crypto::kPasswordSaltSize, 7);
  const crypto::PasswordHashCost cost{2, 1 << 20};
  const SecretBytes a = crypto::argon2id(to_bytes("hunter2"), salt, 32, cost);
  EXPECT_EQ(a, crypto::argon2id(to_bytes("hunter2"), salt, 32, cost));
  EXPECT_FALSE(a == crypto::argon2id(to_bytes("hunter3"), salt, 32, cost));
  EXPECT_FALSE(a == crypto::argon2id(to_bytes("hunter2"), Bytes(crypto::kPasswordSaltSize, 8), 32, cost));
  EXPECT_FALSE(a == crypto::argon2id(to_bytes("hunter2"), salt, 32, {3, 1 << 20}));
  EXPECT_THROW(crypto::argon2id(to_bytes("hunter2"), Bytes(8, 7), 32, cost), std::invalid_argument);
  EXPECT_THROW(crypto::argon2id(to_bytes("hunter2"), salt, 8, cost), std::invalid_argument);
  EXPECT_THROW(crypto::argon2id(to_bytes("hunter2"), salt, 32, {0, 1 << 20}), std::invalid_argument);
  EXPECT_THROW(crypto::argon2id(to_bytes("hunter2"), salt, 32, {2, 1024}), std::invalid_argument);
}

TEST(SeededRng, SameSeedAndLabelGiveSameBytes) {
  auto a = make_seeded_rng(7, "imessage");
  auto b = make_seeded_rng(7, "imessage");
  auto c = make_seeded_rng(7, "signal");
  auto d = make_seeded_rng(8, "imessage");
  const Bytes x = a->bytes(64);
  EXPECT_EQ(x, b->bytes(64));
  EXPECT_NE(x, c->bytes(64));
  EXPECT_NE(x, d->bytes(64));
  EXPECT_NE(x, a->bytes(64)) << "successive draws must differ";
}

TEST(Seal, RoundTripsAndOpensOnlyWithTheRecipientKey) {
  auto rng = make_seeded_rng(1, "t");
  auto bob = crypto::dh_keypair(*rng);
  auto eve = crypto::dh_keypair(*rng);
  const Bytes sealed = crypto::seal(*rng, bob.public_key, to_bytes("key material"));
  EXPECT_EQ(sealed.size(), 12 + crypto::kSealOverhead);
  auto opened = crypto::seal_open(bob.secret, bob.public_key, sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(to_string(*opened), "key material");
  EXPECT_FALSE(crypto::seal_open(eve.secret, eve.public_key, sealed));
  Bytes tampered = sealed;
  tampered.back() ^= 1;
  EXPECT_FALSE(crypto::seal_open(bob.secret, bob.public_key, tampered));
}

TEST(Seal, IsDeterministicUnderASeededRng) {
  auto r1 = make_seeded_rng(3, "t");
  auto r2 = make_seeded_rng(3, "t");
  auto k1 = crypto::dh_keypair(*r1);
  auto k2 = crypto::dh_keypair(*r2);
  EXPECT_EQ(crypto::seal(*r1, k1.public_key, to_bytes("m")), crypto::seal(*r2, k2.public_key, to_bytes("m")));
}

TEST(Aead, RejectsWrongKeyTamperingAndWrongAssociatedData) {
  auto rng = make_seeded_rng(2, "t");
  const SecretBytes key = rng->secret(32);
  const SecretBytes other = rng->secret(32);
  const Bytes ct = crypto::aead_encrypt(*rng, key, to_bytes("hello"), to_bytes("ad"));
  ASSERT_EQ(ct.size(), 5 + crypto::kAeadOverhead);
  EXPECT_EQ(to_string(*crypto::aead_decrypt(key, ct, to_bytes("ad"))), "hello");
  EXPECT_FALSE(crypto::aead_decrypt(other, ct, to_bytes("ad")));
  EXPECT_FALSE(crypto::aead_decrypt(key, ct, to_bytes("AD")));
  for (std::size_t i = 0; i < ct.size(); ++i) {
    Bytes t = ct;
    t[i] ^= 0x80;
    EXPECT_FALSE(crypto::aead_decrypt(key, t, to_bytes("ad"))) << "flipped byte " << i;
  }
}

TEST(Sign, VerifiesAndRejectsForgeries) {
  auto rng = make_seeded_rng(4, "t");
  auto kp = crypto::sign_keypair(*rng);
  const Bytes sig = crypto::sign(kp.secret, to_bytes("msg"));
  EXPECT_TRUE(crypto::verify(kp.public_key, to_bytes("msg"), sig));
  EXPECT_FALSE(crypto::verify(kp.public_key, to_bytes("msh"), sig));
  Bytes bad = sig;
  bad[0] ^= 1;
  EXPECT_FALSE(crypto::verify(kp.public_key, to_bytes("msg"), bad));
}

TEST(Dh, BothSidesAgreeAndLowOrderPointsAreRejected) {
  auto rng = make_seeded_rng(5, "t");
  auto a = crypto::dh_keypair(*rng);
  auto b = crypto::dh_keypair(*rng);
  auto ab = crypto::dh(a.secret, b.public_key);
  auto ba = crypto::dh(b.secret, a.public_key);
  ASSERT_TRUE(ab && ba);
  EXPECT_TRUE(*ab == *ba);
  EXPECT_FALSE(crypto::dh(a.secret, Bytes(32, 0)));  // the identity point
}

TEST(SecretBytes, PrintsOnlyAShortFingerprint) {
  SecretBytes s(Bytes(32, 0xab));
  const std::string f = s.fingerprint();
  EXPECT_EQ(f.size(), 10u);
  EXPECT_EQ(f.rfind("k:", 0), 0u);
  EXPECT_EQ(f.find("abab"), std::string::npos);
}

TEST(Framing, RoundTripsAndRejectsTruncation) {
  Bytes b;
  append_framed(b, to_bytes("abc"));
  append_u64(b, 42);
  Reader r(b);
  EXPECT_EQ(to_string(*r.framed()), "abc");
  EXPECT_EQ(*r.u64(), 42u);
  EXPECT_TRUE(r.done());
  Bytes cut(b.begin(), b.end() - 1);
  Reader r2(cut);
  EXPECT_TRUE(r2.framed());
  EXPECT_FALSE(r2.u64());
}

}  // namespace
}  // namespace msgsim
