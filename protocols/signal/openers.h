// protocols/signal/openers.h: Signal's artifacts and how they open.
//
// What a Signal message is on the wire, cut into the pieces the closure
// reasons about (each a real byte string, each opened by real crypto):
//
//   "signal.prekey-message"  the X3DH part of a PreKeySignalMessage (public
//       keys IK_A, EK_A, IK_B, SPK_B, OPK_B). Needs Bob's identity, signed
//       prekey and one-time prekey private keys; yields the session's first
//       root key. Sent with every message of a session until the initiator
//       hears back, as libsignal does.
//   "signal.ratchet-header"  the header field that starts a chain: the
//       sender's new ratchet public key and the receiver's ratchet key it was
//       combined with. Needs the root key in force and the receiver's ratchet
//       private key; yields the chain key (index 0) and the next root key.
//       This is the DH-ratchet step, so an adversary holding a device's root
//       key and ratchet private key follows the next chain, and loses the
//       thread one step later (post-compromise healing).
//   "signal.message"  header (n, pn) + AEAD ciphertext. Needs the chain id
//       (derived from the sender's ratchet public key). A chain key at index i
//       opens messages i..i+kMaxForwardJumps of that chain, never earlier ones
//       (forward secrecy); a skipped message key answers the same id but opens
//       only its own index.
//
// Key ids are only an index: they are digests of public values (a public
// key, a ratchet public key), never of secrets.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "msgsim/evidence.h"
#include "protocols/signal/ratchet.h"

namespace msgsim::signal {

// Sealed artifact types.
inline constexpr const char* kPreKeyMessageType = "signal.prekey-message";
inline constexpr const char* kRatchetHeaderType = "signal.ratchet-header";
inline constexpr const char* kMessageType = "signal.message";
// Key artifact types.
inline constexpr const char* kIdentityKeyType = "signal.identity-key";
inline constexpr const char* kIdentitySigningKeyType = "signal.identity-signing-key";
inline constexpr const char* kSignedPreKeyType = "signal.signed-prekey";
inline constexpr const char* kOneTimePreKeyType = "signal.one-time-prekey";
inline constexpr const char* kRootKeyType = "signal.root-key";
inline constexpr const char* kRatchetKeyType = "signal.ratchet-key";
inline constexpr const char* kChainKeyType = "signal.chain-key";
inline constexpr const char* kMessageKeyType = "signal.message-key";
// Public material the server keeps (no secret part).
inline constexpr const char* kPreKeyBundleType = "signal.prekey-bundle";
inline constexpr const char* kPublicOneTimePreKeyType = "signal.public-one-time-prekey";

KeyId identity_id(ByteView identity_public);
KeyId identity_signing_id(ByteView signing_public);
// A signed prekey answers as a ratchet key: it is Bob's first ratchet key.
KeyId ratchet_id(ByteView ratchet_public);
KeyId one_time_prekey_id(ByteView prekey_public);
// A root key is named by the ratchet public key whose step produced it (the
// session's first root key: by the initiator's X3DH ephemeral key).
KeyId root_id(ByteView root_name);
KeyId chain_id(ByteView sender_ratchet_public);

// The X3DH part of a PreKeySignalMessage.
struct PreKeyPart {
  Bytes initiator_identity;
  Bytes base_key;  // EK_A public
  Bytes responder_identity;
  Bytes signed_prekey;
  Bytes one_time_prekey;  // empty: none was used
  Bytes encode() const;
  static std::optional<PreKeyPart> decode(ByteView bytes);
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

// Artifact builders. `chain` in labels is e.g. "chain 2 from alice's iPhone to bob's iPhone".
ArtifactPtr make_prekey_message(std::string session, const PreKeyPart& part);
ArtifactPtr make_ratchet_header(std::string chain, const HeaderPart& part);
ArtifactPtr make_message(std::string label, const WireMessage& message);
ArtifactPtr make_chain_key(std::string label, ByteView sender_ratchet_public, const ChainKey& chain);
ArtifactPtr make_message_key(std::string label, ByteView sender_ratchet_public, std::uint32_t index, SecretBytes key);
ArtifactPtr make_root_key(std::string label, ByteView root_name, SecretBytes key);
ArtifactPtr make_dh_key(std::string type, std::string label, KeyId id, const crypto::DhKeyPair& key);

// The openers (pure functions; see evidence.h).
std::vector<ArtifactPtr> open_prekey_artifact(const Artifact& sealed, std::span<const Artifact* const> keys);
std::vector<ArtifactPtr> open_header_artifact(const Artifact& sealed, std::span<const Artifact* const> keys);
std::vector<ArtifactPtr> open_message_artifact(const Artifact& sealed, std::span<const Artifact* const> keys);
void register_signal_openers(OpenerRegistry& registry);

}  // namespace msgsim::signal
