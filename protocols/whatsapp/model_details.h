// protocols/whatsapp/model_details.h: the text of `msgsim list --details`
// for whatsapp. docs/models/whatsapp.md carries the same lines (a test checks it).
#pragma once

#include <string_view>

namespace msgsim::whatsapp {

inline constexpr std::string_view kModelDetails = R"(WhatsApp model (msgsim `whatsapp`)

How it works
- The protocol. WhatsApp's end-to-end encryption is the Signal protocol (docs/sources.md §3): the model runs the signal model's own code for it, X3DH to start a session between two devices and the Double Ratchet for every message, one session per pair of devices, under WhatsApp's names (artifact types "whatsapp.*") and with WhatsApp's server, the "whatsapp" provider, which keeps the public prekey bundles, hands out one-time prekeys and queues each copy until its device fetches it, then deletes it. Everything the signal model's details say of X3DH, the ratchet, forward secrecy and healing holds here (docs/models/signal.md).
- Accounts and devices (multi-device, docs/sources.md §3). Each party is one WhatsApp account; every device of the party runs WhatsApp, a phone as the primary and the others as companion devices. Unlike Signal's linked devices, each device has its own identity key, and the server keeps the account's list of device identities. The sender's first device encrypts one copy per device of the recipient and per other device of the sender, each in its own pairwise session (client fan-out); the server never stores a message after delivery.
- History on the device. Each device keeps what it sent or decrypted in its app files (the platform's device storage, each file sealed under the device's data-protection key), with its keys and session state. These files are excluded from the device's iCloud Backup: WhatsApp backs the history up through its own mechanism, below. So whoever holds an unlocked device (its owner, a seizure, an exploit) reads its history, and iCloud Backup, on or off, carries none of it.
- Chat backup, the account's whatsapp_backup setting, read from the device each time a backup runs. At the end of every tick in which it wrote to its history, each phone of the party (iPhone, Android phone; a companion device makes no backup) uploads the messages it wrote there since its last backup, to its platform's cloud drive: iCloud Drive from an iPhone (stored at "apple"), Google Drive from an Android phone (stored at "google"). A change of mode, seen at the phone's next backup, replaces the backup: the phone uploads its whole history the new way and the drive deletes the old files; "none" uploads nothing and leaves an earlier backup where it is.
- "cloud" (docs/sources.md §3: such backups are protected by the cloud provider, not by WhatsApp). Each message goes up as it is, and the drive seals it under the account's service key for that drive. Apple keeps the iCloud Drive key in its HSMs under Standard Data Protection, so Apple, and a state that compels Apple, opens the backup; with advanced_data_protection on the key stays on the account's trusted devices (iCloud Drive is among the categories Advanced Data Protection covers, docs/sources.md §1.5) and Apple keeps bytes it cannot open. Google holds the Google Drive key. The backup holds the phone's whole history, both sides of every conversation: one party's plain backup exposes what the other side wrote too.
- "cloud-e2ee" (docs/sources.md §3, end-to-end encrypted backups). The phone seals each message under the account's backup key K, a random 32-byte key, before the drive seals it again. K is kept in WhatsApp's HSM-based Backup Key Vault (stored at "whatsapp") wrapped under a key derived from the user's password; the password is never stored anywhere (it is in the user's memory) and the vault never releases K. The phone keeps K in its app files, so a seized or exploited phone still opens the backup, as it holds the history anyway. Apple or Google open the drive's layer (under Standard Data Protection) and find a file sealed under K; WhatsApp holds only the wrapped K: no provider, and no state that compels one, reads anything, because no key that opens those layers ever reached them.
- Settings that change ([[change]]). A change of whatsapp_backup takes effect at the end of its tick: the party's phones back up then, the new way ("cloud" to "cloud-e2ee" replaces the plain backup, whose files the drive deletes; to "none", the last backup stays). Advanced Data Protection switched on takes Apple's copy of the iCloud Drive key away at the end of the tick (docs/sources.md §1.5), so a later compulsion finds files it cannot open; what Apple stored before, it could read.
- Attack surface. An exploit `via = "whatsapp"` reaches every device of the target, phones and companions: WhatsApp runs on all of them and processes what arrives for it, with no setting to switch it off. Zero-click exploits reached WhatsApp on iPhones and Android phones (2019, a voice call) and on iPhones and Macs (2025, linked-device sync messages) (docs/sources.md §3). The exploit reads what the device stores when it starts and all it handles until it ends.
- What the evidence allows, computed and never declared. Who reads a backup is only a matter of who holds the keys its layers need: the closure offers each provider's and each adversary's keys to the sealed files they hold, and a file opens only when a real decryption succeeds.

