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
  const ArtifactPtr key = make_key("test.key", "file key", make_key_id("test.key", to_bytes("1")),
                                   rng->secret(crypto::kKeySize));
  const ArtifactPtr wrong = make_key("test.key", "other key", make_key_id("test.key", to_bytes("1")),
                                     rng->secret(crypto::kKeySize));
  const ArtifactPtr content = make_plaintext("message 1", 1, "hi");
  const ArtifactPtr sealed = seal_envelope(*rng, *key, *content, "test.file", "encrypted file (message 1)");
  const Artifact* with_key[] = {key.get()};
  const auto opened = open_aead_envelope(*sealed, with_key);
  ASSERT_EQ(opened.size(), 1u);
  expect_same(*content, *opened.front());
  const Artifact* with_wrong[] = {wrong.get()};
  EXPECT_TRUE(open_aead_envelope(*sealed, with_wrong).empty());
}

}  // namespace
}  // namespace msgsim::platform
