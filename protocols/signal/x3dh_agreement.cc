#include "protocols/signal/x3dh_agreement.h"

#include <fmt/format.h>

#include <stdexcept>

namespace msgsim::signal {
namespace {

constexpr std::string_view kSessionPrefix = "X3DH part of the first messages ";

std::string after_prefix(std::string_view label, std::string_view prefix) {
  return std::string(label.substr(0, prefix.size()) == prefix ? label.substr(prefix.size()) : label);
}

}  // namespace

Bytes PreKeyPart::encode() const {
  Bytes out;
  for (const Bytes* f : {&initiator_identity, &base_key, &responder_identity, &signed_prekey, &one_time_prekey})
    append_framed(out, *f);
  return out;
}

std::optional<PreKeyPart> PreKeyPart::decode(ByteView bytes) {
  Reader r(bytes);
  PreKeyPart p;
  for (Bytes* f : {&p.initiator_identity, &p.base_key, &p.responder_identity, &p.signed_prekey, &p.one_time_prekey}) {
    auto v = r.framed();
    if (!v) return std::nullopt;
    *f = std::move(*v);
  }
  if (!r.done()) return std::nullopt;
  return p;
}

KeyId X3dhAgreement::identity_id(const ratchet::Protocol& p, ByteView identity_public) {
  return make_key_id(p.name("identity"), identity_public);
}

KeyId X3dhAgreement::one_time_prekey_id(const ratchet::Protocol& p, ByteView prekey_public) {
  return make_key_id(p.name("one-time-prekey"), prekey_public);
}

ArtifactPtr X3dhAgreement::make_prekey_message(const ratchet::Protocol& p, std::string session,
                                               const PreKeyPart& part) {
  std::vector<KeyId> needs{identity_id(p, part.responder_identity), p.ratchet_id(part.signed_prekey)};
  if (!part.one_time_prekey.empty()) needs.push_back(one_time_prekey_id(p, part.one_time_prekey));
  return make_sealed(prekey_message_type(p), std::string(kSessionPrefix) + session, std::move(needs), part.encode());
}

std::vector<ArtifactPtr> X3dhAgreement::open_prekey_artifact(const ratchet::Protocol& p, const Artifact& sealed,
                                                             std::span<const Artifact* const> keys) {
  auto part = PreKeyPart::decode(sealed.data);
  const bool with_opk = part && !part->one_time_prekey.empty();
  if (!part || keys.size() != (with_opk ? 3u : 2u)) return {};
  if (!ratchet::is_private_of(keys[0], part->responder_identity) ||
      !ratchet::is_private_of(keys[1], part->signed_prekey) ||
      (with_opk && !ratchet::is_private_of(keys[2], part->one_time_prekey)))
    return {};
  auto sk = x3dh_respond(keys[0]->secret, keys[1]->secret, with_opk ? &keys[2]->secret : nullptr,
                         part->initiator_identity, part->base_key);
  if (!sk) return {};
  const std::string session = after_prefix(sealed.label.str(), kSessionPrefix);
  return {ratchet::make_root_key(p, fmt::format("first root key of the session {} (X3DH)", session), part->base_key,
                                 std::move(*sk))};
}

void X3dhAgreement::register_openers(OpenerRegistry& registry, const ratchet::Protocol& protocol) {
  registry.add(prekey_message_type(protocol),
               [&protocol](const Artifact& sealed, std::span<const Artifact* const> keys) {
                 return open_prekey_artifact(protocol, sealed, keys);
               });
}

X3dhAgreement::X3dhAgreement(const ratchet::Protocol& protocol, std::string server, platform::DeviceStorage& storage,
                             platform::Backup backup, Identities identities)
    : protocol_(protocol),
      server_name_(std::move(server)),
      storage_(storage),
      backup_(backup),
      identities_scope_(identities) {}

void X3dhAgreement::provision(Context& ctx) {
  const World& w = ctx.world();
  const auto server = w.server(server_name_);
  if (!server) throw std::logic_error(fmt::format("X3DH: no {} server in the world", server_name_));
  server_ = *server;
  Rng& rng = ctx.rng();
  const ratchet::Protocol& p = protocol_;

  for (const Party* in_play : ctx.parties_to_provision()) {
    const Party& party = *in_play;
    // One account per party; every device of it shares the identity key
    // (the first is the primary, the others linked, docs/sources.md §2.1),
    // or each device makes its own (WhatsApp, docs/sources.md §3).
    const bool per_device = identities_scope_ == Identities::kPerDevice;
    if (!per_device) identities_.push_back(make_identity(rng));
    for (NodeId n : w.devices_of(party.name)) {
      if (per_device) identities_.push_back(make_identity(rng));
      const IdentityKey& id = identities_.back();
      Device d;
      d.identity = &id;
      const std::string& label = w.node(n).label;
      d.spk = make_signed_prekey(rng, id, 1);
      for (auto& k : make_one_time_prekeys(rng, 1, kOneTimePreKeyBatch)) d.opks.emplace(k.id, std::move(k));

      const std::string acct = party.label.empty() ? party.name : party.label;
      d.identity_file = storage_.write(
          ctx, n,
          ratchet::make_dh_key(identity_key_type(p), fmt::format("{}'s {} identity key (on {})", acct, p.app(), label),
                               identity_id(p, id.dh.public_key), id.dh),
          backup_);
      storage_.write(ctx, n,
                     make_key(p.name("identity-signing-key"),
                              fmt::format("{}'s {} identity signing key (on {})", acct, p.app(), label),
                              make_key_id(p.name("identity-signing"), id.sign.public_key), id.sign.secret.clone(),
                              id.sign.public_key),
                     backup_);
      d.spk_file = storage_.write(ctx, n,
                                  ratchet::make_dh_key(signed_prekey_type(p), fmt::format("{} signed prekey", label),
                                                       p.ratchet_id(d.spk.key.public_key), d.spk.key),
                                  backup_);
      for (const auto& [kid, k] : d.opks)
        d.opk_files.emplace(kid, storage_.write(ctx, n,
                                                ratchet::make_dh_key(one_time_prekey_type(p),
                                                                     fmt::format("{} one-time prekey #{}", label, kid),
                                                                     one_time_prekey_id(p, k.key.public_key), k.key),
                                                backup_));

      // Registration: the public bundle goes to the server.
      Bytes bundle;
      append_framed(bundle, id.dh.public_key);
      append_framed(bundle, id.sign.public_key);
      append_framed(bundle, d.spk.key.public_key);
      append_framed(bundle, d.spk.signature);
      d.bundle_on_server =
          make_key(p.name("prekey-bundle"),
                   fmt::format("{} prekey bundle: identity key, signed prekey, signature (public)", label),
                   make_key_id(p.name("bundle"), bundle), SecretBytes(), bundle);
      ctx.transmit(n, server_, d.bundle_on_server);
      ctx.store(server_, d.bundle_on_server);
      for (const auto& [kid, k] : d.opks) {
        auto pub =
            make_key(p.name("public-one-time-prekey"), fmt::format("{} one-time prekey #{} (public)", label, kid),
                     make_key_id(p.name("public-one-time-prekey"), k.key.public_key), SecretBytes(), k.key.public_key);
        ctx.transmit(n, server_, pub);
        ctx.store(server_, pub);
        d.opks_on_server.emplace(kid, std::move(pub));
      }
      devices_.emplace(n, std::move(d));
    }
  }
}

std::optional<ratchet::KeyAgreement::Started> X3dhAgreement::initiate(Context& ctx, NodeId from_node, NodeId to_node) {
  const Device& from = devices_.at(from_node);
  Device& to = devices_.at(to_node);
  const std::string& from_label = ctx.world().node(from_node).label;
  const std::string& to_label = ctx.world().node(to_node).label;
  // Alice fetches Bob's device bundle; the server hands out one one-time
  // prekey and deletes it.
  ctx.transmit(server_, from_node, to.bundle_on_server);
  const IdentityKey& theirs = *to.identity;
  PreKeyBundle bundle{theirs.dh.public_key, theirs.sign.public_key, to.spk.id, to.spk.key.public_key,
                      to.spk.signature,     std::nullopt,           {}};
  if (!to.opks_on_server.empty()) {
    auto it = to.opks_on_server.begin();
    ctx.transmit(server_, from_node, it->second);
    ctx.remove(server_, it->second);
    bundle.one_time_prekey_id = it->first;
    bundle.one_time_prekey = to.opks.at(it->first).key.public_key;
    to.opks_on_server.erase(it);
  }
  Rng& rng = ctx.rng();
  const IdentityKey& ours = *from.identity;
  auto init = x3dh_initiate(rng, ours, bundle);
  if (!init) {
    ctx.note(fmt::format("{} rejected the prekey bundle of {}: bad signature", from_label, to_label));
    return std::nullopt;
  }
  PreKeyPart part{ours.dh.public_key, init->ephemeral_key, theirs.dh.public_key, to.spk.key.public_key,
                  bundle.one_time_prekey};
  ratchet::Session session = ratchet::Session::initiate(protocol_.kdf(), rng, std::move(init->shared_secret),
                                                        init->associated, init->ephemeral_key, to.spk.key.public_key);
  return Started{std::move(session),
                 make_prekey_message(protocol_, fmt::format("from {} to {}", from_label, to_label), part)};
}

// A PreKeySignalMessage: run X3DH as Bob. The one-time prekey is deleted
// once the message has decrypted (confirm()), as libsignal does.
std::optional<ratchet::KeyAgreement::Accepted> X3dhAgreement::accept(Context& ctx, NodeId at_node, NodeId,
                                                                     const ArtifactPtr& initial, int message_id) {
  Device& at = devices_.at(at_node);
  const auto part = PreKeyPart::decode(initial->data);
  if (!part) return std::nullopt;
  std::optional<std::uint32_t> opk_id;
  for (const auto& [kid, k] : at.opks)
    if (!part->one_time_prekey.empty() && k.key.public_key == part->one_time_prekey) opk_id = kid;
  if (!part->one_time_prekey.empty() && !opk_id) {
    ctx.note(fmt::format("message {} was not readable on {}: its one-time prekey is gone", message_id,
                         ctx.world().node(at_node).label));
    return std::nullopt;
  }
  std::vector<ArtifactPtr> keys{storage_.read(ctx, at.identity_file), storage_.read(ctx, at.spk_file)};
  if (opk_id) keys.push_back(storage_.read(ctx, at.opk_files.at(*opk_id)));
  for (const auto& k : keys)
    if (!k) throw std::logic_error("X3DH: a device could not read its own prekeys");
  const auto root = ctx.open(at_node, initial, keys);
  if (root.size() != 1) return std::nullopt;
  return Accepted{
      ratchet::Session::respond(protocol_.kdf(), root.front()->secret.clone(),
                                x3dh_associated(part->initiator_identity, at.identity->dh.public_key),
                                part->base_key, {at.spk.key.public_key, at.spk.key.secret.clone()}),
      root.front()};
}

void X3dhAgreement::confirm(Context& ctx, NodeId at_node, const ArtifactPtr& initial) {
  Device& at = devices_.at(at_node);
  const auto part = PreKeyPart::decode(initial->data);
  if (!part || part->one_time_prekey.empty()) return;
  for (const auto& [kid, k] : at.opks) {
    if (k.key.public_key != part->one_time_prekey) continue;
    storage_.erase(ctx, at.opk_files.at(kid));
    at.opk_files.erase(kid);
    at.opks.erase(kid);
    return;
  }
}

ByteView X3dhAgreement::first_ratchet_public(NodeId at) const { return devices_.at(at).spk.key.public_key; }

ArtifactPtr X3dhAgreement::first_ratchet_key(Context& ctx, NodeId at) {
  return storage_.read(ctx, devices_.at(at).spk_file);
}

}  // namespace msgsim::signal
