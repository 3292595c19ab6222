#include "protocols/imessage/pq3.h"

#include <fmt/format.h>

#include <stdexcept>

namespace msgsim::imessage {
namespace {

constexpr std::string_view kSessionPrefix = "initial key establishment of the messages ";

std::string after_prefix(std::string_view label, std::string_view prefix) {
  return std::string(label.substr(0, prefix.size()) == prefix ? label.substr(prefix.size()) : label);
}

ByteView view(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

// What the authentication key signs: the pre-key's public half, tagged.
Bytes prekey_signed_part(ByteView prekey_public) {
  Bytes out = to_bytes("iMessage pre-key");
  append_framed(out, prekey_public);
  return out;
}

// Root key = HKDF-SHA256(salt = zeros, ikm = DH(E, pre-key), info = kInitialInfo).
SecretBytes initial_root(const SecretBytes& dh) {
  const Bytes zero_salt(crypto::kKeySize, 0);
  return SecretBytes(crypto::hkdf_sha256(zero_salt, dh.view(), view(kInitialInfo), crypto::kKeySize));
}

}  // namespace

Bytes sign_prekey(const SecretBytes& auth_secret, ByteView prekey_public) {
  return crypto::sign(auth_secret, prekey_signed_part(prekey_public));
}

std::optional<Initiation> initiate(Rng& rng, ByteView auth_public, ByteView prekey_public, ByteView prekey_signature) {
  if (!crypto::verify(auth_public, prekey_signed_part(prekey_public), prekey_signature)) return std::nullopt;
  crypto::DhKeyPair e = crypto::dh_keypair(rng);
  const auto dh = crypto::dh(e.secret, prekey_public);
  if (!dh) return std::nullopt;
  // E's private half is wiped here, when `e` goes out of scope.
  return Initiation{initial_root(*dh), e.public_key};
}

std::optional<SecretBytes> respond(const SecretBytes& prekey_secret, ByteView ephemeral_key) {
  const auto dh = crypto::dh(prekey_secret, ephemeral_key);
  if (!dh) return std::nullopt;
  return initial_root(*dh);
}

Bytes session_associated(ByteView initiator_auth, ByteView responder_auth) {
  Bytes out;
  append_framed(out, initiator_auth);
  append_framed(out, responder_auth);
  return out;
}

const ratchet::Protocol& pq3_protocol() {
  static const ratchet::Protocol p({.prefix = "imessage",
                                    .app = "iMessage",
                                    .message_noun = "iMessage",
                                    .kdf = {kRootInfo, kMessageKeysInfo},
                                    .signed_messages = true});
  return p;
}

Bytes InitialPart::encode() const {
  Bytes out;
  for (const Bytes* f : {&initiator_auth_key, &ephemeral_key, &responder_auth_key, &responder_prekey})
    append_framed(out, *f);
  return out;
}

std::optional<InitialPart> InitialPart::decode(ByteView bytes) {
  Reader r(bytes);
  InitialPart p;
  for (Bytes* f : {&p.initiator_auth_key, &p.ephemeral_key, &p.responder_auth_key, &p.responder_prekey}) {
    auto v = r.framed();
    if (!v) return std::nullopt;
    *f = std::move(*v);
  }
  if (!r.done()) return std::nullopt;
  return p;
}

ArtifactPtr Pq3Agreement::make_initial(std::string session, const InitialPart& part) {
  return make_sealed(kInitialType, std::string(kSessionPrefix) + session,
                     {pq3_protocol().ratchet_id(part.responder_prekey)}, part.encode());
}

std::vector<ArtifactPtr> Pq3Agreement::open_initial(const Artifact& sealed, std::span<const Artifact* const> keys) {
  const auto part = InitialPart::decode(sealed.data);
  if (!part || keys.size() != 1 || !ratchet::is_private_of(keys[0], part->responder_prekey)) return {};
  auto root = imessage::respond(keys[0]->secret, part->ephemeral_key);
  if (!root) return {};
  const std::string session = after_prefix(sealed.label.str(), kSessionPrefix);
  return {ratchet::make_root_key(pq3_protocol(),
                                 fmt::format("first root key of the session {} (PQ3 initial key establishment, "
                                             "its ECDH part)",
                                             session),
                                 part->ephemeral_key, std::move(*root))};
}

void Pq3Agreement::register_openers(OpenerRegistry& registry) {
  registry.add(kInitialType, open_initial);
  ratchet::register_openers(registry, pq3_protocol());
}

void Pq3Agreement::register_device(Context& ctx, NodeId device) {
  const std::string& label = ctx.world().node(device).label;
  const NodeId apple = *ctx.world().server("apple");
  Enclave e{crypto::sign_keypair(ctx.rng()), crypto::dh_keypair(ctx.rng()), nullptr, {}, nullptr};
  e.prekey_key = ratchet::make_dh_key(kPreKeyType, fmt::format("{}'s pre-key (in its Secure Enclave)", label),
                                      pq3_protocol().ratchet_id(e.prekey.public_key), e.prekey);
  e.prekey_signature = sign_prekey(e.auth.secret, e.prekey.public_key);
  Bytes published;
  append_framed(published, e.auth.public_key);
  append_framed(published, e.prekey.public_key);
  append_framed(published, e.prekey_signature);
  e.registration = make_key(kRegistrationType,
                            fmt::format("{} IDS registration: authentication key, pre-key, signature (public)", label),
                            make_key_id("imessage.ids-registration", published), SecretBytes(), published);
  ctx.transmit(device, apple, e.registration);
  ctx.store(apple, e.registration);
  devices_.emplace(device, std::move(e));
}

std::optional<ratchet::KeyAgreement::Started> Pq3Agreement::initiate(Context& ctx, NodeId from, NodeId to) {
  const Enclave& ours = devices_.at(from);
  const Enclave& theirs = devices_.at(to);
  const std::string& from_label = ctx.world().node(from).label;
  const std::string& to_label = ctx.world().node(to).label;
  // The sender's device looks the receiving device up in IDS and checks
  // that its authentication key signed the pre-key.
  ctx.transmit(*ctx.world().server("apple"), from, theirs.registration);
  auto init = imessage::initiate(ctx.rng(), theirs.auth.public_key, theirs.prekey.public_key, theirs.prekey_signature);
  if (!init) {
    ctx.note(fmt::format("{} rejected the pre-key of {}: bad signature", from_label, to_label));
    return std::nullopt;
  }
  ratchet::Session session = ratchet::Session::initiate(
      pq3_protocol().kdf(), ctx.rng(), std::move(init->root_key),
      session_associated(ours.auth.public_key, theirs.auth.public_key), init->ephemeral_key, theirs.prekey.public_key);
  return Started{std::move(session), make_initial(fmt::format("from {} to {}", from_label, to_label),
                                                  {ours.auth.public_key, init->ephemeral_key, theirs.auth.public_key,
                                                   theirs.prekey.public_key})};
}

std::optional<ratchet::KeyAgreement::Accepted> Pq3Agreement::accept(Context& ctx, NodeId at, NodeId,
                                                                    const ArtifactPtr& initial, int) {
  const Enclave& mine = devices_.at(at);
  const auto part = InitialPart::decode(initial->data);
  if (!part || part->responder_prekey != mine.prekey.public_key) return std::nullopt;
  // The Secure Enclave does the ECDH with the pre-key: the device gets the
  // result, never the key.
  const auto root = ctx.open(at, initial, {mine.prekey_key});
  if (root.size() != 1) return std::nullopt;
  return Accepted{ratchet::Session::respond(pq3_protocol().kdf(), root.front()->secret.clone(),
                                            session_associated(part->initiator_auth_key, mine.auth.public_key),
                                            part->ephemeral_key, {mine.prekey.public_key, mine.prekey.secret.clone()}),
                  root.front()};
}

ByteView Pq3Agreement::first_ratchet_public(NodeId at) const { return devices_.at(at).prekey.public_key; }

ArtifactPtr Pq3Agreement::first_ratchet_key(Context&, NodeId at) { return devices_.at(at).prekey_key; }

void Pq3Agreement::authenticate(NodeId from, Bytes& message) const {
  const Bytes signature = crypto::sign(devices_.at(from).auth.secret, message);
  message.insert(message.end(), signature.begin(), signature.end());
}

bool Pq3Agreement::authentic(NodeId from, ByteView message) const {
  return ratchet::signature_holds(message, devices_.at(from).auth.public_key);
}

}  // namespace msgsim::imessage
