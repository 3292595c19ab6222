// protocols/signal/x3dh.h: X3DH key agreement (classical part of PQXDH).
//
// Source (docs/sources.md §2.1): Marlinspike & Perrin, "The X3DH Key Agreement
// Protocol", rev. 1 (2016-11-04); libsignal `rust/protocol/src/ratchet.rs`
// and `pqxdh.rs` (commit b056faa).
//
//   DH1 = DH(IK_A, SPK_B)   DH2 = DH(EK_A, IK_B)   DH3 = DH(EK_A, SPK_B)
//   DH4 = DH(EK_A, OPK_B)   (only when Bob's bundle still had a one-time prekey)
//   SK  = HKDF-SHA256(salt = 32 zero bytes, ikm = 0xFF*32 || DH1 || DH2 || DH3 [|| DH4],
//                     info = "WhisperText"), first 32 of libsignal's 64 bytes
//   AD  = IK_A || IK_B
//
// Stand-ins (docs/sources.md §9): Signal signs the signed prekey with XEdDSA using
// the X25519 identity key itself; msgsim gives each identity a separate
// Ed25519 signing key beside the X25519 key. PQXDH's ML-KEM encapsulation is
// left out (libsodium has no ML-KEM): this is the classical X3DH that PQXDH
// extends, so nothing here is post-quantum.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "msgsim/crypto.h"

namespace msgsim::signal {

// One-time prekeys a device uploads at registration. Each first message to
// the device consumes one, which gives that session forward secrecy even
// against a later theft of the identity and signed prekeys; a bigger batch
// survives more first contacts before the server runs out (and falls back to
// sessions without DH4), at the cost of more keys stored on the device and
// the server. Signal clients upload 100 and top the server up when it runs low.
inline constexpr std::size_t kOneTimePreKeyBatch = 100;

inline constexpr std::string_view kX3dhInfo = "WhisperText";

// The account identity: an X25519 key for DH1/DH2 and, as the XEdDSA
// stand-in, an Ed25519 key that signs the signed prekeys. Linked devices of
// one account share it.
struct IdentityKey {
  crypto::DhKeyPair dh;
  crypto::SignKeyPair sign;
};
IdentityKey make_identity(Rng& rng);

struct SignedPreKey {
  std::uint32_t id = 0;
  crypto::DhKeyPair key;
  Bytes signature;  // by the identity signing key, over encode_public(key.public_key)
};
SignedPreKey make_signed_prekey(Rng& rng, const IdentityKey& identity, std::uint32_t id);

struct OneTimePreKey {
  std::uint32_t id = 0;
  crypto::DhKeyPair key;
};
std::vector<OneTimePreKey> make_one_time_prekeys(Rng& rng, std::uint32_t first_id, std::size_t count);

// libsignal serialises a public key as a type byte (0x05, "DJB") and the 32
// key bytes; that is what the signed-prekey signature covers.
Bytes encode_public(ByteView x25519_public);

// What the server hands out for one device: public keys only.
struct PreKeyBundle {
  Bytes identity_key;       // X25519
  Bytes identity_sign_key;  // Ed25519 (XEdDSA stand-in)
  std::uint32_t signed_prekey_id = 0;
  Bytes signed_prekey;
  Bytes signed_prekey_signature;
  std::optional<std::uint32_t> one_time_prekey_id;
  Bytes one_time_prekey;  // empty when the server had none left
};

// What Alice computes and what her first message carries.
struct X3dhInitiation {
  SecretBytes shared_secret;  // SK, the Double Ratchet's first root key
  Bytes ephemeral_key;        // EK_A public ("base key")
  Bytes associated;           // AD = IK_A || IK_B
};

// Alice's side. nullopt when the signed prekey's signature does not verify
// (a server substituting Bob's prekey is caught here) or a key is invalid.
std::optional<X3dhInitiation> x3dh_initiate(Rng& rng, const IdentityKey& ours, const PreKeyBundle& theirs);

// Bob's side, from his private keys and the public keys in Alice's first
// message; one_time_prekey is null when Alice's message names none.
std::optional<SecretBytes> x3dh_respond(const SecretBytes& identity_secret, const SecretBytes& signed_prekey,
                                        const SecretBytes* one_time_prekey, ByteView their_identity_key,
                                        ByteView their_ephemeral_key);

// AD = IK_A || IK_B (X3DH §3.3).
Bytes x3dh_associated(ByteView initiator_identity, ByteView responder_identity);

}  // namespace msgsim::signal
