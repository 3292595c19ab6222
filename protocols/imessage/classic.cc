// The imessage-classic model: iMessage as Apple published it before 2019,
// kept for the history lesson "why forward secrecy matters"; it is not what
// ships today (that is the imessage model, PQ3). Sources: docs/sources.md
// §1.1, §1.2 (Apple Platform Security, older editions: "How iMessage sends
// and receives messages securely"), §1.4.
#include <fmt/format.h>

#include <map>

#include "protocols/imessage/imessage.h"
#include "protocols/imessage/messages_app.h"
#include "protocols/imessage/model_details.h"
#include "protocols/platform/codec.h"

namespace msgsim {

namespace {

using imessage::MessagesApp;

constexpr const char* kMessageType = "imessage-classic.message";

// One registered device's long-term keys, as its keychain holds them.
struct DeviceKeys {
  Bytes enc_public;     // X25519, stand-in for RSA-1280 / ECIES (docs/sources.md §9)
  ArtifactPtr enc_key;  // the private half, as a key artifact
  Bytes sign_public;    // Ed25519, stand-in for ECDSA P-256
  SecretBytes sign_secret;
};

// The plaintext a classic iMessage carries: message id and text, framed.
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

class ClassicModel final : public Model {
 public:

  void register_openers(OpenerRegistry& registry) const override {
    registry.add(kMessageType, open_message);
    MessagesApp::register_openers(registry);
  }

  void provision(Context& ctx) override {
    app_.provision(ctx, [&](NodeId d) {
      DeviceKeys k;
      crypto::DhKeyPair enc = crypto::dh_keypair(ctx.rng());
      crypto::SignKeyPair sig = crypto::sign_keypair(ctx.rng());
      k.enc_public = enc.public_key;
      k.enc_key =
          make_key("imessage-classic.device-encryption-key",
                   fmt::format("{}'s iMessage encryption key", ctx.world().node(d).label),
                   make_key_id("imessage-classic.device-key", enc.public_key), std::move(enc.secret), enc.public_key);
      k.sign_public = sig.public_key;
      k.sign_secret = std::move(sig.secret);
      // The private keys stay in the device keychain (this-device-only:
      // not in any backup); the public keys go to Apple's IDS directory.
      ctx.store(d, k.enc_key);
      keys_.emplace(d, std::move(k));
    });
  }

  void send(Context& ctx, const Message& m) override {
    const NodeId apple = *ctx.world().server("apple");
    const Bytes payload_plain = encode_payload(m);
    app_.send(ctx, m, [&](NodeId sender, const MessagesApp::Target& target, const ArtifactPtr& plain) {
      ArtifactPtr wire = encrypt_for(ctx, m, sender, target.device, payload_plain);
      ctx.transmit(sender, apple, wire);         // to APNs
      ctx.transmit(apple, target.device, wire);  // APNs to the device
      // The receiving device decrypts for real, then keeps the message.
      const auto opened = ctx.open(target.device, wire, {keys_.at(target.device).enc_key});
      if (opened.size() != 1) throw std::logic_error("iMessage: a device could not decrypt its own copy");
      app_.keep(ctx, *target.party, target.device, plain);
    });
  }

  void settings_changed(Context& ctx, const SettingsChange& change) override { app_.settings_changed(ctx, change); }
  void end_of_tick(Context& ctx) override { app_.end_of_tick(ctx); }

 private:
  ArtifactPtr encrypt_for(Context& ctx, const Message& m, NodeId sender_node, NodeId target_node,
                          const Bytes& payload_plain) {
    const DeviceKeys& sender = keys_.at(sender_node);
    const DeviceKeys& target = keys_.at(target_node);
    // Apple: a random 88-bit value and a 40-bit HMAC form the 128-bit AES-CTR
    // key. Stand-in: a random 256-bit XChaCha20-Poly1305 key (docs/sources.md §9).
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
                       fmt::format("iMessage {} encrypted for {}", m.id, ctx.world().node(target_node).label),
                       {target.enc_key->key_id}, std::move(data));
  }

  MessagesApp app_{false};
  std::map<NodeId, DeviceKeys> keys_;  // registered devices' keys
};

}  // namespace

const ModelInfo& imessage_classic_model_info() {
  static const ModelInfo info{
      .name = "imessage-classic",
      .summary = "iMessage before 2019 (long-term device keys, no forward secrecy): a history lesson",
      .details = imessage::kClassicDetails,
      .providers = {"apple", "carrier"},
      .surfaces = imessage::apple_surfaces(),
      .settings = {"imessage", "messages_in_icloud", "icloud_backup", "advanced_data_protection", "sms_fallback"},
      .make = [] { return std::unique_ptr<Model>(new ClassicModel()); }};
  return info;
}

}  // namespace msgsim
