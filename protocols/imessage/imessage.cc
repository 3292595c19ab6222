// The iMessage model. Sources: FACTS.md §1.1-1.4 (Apple Platform Security:
// "iMessage security overview", "How iMessage sends and receives messages
// securely", "CloudKit end-to-end encryption", "Security of iCloud Backup").
#include "protocols/imessage/imessage.h"

#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "protocols/platform/codec.h"
#include "protocols/platform/device_storage.h"

namespace msgsim {

namespace {

constexpr const char* kMessageType = "imessage.message";
constexpr const char* kCloudKitRecordType = "imessage.cloudkit-record";

// One registered iMessage device: its keys as the device keychain holds them.
struct DeviceKeys {
  NodeId node = 0;
  Bytes enc_public;      // X25519, stand-in for RSA-1280 / ECIES (DESIGN.md)
  ArtifactPtr enc_key;   // the private half, as a key artifact
  Bytes sign_public;     // Ed25519, stand-in for ECDSA P-256
  SecretBytes sign_secret;
};

std::string who(const Party& p) { return p.label.empty() ? p.name : p.label; }

// The plaintext an iMessage carries: message id and text, framed.
Bytes encode_payload(const Message& m) {
  Bytes out;
  append_u64(out, static_cast<std::uint64_t>(m.id));
  append_framed(out, to_bytes(m.text));
  return out;
}

// Bytes that the sender signs: wrapped key || payload ciphertext (Apple signs
// a SHA-1 of both with ECDSA; we sign the bytes with Ed25519).
Bytes signed_part(ByteView wrapped, ByteView payload) {
  Bytes out;
  append_framed(out, wrapped);
  append_framed(out, payload);
  return out;
}

std::string plaintext_label(const Message& m) {
  return fmt::format("the text of message {} ({} -> {})", m.id, m.from, fmt::join(m.to, ", "));
}

// Opens one per-device iMessage: unwrap the per-message key with the device's
// private encryption key, check the sender's signature, decrypt the payload.
std::vector<ArtifactPtr> open_message(const Artifact& sealed, std::span<const Artifact* const> keys) {
  if (keys.size() != 1) return {};
  const Artifact& device_key = *keys[0];
  Reader r(sealed.data);
  auto wrapped = r.framed();
  auto payload = r.framed();
  auto signature = r.framed();
  auto sender_sign_public = r.framed();
  auto associated = r.framed();
  if (!wrapped || !payload || !signature || !sender_sign_public || !associated || !r.done()) return {};
  if (!crypto::verify(*sender_sign_public, signed_part(*wrapped, *payload), *signature)) return {};
  auto mk = crypto::seal_open(device_key.secret, device_key.data, *wrapped);
  if (!mk) return {};
  auto plain = crypto::aead_decrypt(SecretBytes(std::move(*mk)), *payload, *associated);
  if (!plain) return {};
  Reader pr(*plain);
  auto id = pr.u64();
  auto text = pr.framed();
  if (!id || !text || !pr.done()) return {};
  return {make_plaintext(fmt::format("the text of message {}", *id), static_cast<int>(*id), to_string(*text))};
}

class IMessageModel final : public Model {
 public:
  explicit IMessageModel(bool escrow) : escrow_(escrow), storage_(escrow) {}

  std::string_view name() const override { return escrow_ ? "imessage-icloud" : "imessage"; }
  std::vector<std::string> providers() const override { return {"apple"}; }

  void register_openers(OpenerRegistry& registry) const override {
    registry.add(kMessageType, open_message);
    registry.add(kCloudKitRecordType, platform::open_aead_envelope);
    platform::DeviceStorage::register_openers(registry);
  }

  void provision(Context& ctx) override {
    storage_.provision(ctx);
    const World& w = ctx.world();
    for (const Party& p : ctx.scenario().parties) {
      for (NodeId d : w.devices_of(p.name)) {
        // iMessage is a switch of each device: one with it off registers nothing in IDS.
        if (!is_apple(w.node(d).device) || !w.node(d).settings.imessage) continue;
        DeviceKeys k;
        k.node = d;
        crypto::DhKeyPair enc = crypto::dh_keypair(ctx.rng());
        crypto::SignKeyPair sig = crypto::sign_keypair(ctx.rng());
        k.enc_public = enc.public_key;
        k.enc_key = make_key("imessage.device-encryption-key",
                             fmt::format("{}'s iMessage encryption key", w.node(d).label),
                             make_key_id("imessage.device-key", enc.public_key), std::move(enc.secret),
                             enc.public_key);
        k.sign_public = sig.public_key;
        k.sign_secret = std::move(sig.secret);
        // The private keys stay in the device keychain (this-device-only:
        // not in any backup); the public keys go to Apple's IDS directory.
        ctx.store(d, k.enc_key);
        directory_[p.name].push_back(std::move(k));
      }
      if (p.settings.messages_in_icloud && directory_.count(p.name)) provision_container(ctx, p);
    }
  }

