// protocols/ratchet/artifacts.h: a Double Ratchet message as evidence, and
// how it opens, for every app built on the ratchet.
//
// What a ratchet message is on the wire, cut into the pieces the closure
// reasons about (each a real byte string, each opened by real crypto). The
// types are namespaced by the app ("signal.message", "imessage.message"):
//
//   "<app>.ratchet-header"  the header field that starts a chain: the
//       sender's new ratchet public key and the receiver's ratchet key it was
//       combined with. Needs the root key in force and the receiver's ratchet
//       private key; yields the chain key (index 0) and the next root key.
//       This is the DH-ratchet step, so an adversary holding a device's root
//       key and ratchet private key follows the next chain, and loses the
//       thread one step later (post-compromise healing).
//   "<app>.message"  header (n, pn) + AEAD ciphertext, and for an app that
//       signs every copy (Protocol::signed_messages) the sender device's
//       signature after them. Needs the chain id (derived from the sender's
//       ratchet public key). A chain key at index i opens messages
//       i, i+1, ... of that chain, never earlier ones (forward secrecy); a skipped message key answers the same id but opens only
//       its own index. The signature authenticates the copy and opens
//       nothing: the receiving device checks it (KeyAgreement::authentic)
//       before it decrypts; the opener, which answers who can read, leaves
//       it aside (the AEAD still refuses a tampered header or ciphertext).
//
// The first key agreement's piece (X3DH's PreKeySignalMessage part, PQ3's
// initial key establishment) is the app's own (KeyAgreement in
// pairwise_sessions.h); it yields the session's first root key, named by
// root_id(base key).
//
// Key ids are only an index: they are digests of public values (a public
// key, a ratchet public key), never of secrets.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "msgsim/evidence.h"
#include "protocols/ratchet/double_ratchet.h"

namespace msgsim::ratchet {

// What makes one app's ratchet messages its own: the prefix of its artifact
// types and key ids, the noun its message labels use, its KDF labels, and
// whether each message copy carries the sender device's signature. One
// constant per app (the openers keep a reference to it).
class Protocol {
 public:
  struct Options {
    std::string_view prefix;        // "signal": types "signal.chain-key", ids "signal.chain"
    std::string_view app;           // "Signal": "alice's Signal identity key"
    std::string_view message_noun;  // "Signal message": "Signal message 3 from ... to ..."
    Kdf kdf;
    bool signed_messages = false;  // each copy signed by the sender device (Ed25519)
  };
  explicit Protocol(Options options);
  Protocol(const Protocol&) = delete;
  Protocol& operator=(const Protocol&) = delete;

  const Kdf& kdf() const { return kdf_; }
  std::string_view prefix() const { return prefix_; }
  std::string_view app() const { return app_; }
  std::string_view message_noun() const { return message_noun_; }
  bool signed_messages() const { return signed_messages_; }

  // "<prefix>.<what>": the app's artifact type or key-id domain `what`.
  std::string name(std::string_view what) const;

  // Artifact types: sealed pieces, then keys.
  const std::string& header_type() const { return header_type_; }
  const std::string& message_type() const { return message_type_; }
  const std::string& root_key_type() const { return root_key_type_; }
  const std::string& ratchet_key_type() const { return ratchet_key_type_; }
  const std::string& chain_key_type() const { return chain_key_type_; }
  const std::string& message_key_type() const { return message_key_type_; }

  // A prekey the key agreement makes a responder's first ratchet key
  // answers as a ratchet key.
  KeyId ratchet_id(ByteView ratchet_public) const;
  // A root key is named by the ratchet public key whose step produced it
  // (the session's first root key: by the initiator's ephemeral key).
  KeyId root_id(ByteView root_name) const;
  KeyId chain_id(ByteView sender_ratchet_public) const;

 private:
  std::string prefix_, app_, message_noun_;
  Kdf kdf_;
  bool signed_messages_;
  std::string header_type_, message_type_, root_key_type_, ratchet_key_type_, chain_key_type_, message_key_type_;
  std::string ratchet_domain_, root_domain_, chain_domain_;
};

// The chain-starting part of a header.
struct HeaderPart {
  Bytes sender_ratchet_key;
  Bytes receiver_ratchet_key;
  Bytes root_name;
  Bytes encode() const;
  static std::optional<HeaderPart> decode(ByteView bytes);
};

// The plaintext inside the AEAD: the scenario message id and its text.
Bytes encode_envelope(int message_id, std::string_view text);
std::optional<std::pair<int, std::string>> decode_envelope(ByteView bytes);

// A signing app's copy: the message bytes, then the sender device's
// signature over them (crypto::kSignatureSize bytes).
// True when `message_bytes` (a message artifact's data) ends with a
// signature by `signer_public` over the bytes before it.
bool signature_holds(ByteView message_bytes, ByteView signer_public);

// Artifact builders. `chain` in labels is e.g. "chain 2 from alice's iPhone to bob's iPhone".
ArtifactPtr make_ratchet_header(const Protocol& p, std::string chain, const HeaderPart& part);
// `bytes`: message.encode(), followed by the signature for a signing app.
ArtifactPtr make_message(const Protocol& p, std::string label, const WireMessage& message, Bytes bytes);
ArtifactPtr make_chain_key(const Protocol& p, std::string label, ByteView sender_ratchet_public, const ChainKey& chain);
ArtifactPtr make_message_key(const Protocol& p, std::string label, ByteView sender_ratchet_public, std::uint32_t index,
                             SecretBytes key);
ArtifactPtr make_root_key(const Protocol& p, std::string label, ByteView root_name, SecretBytes key);
// A key pair as a key artifact: the secret half, with the public half as its data.
ArtifactPtr make_dh_key(std::string_view type, std::string label, KeyId id, const crypto::DhKeyPair& key);

// True when `key` is the private half of `expected_public`, as its stored
// public half says (see artifacts.cc): how the real software finds a
// private key, by the public key a message names.
bool is_private_of(const Artifact* key, ByteView expected_public);

// The openers (pure functions; see evidence.h).
std::vector<ArtifactPtr> open_header_artifact(const Protocol& p, const Artifact& sealed,
                                              std::span<const Artifact* const> keys);
std::vector<ArtifactPtr> open_message_artifact(const Protocol& p, const Artifact& sealed,
                                               std::span<const Artifact* const> keys);
// Registers the two openers above for `p`'s types.
void register_openers(OpenerRegistry& registry, const Protocol& p);

}  // namespace msgsim::ratchet
