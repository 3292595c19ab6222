// protocols/ratchet/double_ratchet.h: the Double Ratchet, as libsignal runs
// it, for every model built on it (signal; imessage's PQ3 ratchet).
//
// Sources (docs/sources.md §2.2): Perrin & Marlinspike, "The Double Ratchet
// Algorithm", rev. 1 (2016-11-20), and libsignal `rust/protocol/src/ratchet/
// keys.rs`, `consts.rs` (commit b056faa):
//   root step   HKDF-SHA256(salt = root key, ikm = DH output, info = Kdf::root_info)
//               -> new root key (32 B) || chain key (32 B)
//   chain step  message-key seed = HMAC-SHA256(chain key, 0x01)
//               next chain key   = HMAC-SHA256(chain key, 0x02)
//   message key HKDF-SHA256(ikm = seed, info = Kdf::message_keys_info) -> 80 B
// Signal's info strings are "WhisperRatchet" and "WhisperMessageKeys"; an
// app whose labels differ (iMessage PQ3, whose labels are not public) passes
// its own Kdf, and nothing else changes.
//
// Stand-in (docs/sources.md §9): libsignal encrypts with AES-256-CBC and a
// truncated HMAC; msgsim uses XChaCha20-Poly1305 keyed with the first 32
// bytes of the message keys (libsignal's cipher key). The MAC key and IV of
// those 80 bytes have no role, since the AEAD brings its own tag and nonce.
// The header (ratchet public key, n, pn) and the session's associated data
// (both parties' identity keys, X3DH spec §3.3) are the AEAD's associated
// data, so a tampered header is rejected like a tampered ciphertext.
//
// Everything here is pure crypto over bytes: no engine, no world. A model
// runs a Session per pair of devices through PairwiseSessions
// (pairwise_sessions.h), which mirrors its state into the device's storage;
// the openers (artifacts.h) reuse the same functions for whoever holds the
// keys, the receiving device included: its Session takes the first root key
// and the receiving root step from those openings (prepare()).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "msgsim/crypto.h"

namespace msgsim::ratchet {

// How far ahead of a chain's current index one message may be. Deriving the
// keys in between costs one HMAC each and each skipped key is kept, so a
// forged counter must not make the receiver do unbounded work; 25 000 is
// libsignal's MAX_FORWARD_JUMPS (the spec's MAX_SKIP), generous enough for
// any real gap in delivery.
inline constexpr std::uint32_t kMaxForwardJumps = 25'000;
// How many skipped message keys a session keeps (libsignal MAX_MESSAGE_KEYS):
// each one is a key for a message that may never come and a key a seizure
// finds, so the oldest are dropped past 2000, at the price of not reading a
// message delayed by more than that many later ones.
inline constexpr std::size_t kMaxMessageKeys = 2'000;
// How many receiving chains a session keeps (libsignal MAX_RECEIVER_CHAINS):
// an old chain's key lets a late message of that chain still decrypt, but it
// is also a key that stays on the device; 5 is libsignal's compromise.
inline constexpr std::size_t kMaxReceiverChains = 5;

// The HKDF info strings that make one app's ratchet its own.
struct Kdf {
  std::string_view root_info;          // the root step (libsignal: "WhisperRatchet")
  std::string_view message_keys_info;  // message keys (libsignal: "WhisperMessageKeys")
};

// A KDF chain key and its position in the chain.
struct ChainKey {
  SecretBytes key;
  std::uint32_t index = 0;

