// The artifact codec: what a file, a backup or a CloudKit record carries
// inside its encryption, and how it comes back out.
#include "protocols/platform/codec.h"

#include <gtest/gtest.h>

#include "msgsim/crypto.h"

namespace msgsim::platform {
namespace {

void expect_same(const Artifact& a, const Artifact& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.label, b.label);
  EXPECT_EQ(a.key_id, b.key_id);
  EXPECT_EQ(a.needs, b.needs);
  EXPECT_EQ(a.data, b.data);
  EXPECT_TRUE(a.secret == b.secret);
  EXPECT_EQ(a.message_id, b.message_id);
}

// A file key; every one answers to the same id, as a wrong key would.
ArtifactPtr file_key(Rng& rng, const char* label = "file key") {
  return make_key("test.key", label, make_key_id("test.key", to_bytes("1")), rng.secret(crypto::kKeySize));
}

TEST(Codec, EveryKindComesBackWhole) {
  const KeyId id = make_key_id("test.key", to_bytes("public half"));
  const KeyId other = make_key_id("test.key", to_bytes("another"));
  const Bytes long_data(300, 0xab);  // lengths past one varint byte
  const ArtifactPtr samples[] = {
      make_key("test.key", "bob's key", id, SecretBytes(Bytes(32, 7)), to_bytes("public half")),
      make_sealed("test.sealed", std::string(200, 'x'), {id, other}, long_data),
      make_plaintext("message 70000 in bob's history", 70000, "hello \xE2\x9C\x93"),
  };
  for (const ArtifactPtr& a : samples) {
    const ArtifactPtr back = decode_artifact(encode_artifact(*a));
    ASSERT_NE(back, nullptr);
    expect_same(*a, *back);
  }
}

TEST(Codec, MalformedBytesDecodeToNothing) {
  const ArtifactPtr key = make_key("test.key", "bob's key", make_key_id("test.key", to_bytes("k")),
                                   SecretBytes(Bytes(32, 7)));
  const Bytes good = encode_artifact(*key);
  for (std::size_t n = 0; n < good.size(); ++n)
    EXPECT_EQ(decode_artifact(ByteView(good).first(n)), nullptr) << "truncated to " << n << " bytes";
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_EQ(decode_artifact(trailing), nullptr);
  Bytes bad_kind = good;
  bad_kind[0] = 3;  // the kind comes first: only 0, 1 and 2 exist
  EXPECT_EQ(decode_artifact(bad_kind), nullptr);
  const Bytes endless(16, 0xff);  // a varint that never ends
  EXPECT_EQ(decode_artifact(endless), nullptr);
}

TEST(Codec, AnEnvelopeOpensOnlyWithItsKey) {
  auto rng = make_seeded_rng(1, "codec");
  const ArtifactPtr key = file_key(*rng);
  const ArtifactPtr wrong = file_key(*rng, "other key");
  const ArtifactPtr content = make_plaintext("message 1", 1, "hi");
  const ArtifactPtr sealed = seal_envelope(*rng, *key, *content, "test.file", "encrypted file (message 1)");
  const Artifact* with_key[] = {key.get()};
  const auto opened = open_aead_envelope(*sealed, with_key);
  ASSERT_EQ(opened.size(), 1u);
  expect_same(*content, *opened.front());
  const Artifact* with_wrong[] = {wrong.get()};
  EXPECT_TRUE(open_aead_envelope(*sealed, with_wrong).empty());
}

TEST(Codec, AnEnvelopeKeepsTheContentsLabelWhereverItIs) {
  auto rng = make_seeded_rng(2, "codec");
  const ArtifactPtr key = file_key(*rng);
  const Artifact* with_key[] = {key.get()};
  const ArtifactPtr content = make_plaintext("message 7 in bob's history", 7, "hi");
  // Named in the envelope's label (stored once, outside the ciphertext), or not.
  for (const char* label : {"encrypted file on bob's phone (message 7 in bob's history)", "an unnamed file"}) {
    const ArtifactPtr sealed = seal_envelope(*rng, *key, *content, "test.file", label);
    const auto opened = open_aead_envelope(*sealed, with_key);
    ASSERT_EQ(opened.size(), 1u) << label;
    expect_same(*content, *opened.front());
  }
}

TEST(Codec, AnEnvelopeWhosePublicHeaderWasAlteredDoesNotOpen) {
  auto rng = make_seeded_rng(3, "codec");
  const ArtifactPtr key = file_key(*rng);
  const Artifact* with_key[] = {key.get()};
  const ArtifactPtr content = make_plaintext("message 7", 7, "hi");
  const ArtifactPtr sealed = seal_envelope(*rng, *key, *content, "test.file", "file (message 7)");
  ASSERT_EQ(open_aead_envelope(*sealed, with_key).size(), 1u);
  // The header says where the label starts: pointing elsewhere is refused
  // by the AEAD (the header is associated data), not read as another label.
  Bytes moved = sealed->data;
  moved[0] = static_cast<std::uint8_t>(moved[0] + 1);
  const ArtifactPtr altered = make_sealed("test.file", sealed->label, sealed->needs, moved);
  EXPECT_TRUE(open_aead_envelope(*altered, with_key).empty());
  // A header pointing past the label is refused before any decryption.
  Bytes past = sealed->data;
  past[0] = 0x7f;
  const ArtifactPtr beyond = make_sealed("test.file", sealed->label, sealed->needs, past);
  EXPECT_TRUE(open_aead_envelope(*beyond, with_key).empty());
}

}  // namespace
}  // namespace msgsim::platform
