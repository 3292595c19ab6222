// protocols/imessage/model_details.h: the text of `msgsim list --details`
// for imessage, imessage-icloud and imessage-classic. docs/models/<name>.md
// carries the same lines (a test checks it).
#pragma once

#include <string_view>

namespace msgsim::imessage {

inline constexpr std::string_view kDetails = R"(iMessage model (msgsim `imessage`): iMessage as it ships today, PQ3

How it works
- Registration (IDS, docs/sources.md §1.1, §1.3). Every Apple device (iPhone, iPad, Mac) whose imessage setting is on (a switch of each device) makes, in its Secure Enclave, an authentication key (for signing) and a pre-key, and signs the pre-key with the authentication key. The public halves and the signature go to Apple's IDS directory. A device with iMessage off registers nothing, and a party whose devices all have it off cannot be reached over iMessage.
- Starting a session (PQ3 initial key establishment, docs/sources.md §1.3). The first time a device writes to another device it fetches that device's registration from IDS and checks the pre-key's signature (a substituted pre-key is refused). It draws an ephemeral key E and computes the first root key = HKDF-SHA256(salt = 32 zero bytes, ikm = DH(E, pre-key), info "msgsim iMessage PQ3 initial key establishment"); this works while the receiver is offline. The receiving device redoes the DH inside its Secure Enclave. The sender repeats this initial piece with every message until it hears back from that device.
- Ratchet (docs/sources.md §1.3, §2.2: "a double ratchet construction in the style of Signal"). The Double Ratchet of the signal model, run by the same code: a symmetric ratchet per message (HMAC-SHA256 chain steps, HKDF-SHA256 message keys) and an ECDH ratchet per direction (a fresh ratchet key travels with each reply, HKDF-SHA256 root steps). Its limits are libsignal's: the receiving device goes at most 25000 steps ahead, keeps at most 2000 skipped message keys and 5 receiving chains (whoever else holds a chain key derives as far as it likes). The pre-key is the receiver's first ratchet key. The KDF labels are msgsim's own ("msgsim iMessage PQ3 ECDH ratchet", "msgsim iMessage PQ3 message keys"): Apple's are not public. Every copy is also signed by the sender device's authentication key (authentication stays classical): the receiving device checks the signature against that device's key in IDS before it decrypts, and refuses a copy that fails. The signature authenticates and opens nothing, so who can read a copy depends on its keys alone.
- Sending (fan-out, docs/sources.md §1.1). The message is typed on the sender's first Apple device and encrypted separately, each in its own session, for every registered device of the recipient and for the sender's own other devices. APNs (Apple's servers) relays each copy at once and keeps nothing.
- Where the keys live (docs/sources.md §1.3, §6: since 2019 the keys are "protected on device with the Secure Enclave"). The authentication key and the pre-key's private half never leave the Secure Enclave: the device uses them, but they are in no file, so no seizure and no exploit takes them. The ratchet state (root key, current ratchet private key, current sending and receiving chain keys, skipped message keys) is in the keychain, this device only: one file per key, sealed under the device's data-protection key, never in iCloud Backup, erased when the ratchet overwrites or deletes the key. A message key lives in memory for one encryption or decryption. The message history is a file on the device too. That a seizure of an unlocked phone gets the keychain is the seize power's assumption (docs/sources.md §6: the sources do not say).
- Messages in iCloud (messages_in_icloud, default on; docs/sources.md §1.4). Each account has one CloudKit container key that syncs only through iCloud Keychain: it is on the account's devices, never readable by Apple. Every message sent or received is also stored at Apple as a CloudKit record sealed under that key.
- iCloud Backup (icloud_backup, iPhone and iPad; docs/sources.md §1.4). At the end of every tick the device uploads its files that are not excluded from backup, sealed under the account's iCloud Backup service key, which Apple holds under Standard Data Protection. With Messages in iCloud on, the backup carries the container key; with it off, it carries the message history. It never carries the ratchet state.
- Advanced Data Protection (advanced_data_protection, a switch of the account; docs/sources.md §1.5). Apple deletes its copy of the account's iCloud Backup service key: the backup still goes to Apple, sealed, and only the account's trusted devices open it, so neither it nor the container key inside it is Apple's to read. It protects its owner's copies only: the other side's backup, under Standard Data Protection, still opens the conversation.
- SMS fallback (sms_fallback, a switch of each device, default on; docs/sources.md §4). What iMessage cannot carry, the Messages app sends as SMS from the sender's iPhone, through the carrier (the sms model's code: in clear on the wire, relayed and kept by the carrier): everything, when the sender has no device with iMessage on; to a recipient who is not on iMessage at all (no Apple device, such as an Android phone) whatever sms_fallback says, as the source reports ("texts to non-iMessage users are still SMS"); and to a recipient whose Apple devices all have iMessage off only when the sending iPhone's sms_fallback is on. Otherwise, or when either side has no phone, the message is not delivered. The recipient's cell says "sent as SMS" or "not delivered", with a note. The texts are kept in the Messages history like iMessages, so in Messages in iCloud or iCloud Backup (docs/sources.md §1.4: the container holds "text (SMS), and MMS messages").
- Settings that change ([[change]]). iCloud Backup switched on: the next backup carries what the device holds (the container key among it); switched off: the device stops backing up, its last backup stays at Apple, and the account's container key is rolled: a new key, synced only through iCloud Keychain, seals what is written from then on, so the old backup opens the older messages and not the newer ones (docs/sources.md §1.4). Advanced Data Protection switched on: Apple deletes its escrowed copy of the backup key (§1.5), so a compulsion after that gets none; switched off: the key is escrowed again. iMessage switched off on a device: it leaves IDS and receives no more iMessages (they go as SMS, or are not delivered); switched on: it registers with fresh keys. Messages in iCloud switched off: the history goes back into iCloud Backup; on: a new container holds what is written from then on.
- What the evidence allows, computed and never declared. Each copy is three pieces of real bytes: the initial piece (opens with the receiving device's pre-key, which only its Secure Enclave holds, and yields the first root key), the ratchet header of its chain (opens with the root key in force and the receiver's ratchet private key, and yields the chain key: the ECDH ratchet step), and the ciphertext (opens with a chain key of that chain at or before the message, deriving forward, or with the skipped message key of exactly that message). So a seized or exploited device gives its history and its current ratchet state: with the copies taken at Apple, the adversary follows the conversation until the next ECDH step, and no further (the next reply brings a ratchet key it never saw: post-compromise healing); it never reads earlier messages with those keys (forward secrecy). An exploit, while it runs, also gets every message key the device uses and the state after every step. With Messages in iCloud on, the container key on the device opens the CloudKit records of later messages too: the ratchet does not protect the copies at rest.

Sources
- docs/sources.md §1.1 (IDS, APNs, registration, fan-out), §1.3 (2019 changes and PQ3), §1.4 (Messages in iCloud and iCloud Backup), §2.2 (the Double Ratchet and libsignal's values), §6 (seizure, the Secure Enclave), §9 (cryptographic stand-ins).
- Apple Security Engineering and Architecture, "iMessage with PQ3: The new state of the art in quantum-secure messaging at scale", 2024-02-21.
- Stebila, "Security analysis of the iMessage PQ3 protocol", ePrint 2024/357; Linker, Sasse, Basin, "A Formal Analysis of Apple's iMessage PQ3 Protocol", USENIX Security 2025.
- Apple Platform Security: "iMessage security overview", "CloudKit end-to-end encryption", "Security of iCloud Backup".

What changed (December 2026)
- Until then msgsim's imessage was the design before 2019, now kept as imessage-classic: one long-term key per device, so a seized phone and copies of the traffic read every later message sent to that phone, for ever. imessage is now PQ3: a seizure or an exploit gets the keychain's ratchet state and follows the conversation only until the next ECDH step (scenarios/10-forward-secrecy.toml). The readers of the earlier lessons did not change; the chains of the correspondents' own readings now go through the ratchet.
- iMessage, FaceTime and iCloud Backup are switches of each device (devices = ["iphone", { kind = "ipad", icloud_backup = true }]): a device registers in IDS, backs up, or exposes an exploit's surface by its own setting.
- SMS fallback and settings that change (issue 15): before, a message to a party with iMessage off vanished from the table; it now goes as SMS or says "not delivered". Switching iCloud Backup off now rolls the container key.

Stand-ins (libsodium 1.0.18 has no P-256, ECDSA, AES-CTR or ML-KEM; docs/sources.md §9)
- X25519 for ECDH P-256: pre-keys, ephemeral and ratchet keys (that PQ3's curve is P-256 is not confirmed by the sources either).
- Ed25519 for ECDSA P-256: the authentication key's signatures on the pre-key and on every copy.
- XChaCha20-Poly1305 for AES-CTR: each message, keyed with the ratchet's message key, with the header and both devices' authentication keys as associated data; also the CloudKit records, backups and device files.
- HKDF-SHA256 is RFC 5869 built on libsodium's HMAC-SHA256, the same function. PQ3's own KDFs and labels are not public: msgsim uses the Double Ratchet's KDFs with labels of its own.

Simplifications
- The ratchet starts as the signal model's does: the pre-key is the receiving device's first ratchet key, E names the first root key, the sender's first ratchet key is fresh. The session's associated data is the two devices' authentication keys.
- One pre-key per device for the whole scenario, and no one-time pre-keys.
- The wire message is cut into three pieces (initial piece, ratchet header, signed ciphertext) so that the closure can follow each step; the signature covers the ciphertext and its header fields.
- One account per party; the first Apple device sends all of the party's messages, the others receive copies. A device that never writes (a Mac that only receives) never answers its sessions, so they never make an ECDH step and a seizure of it reads on; real devices also send delivery receipts and rekey periodically.
- iCloud Backup runs at the end of every tick (real devices back up about daily); every device is online.

Left out
- The post-quantum part (docs/sources.md §1.3, §9): the ML-KEM (Kyber-1024) pre-keys and their encapsulation at the initial key establishment, and the periodic Kyber rekey (Kyber-768; its schedule is unconfirmed). Without them the model has no post-quantum protection; post-compromise healing comes from the ECDH ratchet alone.
- Key transparency and Contact Key Verification (docs/sources.md §1.6), the ghost-device risk of a trusted directory (§1.7), IDS lookups and their logs (metadata).
- Pre-key rotation and expiry, session resets.
- Attachments sent through iCloud, BlastDoor and Lockdown Mode, RCS (docs/sources.md §4), Text Message Forwarding (SMS on an iPad or a Mac through the owner's iPhone).
- Turning Messages in iCloud on does not move the history already in the backup into the container: it stays in the backup as well.)";

inline constexpr std::string_view kEscrowDetails = R"(iMessage model with iCloud key escrow (msgsim `imessage-icloud`)

- The imessage model (PQ3; see its details) with iCloud Backup switched on for every party, whatever the scenario says: the key-escrow case of the article. Under Standard Data Protection Apple holds the iCloud Backup service key (docs/sources.md §1.4); the backup carries the Messages in iCloud container key, or the message history when Messages in iCloud is off; so Apple, and anyone who can compel Apple, opens the conversation. The ratchet does not help: the backup holds the texts, or the key to their copies at rest.
- Advanced Data Protection (advanced_data_protection; docs/sources.md §1.5) is honoured as in imessage: an account with it on keeps its backup key on its devices, and Apple reads that account's backup no more.
- A [[change]] of icloud_backup changes nothing here: backups stay on (the model's premise). Every other change, and the SMS fallback, are as in imessage.
- Everything else (keys, sessions, fan-out, CloudKit, stand-ins, what is left out) is identical to imessage, so a scenario that lists both models shows the effect of the backup alone.)";

inline constexpr std::string_view kClassicDetails =
    R"(iMessage before 2019 (msgsim `imessage-classic`): a history lesson, not what ships today

How it works
- What this is. iMessage as Apple's security guide described it before 2019 (device keys RSA-1280, ECIES from iOS 13), kept for the lesson "why forward secrecy matters". Since 2019 the keys sit in the Secure Enclave with a periodic rekey, and since iOS 17.4 iMessage runs PQ3: that is the imessage model (docs/sources.md §1.3).
- Registration (docs/sources.md §1.1). Each Apple device with iMessage on makes an encryption key pair and a signing key pair; the public halves go to Apple's IDS directory, the private halves stay in the device keychain (this device only: not in any backup) for the device's lifetime.
- Sending (docs/sources.md §1.2). The sender encrypts every message separately for each device of the recipient and for its own other devices: a fresh per-message key encrypts the text, the key is sealed to the device's long-term public encryption key, and the sender signs both. APNs (Apple's servers) relays the copies. The receiving device verifies the signature, unwraps the key and decrypts, for real, then keeps the message in its history.
- No forward secrecy (docs/sources.md §1.2). One long-term key opens every copy ever sealed to that device: whoever takes the device's keychain (a seizure, an exploit) and has copies of the traffic from Apple, taken before or after, reads every message sent to that device, for ever.
- Messages in iCloud and iCloud Backup (docs/sources.md §1.4): exactly as in imessage. Every message is also stored at Apple as a CloudKit record under the account's container key, which syncs only through iCloud Keychain; iCloud Backup, when on, carries that container key, or the messages themselves when Messages in iCloud is off, under a backup key that Apple holds under Standard Data Protection.
- Advanced Data Protection (advanced_data_protection, a switch of the account; docs/sources.md §1.5). Apple deletes its copy of the account's iCloud Backup service key: the backup still goes to Apple, sealed, and only the account's trusted devices open it, so neither it nor the container key inside it is Apple's to read. It protects its owner's copies only: the other side's backup, under Standard Data Protection, still opens the conversation.

Stand-ins (libsodium 1.0.18 has no RSA, ECDSA or AES-CTR; docs/sources.md §9)
- X25519 sealed boxes (crypto_box_seal) for RSA-OAEP / ECIES key wrapping.
- Ed25519 for ECDSA P-256, over the wrapped key and the ciphertext (Apple signs a SHA-1 of both).
- XChaCha20-Poly1305 with a random 256-bit key for AES-CTR with its 88-bit random value and 40-bit HMAC check; the sender's signing key and the device's encryption key are associated data.

Left out
- Everything since 2019: the Secure Enclave, the periodic rekey, PQ3 (the imessage model).
- Attachments sent through iCloud, IDS lookups and their logs, Contact Key Verification.
- SMS fallback and settings that change ([[change]]) work as in imessage (the same Messages app code).
- Every device is online: APNs delivers at once and keeps nothing.)";

}  // namespace msgsim::imessage
