// protocols/imessage/pq3.h: iMessage PQ3's initial key establishment, as the
// first key agreement of ratchet::PairwiseSessions, and PQ3's ratchet names.
//
// Sources (docs/sources.md §1.1, §1.3, §6): each device registers in Apple's
// IDS directory a pre-key (ECDH P-256 and Kyber-1024) signed by a device
// authentication key that the Secure Enclave protects; a sender establishes
// a session with each receiving device from those public keys, even when
// the receiver is offline; then a symmetric ratchet per message and an ECDH
// ratchet per direction, "in the style of Signal"; authentication stays
// classical (signatures by the device authentication key).
//
// Here, per device: an Ed25519 authentication key (stand-in for ECDSA P-256)
// and an X25519 pre-key (stand-in for ECDH P-256; the curve is itself not
// confirmed by the sources, §9), the pre-key signed by the authentication
// key. The initiator checks that signature, draws an ephemeral X25519 key E
// and computes root key = HKDF-SHA256(salt = 32 zero bytes,
// ikm = DH(E, pre-key), info = kInitialInfo); the Kyber encapsulation that
// PQ3 mixes in is left out (libsodium 1.0.18 has no ML-KEM). The pre-key is
// the responder's first ratchet key, E names the first root key, as in
// Signal's sessions. Every copy is signed by the sender device's
// authentication key. The KDF labels are msgsim's own: PQ3's are not public.
//
// Where the keys live (Apple 2019: "protected on device with the Secure
// Enclave"): the authentication key and the pre-key private half stay in the
// Secure Enclave. The device uses them (signing; opening the initial piece
// and the first header through Context::open) but they are never stored in
// its evidence, so no seizure and no exploit takes them. Everything the
// ratchet derives from them (root, ratchet and chain keys) lives in the
// keychain, this device only (PairwiseSessions stores it, excluded from
// iCloud Backup): a seizure or exploit gets that, and follows the
// conversation until the next ECDH step.
//
// The initial piece, "imessage.key-establishment": the initiator's and
// responder's authentication keys, E, the responder's pre-key. Needs the
// responder's pre-key private key; yields the session's first root key.
#pragma once

#include <map>
#include <optional>
#include <string_view>

#include "protocols/ratchet/pairwise_sessions.h"

namespace msgsim::imessage {

// msgsim's labels (PQ3's own are not public).
inline constexpr std::string_view kInitialInfo = "msgsim iMessage PQ3 initial key establishment";
inline constexpr std::string_view kRootInfo = "msgsim iMessage PQ3 ECDH ratchet";
inline constexpr std::string_view kMessageKeysInfo = "msgsim iMessage PQ3 message keys";

// PQ3's ratchet names: types "imessage.*", the labels above, signed copies.
const ratchet::Protocol& pq3_protocol();

// The crypto of the initial key establishment, pure functions over bytes.
// The authentication key's signature over a pre-key's public half.
Bytes sign_prekey(const SecretBytes& auth_secret, ByteView prekey_public);
struct Initiation {
  SecretBytes root_key;  // the session's first root key
  Bytes ephemeral_key;   // E's public half (E's private half is wiped)
};
// The initiator's side: checks the pre-key's signature by the receiving
// device's authentication key (nullopt when it does not verify: a
// substituted pre-key), draws E, derives the first root key.
std::optional<Initiation> initiate(Rng& rng, ByteView auth_public, ByteView prekey_public, ByteView prekey_signature);
// The responder's side, inside its Secure Enclave: the same root key.
std::optional<SecretBytes> respond(const SecretBytes& prekey_secret, ByteView ephemeral_key);
// The session's associated data: both devices' authentication keys.
Bytes session_associated(ByteView initiator_auth, ByteView responder_auth);

// The initial piece of a session.
struct InitialPart {
  Bytes initiator_auth_key;  // Ed25519 public
  Bytes ephemeral_key;       // E, X25519 public ("base key")
  Bytes responder_auth_key;  // Ed25519 public
  Bytes responder_prekey;    // X25519 public
  Bytes encode() const;
  static std::optional<InitialPart> decode(ByteView bytes);
};

class Pq3Agreement final : public ratchet::KeyAgreement {
 public:
  // Tick 0: `device` (an Apple device with iMessage on) makes its
  // authentication key and pre-key in its Secure Enclave, and registers the
  // public halves and the pre-key's signature in IDS (Apple's server).
  void register_device(Context& ctx, NodeId device);

  std::optional<Started> initiate(Context& ctx, NodeId from, NodeId to) override;
  std::optional<Accepted> accept(Context& ctx, NodeId at, NodeId from, const ArtifactPtr& initial,
                                 int message_id) override;
  ByteView first_ratchet_public(NodeId at) const override;
  ArtifactPtr first_ratchet_key(Context& ctx, NodeId at) override;
  void authenticate(NodeId from, Bytes& message) const override;
  // Against the sender device's authentication key as IDS lists it.
  bool authentic(NodeId from, ByteView message) const override;

  static void register_openers(OpenerRegistry& registry);
  // Artifact types, for tests and experiments.
  static constexpr const char* kInitialType = "imessage.key-establishment";
  static constexpr const char* kPreKeyType = "imessage.secure-enclave-prekey";
  static constexpr const char* kRegistrationType = "imessage.ids-registration";
  static ArtifactPtr make_initial(std::string session, const InitialPart& part);
  static std::vector<ArtifactPtr> open_initial(const Artifact& sealed, std::span<const Artifact* const> keys);

 private:
  // What one device's Secure Enclave holds, and what IDS publishes of it.
  struct Enclave {
    crypto::SignKeyPair auth;  // never leaves the enclave
    crypto::DhKeyPair prekey;  // its private half never leaves the enclave
    ArtifactPtr prekey_key;    // the private half as the device uses it (Context::open only)
    Bytes prekey_signature;    // by `auth`, over the pre-key's public half
    ArtifactPtr registration;  // public: what IDS hands out
  };
  std::map<NodeId, Enclave> devices_;
};

}  // namespace msgsim::imessage