  ChainKey clone() const { return {key.clone(), index}; }
  // HMAC(ck, 0x02): the key one step further along the chain.
  ChainKey next() const;
  // HKDF(HMAC(ck, 0x01), kdf.message_keys_info): the AEAD key for message `index`.
  SecretBytes message_key(const Kdf& kdf) const;
};

struct RootStep {
  SecretBytes root_key;
  ChainKey chain;  // index 0
};
// One DH-ratchet step of the root KDF chain.
RootStep root_step(const Kdf& kdf, const SecretBytes& root_key, const SecretBytes& dh_output);
// The AEAD key of message `n` of the chain whose key at `ck.index` is `ck`;
// nullopt when n is behind the key (forward secrecy: it cannot go back).
// Unbounded ahead: kMaxForwardJumps bounds what the receiving app does for
// one message (Session), not what whoever holds a chain key can derive.
std::optional<SecretBytes> message_key_at(const Kdf& kdf, const ChainKey& ck, std::uint32_t n);

// What travels in clear beside each ciphertext (libsignal SignalMessage:
// ratchet_key, counter, previous_counter).
struct Header {
  Bytes ratchet_key;     // sender's current ratchet public key
  std::uint32_t n = 0;   // index in the sending chain
  std::uint32_t pn = 0;  // length of the sender's previous sending chain
};

// One encrypted message as sent: header, the session's associated data
// (the two parties' identity keys, as the key agreement set them), the AEAD
// output.
struct WireMessage {
  Header header;
  Bytes associated;
  Bytes ciphertext;

  Bytes encode() const;
  static std::optional<WireMessage> decode(ByteView bytes);
  // Only header.n of an encoded message, read in place (nothing copied):
  // enough to refuse a key that cannot reach the message before decoding it.
  static std::optional<std::uint32_t> peek_counter(ByteView bytes);
  // The AEAD associated data: associated || header fields, framed.
  Bytes aead_associated() const;
};

// Encrypts / decrypts one message under its message key.
WireMessage seal_message(Rng& rng, const SecretBytes& message_key, Header header, Bytes associated, ByteView plaintext);
std::optional<Bytes> open_message(const SecretBytes& message_key, const WireMessage& message);

enum class DecryptError {
  kNone,
  kNoSession,       // no receiving chain and no state to step from (never in practice)
  kBadRatchetKey,   // the header's ratchet key is not a usable X25519 key
  kTooFarAhead,     // n is more than kMaxForwardJumps past the chain
  kDuplicate,       // n is behind the chain and no skipped key is left: a replay
  kWrongSession,    // associated data names other identity keys
  kAuthentication,  // the AEAD rejected it: wrong key or tampered bytes
};
const char* to_string(DecryptError e);

// One side of a Double Ratchet session.
//
// Decryption works on a copy of the state and commits only on success, so a
// forged or damaged message changes nothing (libsignal does the same).
class Session {
 public:
  struct SendingChain {
    ChainKey chain;
    Bytes root_name;          // names the root key this chain was made from
    Bytes their_ratchet_key;  // the peer's ratchet key it was made with
    int number = 0;           // 1-based count of chains in the session, for labels
  };
  struct ReceivingChain {
    Bytes their_ratchet_key;
    ChainKey chain;
    int number = 0;
  };
  struct SkippedKey {
    Bytes their_ratchet_key;
    std::uint32_t index = 0;
    SecretBytes key;
  };

  // Alice, after the key agreement (X3DH, PQ3's initial key establishment):
  // root key = its secret, her first ratchet key fresh, Bob's (signed)
  // prekey as his ratchet key, one root step to a sending chain. `base_key`
  // (her ephemeral public key) names the initial root key. `kdf` must
  // outlive the session (a constant of the app).
  static Session initiate(const Kdf& kdf, Rng& rng, SecretBytes root_key, Bytes associated, Bytes base_key,
                          Bytes their_signed_prekey);
  // Bob, after the key agreement: his prekey is his first ratchet key; he
  // has no sending chain until the first message arrives.
  static Session respond(const Kdf& kdf, SecretBytes root_key, Bytes associated, Bytes base_key,
                         crypto::DhKeyPair signed_prekey);

  Session(Session&&) noexcept = default;
  Session& operator=(Session&&) noexcept = default;
  Session clone() const;