  void send(Context& ctx, const Message& m) override {
    const Scenario& sc = ctx.scenario();
    const Party& from = *sc.find_party(m.from);
    auto sender_it = directory_.find(m.from);
    if (sender_it == directory_.end()) {
      ctx.note(fmt::format("message {} was not sent over iMessage: {} has no Apple device with iMessage on "
                           "(SMS fallback is a later feature).",
                           m.id, m.from));
      return;
    }
    const DeviceKeys& sender = sender_it->second.front();  // typed on the first device
    const NodeId apple = *ctx.world().server("apple");
    auto plain = make_plaintext(plaintext_label(m), m.id, m.text);
    keep(ctx, from, sender.node, plain);

    // Fan-out: every device of every recipient, and the sender's other devices.
    std::vector<std::pair<const Party*, const DeviceKeys*>> targets;
    for (const std::string& to : m.to) {
      auto it = directory_.find(to);
      if (it == directory_.end()) {
        ctx.note(fmt::format("message {} was not delivered to {}: no device of {} has iMessage on "
                             "(SMS fallback is a later feature).",
                             m.id, to, to));
        continue;
      }
      for (const DeviceKeys& k : it->second) targets.emplace_back(sc.find_party(to), &k);
    }
    for (const DeviceKeys& k : sender_it->second)
      if (k.node != sender.node) targets.emplace_back(&from, &k);

    const Bytes payload_plain = encode_payload(m);
    for (const auto& [party, target] : targets) {
      ArtifactPtr wire = encrypt_for(ctx, m, sender, *target, payload_plain);
      ctx.transmit(sender.node, apple, wire);  // to APNs
      ctx.transmit(apple, target->node, wire);  // APNs to the device
      // The receiving device decrypts for real, then keeps the message.
      const auto opened = ctx.open(target->node, wire, {target->enc_key});
      if (opened.size() != 1) throw std::logic_error("iMessage: a device could not decrypt its own copy");
      keep(ctx, *party, target->node, plain);
    }
    for (const std::string& to : m.to)
      if (directory_.count(to)) upload_to_cloudkit(ctx, *sc.find_party(to), plain);
    upload_to_cloudkit(ctx, from, plain);
  }

  void end_of_tick(Context& ctx) override { storage_.end_of_tick(ctx); }

 private:
  ArtifactPtr encrypt_for(Context& ctx, const Message& m, const DeviceKeys& sender, const DeviceKeys& target,
                          const Bytes& payload_plain) {
    // Apple: a random 88-bit value and a 40-bit HMAC form the 128-bit AES-CTR
    // key. Stand-in: a random 256-bit XChaCha20-Poly1305 key (DESIGN.md).
    const SecretBytes mk = ctx.rng().secret(crypto::kKeySize);
    Bytes associated;
    append_framed(associated, sender.sign_public);
    append_framed(associated, target.enc_public);
    const Bytes payload = crypto::aead_encrypt(ctx.rng(), mk, payload_plain, associated);
    const Bytes wrapped = crypto::seal(ctx.rng(), target.enc_public, mk.view());  // RSA-OAEP / ECIES stand-in
    const Bytes signature = crypto::sign(sender.sign_secret, signed_part(wrapped, payload));
    Bytes data;
    // Exactly sized: a run keeps one of these per message and device.
    data.reserve(5 * 4 + wrapped.size() + payload.size() + signature.size() + sender.sign_public.size() +
                 associated.size());
    append_framed(data, wrapped);
    append_framed(data, payload);
    append_framed(data, signature);
    append_framed(data, sender.sign_public);
    append_framed(data, associated);
    return make_sealed(kMessageType,
                       fmt::format("iMessage {} encrypted for {}", m.id, ctx.world().node(target.node).label),
                       {target.enc_key->key_id}, std::move(data));
  }

  // A device keeps the message in its Messages history. With Messages in
  // iCloud on, the history is not in iCloud Backup (it lives in CloudKit);
  // with it off, the history is part of the backup (FACTS.md §1.4).
  void keep(Context& ctx, const Party& owner, NodeId device, const ArtifactPtr& plain) {
    const bool in_cloudkit = owner.settings.messages_in_icloud;
    storage_.write(ctx, device, plain, in_cloudkit ? platform::Backup::kExcluded : platform::Backup::kIncluded);
  }