Sources
- docs/sources.md §3 (the Signal protocol in WhatsApp, multi-device, plain and end-to-end encrypted backups, the zero-click exploits), §1.5 (Advanced Data Protection and iCloud Drive), §2.1 and §2.2 (X3DH and the Double Ratchet), §6 (seizure), §8 (the article's claim), §9 (cryptographic stand-ins).
- WhatsApp Encryption Overview (whitepaper, 2016, revised 2017 and 2020); Meta engineering, "How WhatsApp enables multi-device capability" (2021-07-14) and "WhatsApp is adding end-to-end encrypted backups" (2021-09-10), with the whitepaper "Security of End-To-End Encrypted Backups".

Stand-ins
- The whitepaper names HKDF but gives no info strings: the model uses libsignal's ("WhisperText", "WhisperRatchet", "WhisperMessageKeys") as a stand-in for WhatsApp's.
- The signal model's stand-ins hold here too: XChaCha20-Poly1305 for AES-256-CBC with HMAC-SHA256, a separate Ed25519 signing key beside each X25519 identity key for XEdDSA, HKDF on libsodium's HMAC-SHA256.
- The Backup Key Vault's password path is OPAQUE inside HSMs (per an audit summary, docs/sources.md §3); the model wraps K under a key derived from the password with Argon2id (libsodium crypto_pwhash, small cost: 2 passes, 8 MiB; docs/sources.md §9). The vault's real defence, a cap on password attempts after which K is destroyed, is not modelled: nobody here guesses passwords.
- The cloud drives' server-side encryption is one XChaCha20-Poly1305 service key per account and drive.

Simplifications
- The device's own iCloud Backup carries no WhatsApp data. A 2021 press warning says an iPhone's iCloud Backup may also hold an unencrypted copy of WhatsApp history unless WhatsApp is excluded from it; that was not checked against Apple's or WhatsApp's documents (docs/sources.md §3, [U]), and the model leaves it out.
- Before 2021 WhatsApp also encrypted its iCloud backup files under a key a forensic vendor could recover with the account's SIM (docs/sources.md §3); Meta's 2021 description, that plain backups are protected by the cloud provider, is what the model follows: a plain backup is sealed under the drive's key only.
- The 64-digit key option of end-to-end encrypted backups (the user keeps K, no vault) is left out; "cloud-e2ee" is the password option.
- A backup is incremental, one file per message, and never expires; WhatsApp writes a whole backup file (the chat database) on a schedule and replaces the previous one, which holds the same history.
- Companion devices get a copy of every message from the moment they exist (tick 0); WhatsApp gives a newly linked device a bundle of recent history from the phone. The account's signatures over its device list (the primary's identity key vouching for each companion's) are left out.
- The iCloud Drive key is held by the phone that uploads, not by every trusted device of the account. Turning Advanced Data Protection off gives Apple the key again (Apple's HSMs hold it from then on).
- One account per party; the first device sends all of the party's messages; every device is online, so each copy is delivered, and deleted from the server, in the tick it is sent. One signed prekey per device for the whole scenario, no replenishing of one-time prekeys.

Left out
- Metadata: WhatsApp's servers see who writes to whom and when (the FBI chart says a pen register gives it every 15 minutes, docs/sources.md §3); the model says nothing about metadata.
- Security codes and key verification, groups, attachments, calls, disappearing messages, local (on-device) backups on Android.
- Post-quantum protection: none.)";

}  // namespace msgsim::whatsapp