  struct Sent {
    WireMessage message;
    SecretBytes message_key;  // used once, then wiped by the caller
  };
  // Throws std::logic_error when there is no sending chain yet (a responder
  // before its first message arrived).
  Sent encrypt(Rng& rng, ByteView plaintext);
  bool can_send() const { return sending_.has_value(); }

  struct Received {
    DecryptError error = DecryptError::kNone;
    Bytes plaintext;
    SecretBytes message_key;  // the key that opened it (now deleted from the state)
    bool stepped = false;     // the message started a new receiving chain (DH step)
    bool ok() const { return error == DecryptError::kNone; }
  };
  // `rng` gives the new ratchet key when the message starts a new chain.
  Received decrypt(Rng& rng, const WireMessage& message);

  // decrypt() in two halves, for a caller that runs the AEAD elsewhere (the
  // model opens each message through the engine, so that the closure reuses
  // that opening instead of redoing it). prepare() does everything decrypt()
  // does up to the message key, on a copy of the state; commit() adopts the
  // copy once the message key opened the message. decrypt() is exactly
  // prepare() + open_message() + commit().
  struct Prepared;
  // True when decrypting `message` makes a DH-ratchet step: it belongs to
  // this session and names a ratchet key with no receiving chain here (and
  // no skipped key answers it).
  bool starts_chain(const WireMessage& message) const;
  // `receiving_step`, when the message starts a chain, is the root step of
  // its header already computed from this session's root key and ratchet
  // private key (the header's opening, openers.h): root_step(root_key(),
  // DH(ratchet_key(), message ratchet key)). It replaces that DH and KDF,
  // not the fresh ratchet key and sending chain that follow. Null: computed here.
  Prepared prepare(Rng& rng, const WireMessage& message, RootStep* receiving_step = nullptr) const;
  void commit(Prepared&& prepared);

  // The state, as the device stores it.
  const SecretBytes& root_key() const { return root_key_; }
  const Bytes& root_name() const { return root_name_; }
  const crypto::DhKeyPair& ratchet_key() const { return ratchet_; }
  const std::optional<SendingChain>& sending() const { return sending_; }
  const std::vector<ReceivingChain>& receiving() const { return receiving_; }
  const std::vector<SkippedKey>& skipped() const { return skipped_; }
  const Bytes& associated() const { return associated_; }
  const Bytes& base_key() const { return base_key_; }
  const Kdf& kdf() const { return *kdf_; }

 private:
  Session() = default;
  ReceivingChain* find_chain(ByteView their_ratchet_key);
  const ReceivingChain* find_chain(ByteView their_ratchet_key) const;
  std::optional<DecryptError> step(Rng& rng, const Bytes& their_ratchet_key, RootStep* given);

  SecretBytes root_key_;
  Bytes root_name_;  // the ratchet public key whose step produced root_key_
  crypto::DhKeyPair ratchet_;
  std::optional<SendingChain> sending_;
  std::uint32_t previous_counter_ = 0;
  // Vectors, not deques: a run holds thousands of sessions, and an empty
  // deque costs over 500 bytes.
  std::vector<ReceivingChain> receiving_;  // newest last
  std::vector<SkippedKey> skipped_;        // oldest first
  Bytes associated_;
  Bytes base_key_;
  const Kdf* kdf_ = nullptr;
  int chains_ = 0;
};

struct Session::Prepared {
  DecryptError error = DecryptError::kNone;
  SecretBytes message_key;
  bool stepped = false;
  int chain = 0;  // number of the receiving chain the message is on (0: no longer kept)
  bool ok() const { return error == DecryptError::kNone; }

 private:
  friend class Session;
  // The state once the message is read. Most messages are the next one of a
  // chain already held, and then only that chain's key moves on: `advanced`,
  // for receiving chain `slot`, spares copying the whole state.
  std::optional<Session> next;
  std::optional<ChainKey> advanced;
  std::size_t slot = 0;
};

}  // namespace msgsim::ratchet
