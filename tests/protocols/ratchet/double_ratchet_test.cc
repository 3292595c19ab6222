#include "protocols/ratchet/double_ratchet.h"

#include <gtest/gtest.h>

#include "protocols/signal/x3dh.h"

namespace msgsim::ratchet {
namespace {

using signal::IdentityKey;
using signal::make_identity;
using signal::make_one_time_prekeys;
using signal::make_signed_prekey;
using signal::PreKeyBundle;
using signal::SignedPreKey;
using signal::x3dh_initiate;
using signal::x3dh_respond;

// The session's KDF labels: libsignal's, so that the KDF tests check them.
constexpr Kdf kKdf{"WhisperRatchet", "WhisperMessageKeys"};

struct Pair {
  Session alice;
  Session bob;
};

// Alice and Bob after a real X3DH with a one-time prekey.
Pair make_pair(Rng& rng) {
  const IdentityKey alice_id = make_identity(rng);
  const IdentityKey bob_id = make_identity(rng);
  SignedPreKey spk = make_signed_prekey(rng, bob_id, 1);
  auto opk = make_one_time_prekeys(rng, 1, 1);
  PreKeyBundle bundle{bob_id.dh.public_key, bob_id.sign.public_key, spk.id,
                      spk.key.public_key,   spk.signature,          opk[0].id,
                      opk[0].key.public_key};
  auto init = x3dh_initiate(rng, alice_id, bundle);
  EXPECT_TRUE(init.has_value());
  auto sk =
      x3dh_respond(bob_id.dh.secret, spk.key.secret, &opk[0].key.secret, alice_id.dh.public_key, init->ephemeral_key);
  EXPECT_TRUE(sk.has_value());
  Session a = Session::initiate(kKdf, rng, std::move(init->shared_secret), init->associated, init->ephemeral_key,
                                spk.key.public_key);
  Session b = Session::respond(kKdf, std::move(*sk), init->associated, init->ephemeral_key, std::move(spk.key));
  return {std::move(a), std::move(b)};
}

std::string text(const Session::Received& r) { return msgsim::to_string(r.plaintext); }

TEST(DoubleRatchetKdf, ChainStepIsHmacWithConstants) {
  ChainKey ck{SecretBytes(Bytes(32, 0x42)), 7};
  const std::uint8_t one[] = {0x01};
  const std::uint8_t two[] = {0x02};
  const ChainKey next = ck.next();
  EXPECT_EQ(next.index, 8u);
  EXPECT_TRUE(next.key == SecretBytes(crypto::hmac_sha256(ck.key.view(), two)));
  Bytes keys = crypto::hkdf_sha256({}, crypto::hmac_sha256(ck.key.view(), one), to_bytes("WhisperMessageKeys"), 80);
  keys.resize(32);
  EXPECT_TRUE(ck.message_key(kKdf) == SecretBytes(keys));
  EXPECT_FALSE(ck.message_key(kKdf) == next.message_key(kKdf));
}

TEST(DoubleRatchetKdf, RootStepIsHkdfSaltedWithRootKey) {
  const SecretBytes root(Bytes(32, 0x11));
  const SecretBytes dh(Bytes(32, 0x22));
  const RootStep r = root_step(kKdf, root, dh);
  const Bytes out = crypto::hkdf_sha256(root.view(), dh.view(), to_bytes("WhisperRatchet"), 64);
  EXPECT_TRUE(r.root_key == SecretBytes(Bytes(out.begin(), out.begin() + 32)));
  EXPECT_TRUE(r.chain.key == SecretBytes(Bytes(out.begin() + 32, out.end())));
  EXPECT_EQ(r.chain.index, 0u);
}

TEST(DoubleRatchetKdf, MessageKeyDerivesForwardNeverBack) {
  const ChainKey start{SecretBytes(Bytes(32, 0x33)), 0};
  const ChainKey at3 = start.next().next().next();
  auto via_start = message_key_at(kKdf, start, 5);
  auto via_at3 = message_key_at(kKdf, at3, 5);
  ASSERT_TRUE(via_start && via_at3);
  EXPECT_TRUE(*via_start == *via_at3);
  EXPECT_TRUE(*message_key_at(kKdf, at3, 3) == at3.message_key(kKdf));
  // Forward secrecy: a chain key at index 3 says nothing about message 2.
  EXPECT_FALSE(message_key_at(kKdf, at3, 2).has_value());
  // The receiving app's cap (Session) does not bound whoever holds the key.
  EXPECT_TRUE(message_key_at(kKdf, start, kMaxForwardJumps + 1).has_value());
}

TEST(DoubleRatchet, InOrderMessagesDecrypt) {
  auto rng = make_seeded_rng(1, "ratchet");
  Pair p = make_pair(*rng);
  for (int i = 0; i < 4; ++i) {
    auto sent = p.alice.encrypt(*rng, to_bytes("hello " + std::to_string(i)));
    EXPECT_EQ(sent.message.header.n, static_cast<std::uint32_t>(i));
    auto got = p.bob.decrypt(*rng, sent.message);
    ASSERT_TRUE(got.ok()) << to_string(got.error);
    EXPECT_EQ(text(got), "hello " + std::to_string(i));
    EXPECT_TRUE(got.message_key == sent.message_key);
  }
  EXPECT_TRUE(p.bob.skipped().empty());
  ASSERT_EQ(p.bob.receiving().size(), 1u);
  EXPECT_EQ(p.bob.receiving().back().chain.index, 4u);
}

TEST(DoubleRatchet, OutOfOrderMessagesDecryptWithSkippedKeys) {
  auto rng = make_seeded_rng(2, "ratchet");
  Pair p = make_pair(*rng);
  std::vector<WireMessage> sent;
  for (int i = 0; i < 5; ++i) sent.push_back(p.alice.encrypt(*rng, to_bytes("m" + std::to_string(i))).message);
  for (int i : {3, 0, 4, 2, 1}) {
    auto got = p.bob.decrypt(*rng, sent[static_cast<std::size_t>(i)]);
    ASSERT_TRUE(got.ok()) << "message " << i << ": " << to_string(got.error);
    EXPECT_EQ(text(got), "m" + std::to_string(i));
  }
  // Every skipped key was used and deleted.
  EXPECT_TRUE(p.bob.skipped().empty());
}

TEST(DoubleRatchet, SkippedKeysAreKeptUntilUsed) {
  auto rng = make_seeded_rng(3, "ratchet");
  Pair p = make_pair(*rng);
  std::vector<WireMessage> sent;
  for (int i = 0; i < 4; ++i) sent.push_back(p.alice.encrypt(*rng, to_bytes("x")).message);
  ASSERT_TRUE(p.bob.decrypt(*rng, sent[3]).ok());
  ASSERT_EQ(p.bob.skipped().size(), 3u);
  EXPECT_EQ(p.bob.skipped()[0].index, 0u);
  EXPECT_EQ(p.bob.skipped()[2].index, 2u);
  ASSERT_TRUE(p.bob.decrypt(*rng, sent[1]).ok());
  ASSERT_EQ(p.bob.skipped().size(), 2u);
  EXPECT_EQ(p.bob.skipped()[1].index, 2u);
}

TEST(DoubleRatchet, ForwardJumpCapIsEnforced) {
  auto rng = make_seeded_rng(4, "ratchet");
  Pair p = make_pair(*rng);
  std::vector<WireMessage> sent;
  for (std::uint32_t i = 0; i <= kMaxForwardJumps + 2; ++i)
    sent.push_back(p.alice.encrypt(*rng, to_bytes("j")).message);
  ASSERT_TRUE(p.bob.decrypt(*rng, sent[0]).ok());
  // Bob's chain is at index 1: message 1 + kMaxForwardJumps + 1 is one jump too far.
  auto too_far = p.bob.decrypt(*rng, sent[kMaxForwardJumps + 2]);
  EXPECT_EQ(too_far.error, DecryptError::kTooFarAhead);
  EXPECT_TRUE(p.bob.skipped().empty());
  EXPECT_EQ(p.bob.receiving().back().chain.index, 1u);
  // Exactly kMaxForwardJumps ahead is allowed; only the newest kMaxMessageKeys
  // skipped keys are kept, so the oldest skipped messages are lost.
  ASSERT_TRUE(p.bob.decrypt(*rng, sent[kMaxForwardJumps + 1]).ok());
  EXPECT_EQ(p.bob.skipped().size(), kMaxMessageKeys);
  EXPECT_EQ(p.bob.decrypt(*rng, sent[1]).error, DecryptError::kDuplicate);
  EXPECT_TRUE(p.bob.decrypt(*rng, sent[kMaxForwardJumps]).ok());
  EXPECT_TRUE(p.bob.decrypt(*rng, sent[kMaxForwardJumps + 1 - kMaxMessageKeys]).ok());
  EXPECT_EQ(p.bob.decrypt(*rng, sent[kMaxForwardJumps - kMaxMessageKeys]).error, DecryptError::kDuplicate);
}

TEST(DoubleRatchet, TamperedCiphertextIsRejected) {
  auto rng = make_seeded_rng(5, "ratchet");
  Pair p = make_pair(*rng);
  auto sent = p.alice.encrypt(*rng, to_bytes("pay 10 euros"));
  WireMessage bad = sent.message;
  bad.ciphertext[bad.ciphertext.size() / 2] ^= 0x80;
  EXPECT_EQ(p.bob.decrypt(*rng, bad).error, DecryptError::kAuthentication);
}

TEST(DoubleRatchet, TamperedHeaderIsRejected) {
  // The header is AEAD associated data: changing pn (or n) breaks the tag.
  auto rng = make_seeded_rng(6, "ratchet");
  Pair p = make_pair(*rng);
  auto sent = p.alice.encrypt(*rng, to_bytes("hi"));
  WireMessage bad = sent.message;
  bad.header.pn = 9;
  EXPECT_EQ(p.bob.decrypt(*rng, bad).error, DecryptError::kAuthentication);
  WireMessage other_session = sent.message;
  other_session.associated[3] ^= 1;
  EXPECT_EQ(p.bob.decrypt(*rng, other_session).error, DecryptError::kWrongSession);
  EXPECT_TRUE(p.bob.decrypt(*rng, sent.message).ok());
}

TEST(DoubleRatchet, ReplayIsRejectedBecauseTheKeyWasDeleted) {
  auto rng = make_seeded_rng(7, "ratchet");
  Pair p = make_pair(*rng);
  auto m0 = p.alice.encrypt(*rng, to_bytes("once")).message;
  auto m1 = p.alice.encrypt(*rng, to_bytes("twice")).message;
  ASSERT_TRUE(p.bob.decrypt(*rng, m0).ok());
  EXPECT_EQ(p.bob.decrypt(*rng, m0).error, DecryptError::kDuplicate);
  // A skipped key is deleted after use too.
  auto m3 = p.alice.encrypt(*rng, to_bytes("three")).message;
  (void)m3;
  auto m2 = p.alice.encrypt(*rng, to_bytes("four")).message;
  ASSERT_TRUE(p.bob.decrypt(*rng, m2).ok());
  ASSERT_TRUE(p.bob.decrypt(*rng, m1).ok());
  EXPECT_EQ(p.bob.decrypt(*rng, m1).error, DecryptError::kDuplicate);
}

TEST(DoubleRatchet, FailedDecryptDoesNotAdvanceChain) {
  auto rng = make_seeded_rng(8, "ratchet");
  Pair p = make_pair(*rng);
  auto m0 = p.alice.encrypt(*rng, to_bytes("first")).message;
  auto m1 = p.alice.encrypt(*rng, to_bytes("second")).message;
  const Bytes ratchet_before = p.bob.ratchet_key().public_key;
  const SecretBytes root_before = p.bob.root_key().clone();

  // A forged message that would start a new chain: the DH step happens on a
  // copy and is thrown away.
  WireMessage forged = m1;
  forged.ciphertext.back() ^= 1;
  EXPECT_EQ(p.bob.decrypt(*rng, forged).error, DecryptError::kAuthentication);
  EXPECT_TRUE(p.bob.receiving().empty());
  EXPECT_TRUE(p.bob.skipped().empty());
  EXPECT_FALSE(p.bob.can_send());
  EXPECT_EQ(p.bob.ratchet_key().public_key, ratchet_before);
  EXPECT_TRUE(p.bob.root_key() == root_before);

  // Once the chain exists, a forged later message neither skips nor advances.
  ASSERT_TRUE(p.bob.decrypt(*rng, m0).ok());
  EXPECT_EQ(p.bob.decrypt(*rng, forged).error, DecryptError::kAuthentication);
  EXPECT_EQ(p.bob.receiving().back().chain.index, 1u);
  EXPECT_TRUE(p.bob.skipped().empty());
  auto real = p.bob.decrypt(*rng, m1);
  ASSERT_TRUE(real.ok());
  EXPECT_EQ(text(real), "second");
}

TEST(DoubleRatchet, AlternatingConversationStepsTheDhRatchet) {
  auto rng = make_seeded_rng(9, "ratchet");
  Pair p = make_pair(*rng);
  Bytes last_alice_key, last_bob_key;
  for (int round = 0; round < 4; ++round) {
    auto a1 = p.alice.encrypt(*rng, to_bytes("a" + std::to_string(round)));
    auto a2 = p.alice.encrypt(*rng, to_bytes("a'" + std::to_string(round)));
    EXPECT_NE(a1.message.header.ratchet_key, last_alice_key) << "Alice must use a fresh ratchet key per turn";
    last_alice_key = a1.message.header.ratchet_key;
    auto got = p.bob.decrypt(*rng, a1.message);
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(got.stepped);
    EXPECT_FALSE(p.bob.decrypt(*rng, a2.message).stepped);

    auto b = p.bob.encrypt(*rng, to_bytes("b" + std::to_string(round)));
    EXPECT_NE(b.message.header.ratchet_key, last_bob_key);
    last_bob_key = b.message.header.ratchet_key;
    EXPECT_EQ(b.message.header.n, 0u);
    auto back = p.alice.decrypt(*rng, b.message);
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(back.stepped);
    EXPECT_EQ(text(back), "b" + std::to_string(round));
  }
  // After Alice's reply-triggered step her new chain reports the old one's length.
  auto a = p.alice.encrypt(*rng, to_bytes("end"));
  EXPECT_EQ(a.message.header.pn, 2u);
  EXPECT_EQ(a.message.header.n, 0u);
  ASSERT_TRUE(p.alice.sending().has_value());
  EXPECT_EQ(p.alice.sending()->number, 9);
  EXPECT_LE(p.bob.receiving().size(), kMaxReceiverChains);
  EXPECT_EQ(text(p.bob.decrypt(*rng, a.message)), "end");
}

TEST(DoubleRatchet, LateMessageFromAnEarlierChainStillDecrypts) {
  auto rng = make_seeded_rng(10, "ratchet");
  Pair p = make_pair(*rng);
  auto early0 = p.alice.encrypt(*rng, to_bytes("early 0")).message;
  auto early1 = p.alice.encrypt(*rng, to_bytes("early 1")).message;
  ASSERT_TRUE(p.bob.decrypt(*rng, early0).ok());
  ASSERT_TRUE(p.alice.decrypt(*rng, p.bob.encrypt(*rng, to_bytes("reply")).message).ok());
  auto later = p.alice.encrypt(*rng, to_bytes("later")).message;
  ASSERT_TRUE(p.bob.decrypt(*rng, later).ok());
  auto late = p.bob.decrypt(*rng, early1);
  ASSERT_TRUE(late.ok()) << to_string(late.error);
  EXPECT_EQ(text(late), "early 1");
}

TEST(DoubleRatchet, PrepareWithTheHeadersRootStepIsDecrypt) {
  // The model hands the Session the root step its header opening computed;
  // the result must be exactly what the Session computes on its own.
  auto rng = make_seeded_rng(12, "ratchet");
  Pair p = make_pair(*rng);
  const auto m1 = p.alice.encrypt(*rng, to_bytes("one"));
  ASSERT_TRUE(p.bob.starts_chain(m1.message));
  Session own = p.bob.clone();
  Session given = p.bob.clone();
  auto rng_own = make_seeded_rng(13, "step");
  auto rng_given = make_seeded_rng(13, "step");
  const auto a = own.decrypt(*rng_own, m1.message);
  ASSERT_TRUE(a.ok());

  RootStep step =
      root_step(kKdf, given.root_key(), *crypto::dh(given.ratchet_key().secret, m1.message.header.ratchet_key));
  auto prepared = given.prepare(*rng_given, m1.message, &step);
  ASSERT_TRUE(prepared.ok());
  EXPECT_TRUE(prepared.stepped);
  EXPECT_TRUE(prepared.message_key == a.message_key);
  EXPECT_EQ(msgsim::to_string(*open_message(prepared.message_key, m1.message)), "one");
  EXPECT_TRUE(given.starts_chain(m1.message));  // nothing is adopted before commit()
  given.commit(std::move(prepared));
  EXPECT_FALSE(given.starts_chain(m1.message));
  EXPECT_TRUE(given.root_key() == own.root_key());
  EXPECT_EQ(given.ratchet_key().public_key, own.ratchet_key().public_key);
  ASSERT_EQ(given.receiving().size(), own.receiving().size());
  EXPECT_TRUE(given.receiving().back().chain.key == own.receiving().back().chain.key);
  EXPECT_TRUE(given.sending()->chain.key == own.sending()->chain.key);

  // The next message of the same chain steps no more.
  const auto m2 = p.alice.encrypt(*rng, to_bytes("two"));
  EXPECT_FALSE(given.starts_chain(m2.message));
  EXPECT_EQ(text(given.decrypt(*rng, m2.message)), "two");
}

TEST(DoubleRatchet, APreparedDecryptionIsCommittedOnlyOnTheStateItWasPreparedOn) {
  auto rng = make_seeded_rng(14, "ratchet");
  Pair p = make_pair(*rng);
  ASSERT_TRUE(p.bob.decrypt(*rng, p.alice.encrypt(*rng, to_bytes("zero")).message).ok());
  const auto m1 = p.alice.encrypt(*rng, to_bytes("one"));
  // Two preparations of the same in-order message: the first commit moves the
  // chain on, so the second would rewind it and is refused.
  auto first = p.bob.prepare(*rng, m1.message);
  auto second = p.bob.prepare(*rng, m1.message);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_FALSE(first.stepped);
  EXPECT_EQ(first.chain, p.bob.receiving().back().number);
  p.bob.commit(std::move(first));
  EXPECT_EQ(p.bob.receiving().back().chain.index, 2u);
  EXPECT_THROW(p.bob.commit(std::move(second)), std::logic_error);
  EXPECT_EQ(p.bob.decrypt(*rng, m1.message).error, DecryptError::kDuplicate);
}

TEST(DoubleRatchet, AnotherAppsKdfLabelsDeriveOtherKeys) {
  // Two apps on the same ratchet differ only by their KDF labels: a session
  // with other labels, on the very same X3DH secret, reads nothing.
  static constexpr Kdf kOther{"root labels of another app", "message labels of another app"};
  auto rng = make_seeded_rng(5, "ratchet");
  Pair p = make_pair(*rng);
  auto sent = p.alice.encrypt(*rng, to_bytes("hello"));
  ASSERT_TRUE(p.bob.clone().decrypt(*rng, sent.message).ok());
  auto rng2 = make_seeded_rng(5, "ratchet");
  Pair same = make_pair(*rng2);
  Session other = Session::respond(kOther, same.bob.root_key().clone(), same.bob.associated(), same.bob.base_key(),
                                   {same.bob.ratchet_key().public_key, same.bob.ratchet_key().secret.clone()});
  auto got = other.decrypt(*rng2, sent.message);
  EXPECT_EQ(got.error, DecryptError::kAuthentication);
  const ChainKey ck{SecretBytes(Bytes(32, 7)), 0};
  EXPECT_FALSE(ck.message_key(kKdf) == ck.message_key(kOther));
}

TEST(DoubleRatchet, SameSeedGivesIdenticalCiphertexts) {
  auto run = [] {
    auto rng = make_seeded_rng(42, "ratchet");
    Pair p = make_pair(*rng);
    std::vector<Bytes> wire;
    wire.push_back(p.alice.encrypt(*rng, to_bytes("one")).message.encode());
    auto m = WireMessage::decode(wire.back());
    EXPECT_TRUE(m && p.bob.decrypt(*rng, *m).ok());
    wire.push_back(p.bob.encrypt(*rng, to_bytes("two")).message.encode());
    return wire;
  };
  const auto a = run();
  const auto b = run();
  EXPECT_EQ(a, b);
  auto other = make_seeded_rng(43, "ratchet");
  Pair q = make_pair(*other);
  EXPECT_NE(q.alice.encrypt(*other, to_bytes("one")).message.encode(), a[0]);
}

TEST(DoubleRatchet, WireMessageRoundTripsAndRejectsTruncation) {
  auto rng = make_seeded_rng(11, "ratchet");
  Pair p = make_pair(*rng);
  const Bytes wire = p.alice.encrypt(*rng, to_bytes("bytes")).message.encode();
  auto back = WireMessage::decode(wire);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->encode(), wire);
  EXPECT_FALSE(WireMessage::decode(ByteView(wire).first(wire.size() - 1)).has_value());
}

TEST(DoubleRatchet, PeekCounterReadsTheHeadersN) {
  auto rng = make_seeded_rng(11, "ratchet");
  Pair p = make_pair(*rng);
  for (std::uint32_t n = 0; n < 3; ++n) {
    const WireMessage m = p.alice.encrypt(*rng, to_bytes("counted")).message;
    ASSERT_EQ(m.header.n, n);
    const Bytes wire = m.encode();
    EXPECT_EQ(WireMessage::peek_counter(wire), std::optional<std::uint32_t>(n));
    // Cut inside the counter: no counter.
    const std::size_t counter_end = 4 + m.header.ratchet_key.size() + 8;
    EXPECT_FALSE(WireMessage::peek_counter(ByteView(wire).first(counter_end - 1)).has_value());
    EXPECT_TRUE(WireMessage::peek_counter(ByteView(wire).first(counter_end)).has_value());
  }
  EXPECT_FALSE(WireMessage::peek_counter(Bytes{0xff, 0xff, 0xff, 0xff, 1, 2}).has_value());
}

}  // namespace
}  // namespace msgsim::ratchet
