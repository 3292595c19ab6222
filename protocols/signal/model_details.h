// protocols/signal/model_details.h: the text of `msgsim list --details` for
// signal. docs/models/signal.md carries the same lines (a test checks it).
#pragma once

#include <string_view>

namespace msgsim::signal {

inline constexpr std::string_view kModelDetails = R"(Signal model (msgsim `signal`)

How it works
- Accounts and devices. Each party is one Signal account. Every device of the party runs Signal (iPhone, iPad, Mac, Android); the first is the primary, the others are linked devices and share the account identity key, as Signal's linked devices do. Each device has its own signed prekey and its own batch of 100 one-time prekeys, and its own sessions.
- Registration (tick 0). Each device uploads its public prekey bundle (identity key, signed prekey and its signature, one-time prekeys) to the Signal server, which stores it. The private keys stay in the device's storage.
- Starting a session (X3DH, docs/sources.md §2.1). The first time a device writes to another device it fetches that device's bundle; the server hands out one one-time prekey and deletes it. The sender checks the signed prekey's signature (a substituted prekey is refused), draws an ephemeral key EK and computes DH1 = DH(IK_A, SPK_B), DH2 = DH(EK_A, IK_B), DH3 = DH(EK_A, SPK_B), DH4 = DH(EK_A, OPK_B) when a one-time prekey was handed out, and SK = HKDF-SHA256(salt = 32 zero bytes, ikm = 32 bytes 0xFF || DH1 || DH2 || DH3 [|| DH4], info "WhisperText"). The associated data is IK_A || IK_B. The receiving device redoes the four DH with its private keys and deletes the one-time prekey after use. The sender repeats the X3DH part with every message until it hears back from that device.
- Double Ratchet (docs/sources.md §2.2, libsignal values). Root step: HKDF-SHA256(salt = root key, ikm = DH output, info "WhisperRatchet") gives the next root key and a chain key. Chain step: HMAC-SHA256(chain key, 0x01) is the message-key seed and HMAC-SHA256(chain key, 0x02) the next chain key. Message keys: HKDF-SHA256(seed, info "WhisperMessageKeys"). Every message carries a header (sender's ratchet public key, its number n in the chain, the length pn of the previous chain), authenticated as associated data. A new ratchet key from the peer triggers a DH step and a fresh ratchet key of our own. Messages that arrive out of order are read with skipped message keys: at most 25000 steps ahead (libsignal MAX_FORWARD_JUMPS), at most 2000 skipped keys kept (MAX_MESSAGE_KEYS), at most 5 receiving chains kept (MAX_RECEIVER_CHAINS). A message key is deleted once used, so a replay is refused; a message that fails to decrypt changes nothing in the session.
- Sending (fan-out). The sender's first device encrypts the message separately for every device of the recipient and for each of the sender's own other devices, each in its own session (Sesame-style), and sends each copy through the Signal server, which queues it and deletes it once the device has fetched it.
- What each device stores. Through the platform's device storage, each file sealed under the device's data-protection key: the message history (sent and received texts), the identity key and identity signing key, the signed prekey, the unused one-time prekeys, and for every session its current state: the root key, the device's current ratchet private key, the current sending chain key, the current receiving chain keys and the skipped message keys. Each file is marked excluded from backup (docs/sources.md §2.4: Signal-iOS sets isExcludedFromBackup), so iCloud Backup never carries Signal data and Apple reads nothing. When the app overwrites a chain key or deletes a key, the file is erased too. A message key only lives in memory for the one encryption or decryption.
- What the evidence allows, computed and never declared. Each copy of a message is three pieces of real bytes: the X3DH part (opens with the recipient device's identity, signed prekey and one-time prekey private keys, and yields the session's first root key), the ratchet header of its chain (opens with the root key in force and the recipient's ratchet private key, and yields the chain key: this is the DH ratchet step), and the ciphertext (opens with a chain key of that chain at an index at or before the message, deriving forward as far as the message is, or with the skipped message key of exactly that message; the 25000-step limit binds the receiving app, not whoever holds a chain key). So a seized device gives its history and its current keys: later messages of a chain whose current key was taken can be derived by whoever also captured them, and the next chain of the peer too (the adversary holds the root key and the ratchet private key), but not earlier messages (their keys are gone: forward secrecy) and not the chains after the next DH step (fresh ratchet keys the adversary never saw: post-compromise healing). Without the deleted one-time prekey, the X3DH part of an old session cannot be redone. The recipient device reads its own copy the same way, opening the three pieces with the keys it keeps in storage: its decryption and anyone else's with those keys are one computation, done once.

What changed (December 2026)
- The Double Ratchet, its openers and the per-device-pair sessions moved to protocols/ratchet/, where the imessage model (PQ3) runs the same code; the signal model's results did not change.
- Whoever holds a chain key derives a message key as far ahead as the message is: the 25000-step limit binds only the receiving app.

Sources
- docs/sources.md §2.1 (X3DH and PQXDH), §2.2 (Double Ratchet and libsignal values and limits), §2.3 (sealed sender), §2.4 (Signal on iOS and backups), §2.5 (safety numbers), §9 (cryptographic stand-ins).
- Marlinspike, Perrin, "The X3DH Key Agreement Protocol", revision 1, 2016-11-04.
- Perrin, Marlinspike, "The Double Ratchet Algorithm", revision 1, 2016-11-20.
- libsignal (signalapp/libsignal, commit b056faa): rust/protocol/src/ratchet/keys.rs (KDFs), consts.rs (limits), pqxdh.rs (key agreement), proto/wire.proto (message fields).
- Signal-iOS SignalServiceKit/Util/OWSFileSystem.swift (isExcludedFromBackup).

Stand-ins (libsignal primitives libsodium lacks)
- AES-256-CBC with an HMAC-SHA256 tag over both identity keys and the message is replaced by XChaCha20-Poly1305 keyed with the 32-byte cipher key of the message keys; the identity keys and the header are its associated data. The MAC key and IV of libsignal's 80-byte message keys have no use here.
- XEdDSA signatures made with the X25519 identity key are replaced by a separate Ed25519 identity signing key beside it.
- HKDF-SHA256 is RFC 5869 built on libsodium's HMAC-SHA256: the same function, not a substitute.
- PQXDH's ML-KEM (Kyber) encapsulation and the SPQR post-quantum ratchet (Triple Ratchet) are left out, libsodium having no ML-KEM: this is the classical X3DH and Double Ratchet, with no post-quantum protection.

Simplifications
- The ratchet starts as in the Double Ratchet specification (section 7.1): SK is the first root key and the recipient's signed prekey is its first ratchet key. libsignal derives 64 bytes (root key and a first chain key) and gives the recipient a sending chain on the signed prekey; here the recipient sends only after the first message arrived, which is always the case in a scenario.
- One signed prekey per device for the whole scenario (Signal rotates it periodically) and no replenishing of one-time prekeys; a device whose batch ran out would get sessions without DH4.
- One account per party; the first device sends all of the party's messages, the others receive copies. Every device is online, so each copy is delivered, and deleted from the server, in the tick it is sent.
- The wire message is cut into three pieces (X3DH part, ratchet header, ciphertext) so that the closure can follow each step; in Signal they are fields of one protobuf message. The X3DH part names public keys where Signal sends prekey ids; registration ids and addresses are left out.
- Sessions are never reset or archived (libsignal keeps up to 40 previous session states).

Left out
- Sealed sender (docs/sources.md §2.3): the model says nothing about metadata.
- Post-quantum protection (PQXDH, SPQR), see above.
- Signal Secure Backups (opt-in, end-to-end encrypted with a recovery key; docs/sources.md §2.4) and Android on-device backups.
- Safety numbers and key verification (docs/sources.md §2.5), until the key_verification setting lands; nothing here detects a substituted identity key.
- Groups, attachments, disappearing messages, device transfer, registration lock and PINs.)";

}  // namespace msgsim::signal