  // Messages in iCloud: one CloudKit container key per account, synced only
  // through iCloud Keychain (end-to-end: on the account's devices, never at
  // Apple). iCloud Backup carries a copy of it (FACTS.md §1.4, "Security of
  // iCloud Backup": "The user's iCloud Backup retains a key to that container").
  void provision_container(Context& ctx, const Party& p) {
    const Bytes handle = ctx.rng().bytes(16);
    ArtifactPtr key = make_key("imessage.container-key",
                               fmt::format("{}'s Messages in iCloud container key", who(p)),
                               make_key_id("imessage.container", handle), ctx.rng().secret(crypto::kKeySize));
    containers_.emplace(p.name, key);
    for (const DeviceKeys& k : directory_.at(p.name)) {
      ctx.store(k.node, key);  // iCloud Keychain on the device
      if (has_icloud_backup(ctx.world().node(k.node).device))
        storage_.write(ctx, k.node, key, platform::Backup::kIncluded);
    }
  }

  void upload_to_cloudkit(Context& ctx, const Party& p, const ArtifactPtr& plain) {
    auto it = containers_.find(p.name);
    if (it == containers_.end()) return;
    const NodeId apple = *ctx.world().server("apple");
    ArtifactPtr record = platform::seal_envelope(
        ctx.rng(), *it->second, *plain, kCloudKitRecordType,
        fmt::format("Messages in iCloud record of message {} in {}'s account", plain->message_id, who(p)));
    ctx.store(apple, record);
    ctx.transmit(directory_.at(p.name).front().node, apple, record);
  }

  bool escrow_;
  platform::DeviceStorage storage_;
  std::map<std::string, std::vector<DeviceKeys>> directory_;  // IDS: party -> registered devices
  std::map<std::string, ArtifactPtr> containers_;             // party -> container key
};

constexpr std::string_view kDetails = R"(iMessage as Apple publishes it (Apple Platform Security; FACTS.md 1.1-1.4).
Each Apple device with iMessage on makes an encryption key pair and a signing key pair; the public halves go to Apple's
IDS directory, the private halves stay in the device keychain. The sender encrypts every message separately for each
device of the recipient and for its own other devices: a fresh per-message key encrypts the text, the key is sealed to
the device's public encryption key, and the sender signs both. APNs (Apple's servers) relays the copies.
Messages in iCloud: every message is also stored in a CloudKit container under a per-account key that only syncs through
iCloud Keychain (end-to-end). iCloud Backup (iPhone, iPad), when on, carries that container key, or the messages
themselves when Messages in iCloud is off, under a backup key that Apple holds under Standard Data Protection.
Stand-ins (libsodium has no RSA, ECDSA or AES-CTR): X25519 sealed boxes for RSA-OAEP/ECIES key wrapping, Ed25519 for ECDSA
P-256, XChaCha20-Poly1305 for AES-CTR with its 40-bit HMAC check.
Left out: PQ3 (ML-KEM and the ratchet of iOS 17.4; libsodium 1.0.18 has no ML-KEM), the 2019 periodic rekey, attachments
via iCloud, IDS lookups and their logs, Contact Key Verification, Advanced Data Protection, SMS fallback, and the rolling
of the container key when iCloud Backup is switched off (all later). Every device is online: APNs delivers at once and keeps
nothing.)";

constexpr std::string_view kEscrowDetails = R"(The imessage model with iCloud Backup switched on for every party, whatever the scenario says:
the key-escrow case of the article. Under Standard Data Protection Apple holds the iCloud Backup key, the backup holds the
Messages in iCloud container key (or the messages), so Apple, and anyone who can compel Apple, opens the conversation.
Everything else is as in imessage (FACTS.md 1.4).)";

}  // namespace

const ModelInfo& imessage_model_info() {
  static const ModelInfo info{"imessage", "iMessage end-to-end (per-device fan-out, Messages in iCloud, iCloud Backup as set)",
                              kDetails, [] { return std::unique_ptr<Model>(new IMessageModel(false)); }};
  return info;
}

const ModelInfo& imessage_icloud_model_info() {
  static const ModelInfo info{"imessage-icloud", "iMessage with iCloud Backup on for everyone: the key-escrow case",
                              kEscrowDetails, [] { return std::unique_ptr<Model>(new IMessageModel(true)); }};
  return info;
}

}  // namespace msgsim
