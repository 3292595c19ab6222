#include "protocols/signal/openers.h"

#include <fmt/format.h>

#include "protocols/signal/x3dh.h"

namespace msgsim::signal {
namespace {

constexpr std::string_view kSessionPrefix = "X3DH part of the first messages ";
constexpr std::string_view kHeaderPrefix = "ratchet header of ";

std::string after_prefix(std::string_view label, std::string_view prefix) {
  return std::string(label.substr(0, prefix.size()) == prefix ? label.substr(prefix.size()) : label);
}

std::optional<std::uint32_t> read_index(ByteView data) {
  Reader r(data);
  auto v = r.u64();
  if (!v || !r.done() || *v > UINT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(*v);
}

Bytes index_bytes(std::uint32_t index) {
  Bytes out;
  append_u64(out, index);
  return out;
}

// The real software looks a private key up by the public key (or prekey id)
// the message names; a key that does not match that public key is not it.
// A key pair is stored with its public half (make_dh_key), as libsignal's
// key records are, so the look-up compares that half and does not redo a
// scalar multiplication per candidate. A record whose halves disagree would
// yield a wrong secret that opens nothing further, like a wrong root key.
bool is_private_of(const Artifact* key, ByteView expected_public) {
  return key && key->secret.size() == crypto::kKeySize && key->data.size() == expected_public.size() &&
         crypto::equal_constant_time(key->data, expected_public);
}

}  // namespace

KeyId identity_id(ByteView p) { return make_key_id("signal.identity", p); }
KeyId identity_signing_id(ByteView p) { return make_key_id("signal.identity-signing", p); }
KeyId ratchet_id(ByteView p) { return make_key_id("signal.ratchet", p); }
KeyId one_time_prekey_id(ByteView p) { return make_key_id("signal.one-time-prekey", p); }
KeyId root_id(ByteView p) { return make_key_id("signal.root", p); }
KeyId chain_id(ByteView p) { return make_key_id("signal.chain", p); }

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

Bytes HeaderPart::encode() const {
  Bytes out;
  for (const Bytes* f : {&sender_ratchet_key, &receiver_ratchet_key, &root_name}) append_framed(out, *f);
  return out;
}

std::optional<HeaderPart> HeaderPart::decode(ByteView bytes) {
  Reader r(bytes);
  HeaderPart h;
  for (Bytes* f : {&h.sender_ratchet_key, &h.receiver_ratchet_key, &h.root_name}) {
    auto v = r.framed();
    if (!v) return std::nullopt;
    *f = std::move(*v);
  }
  if (!r.done()) return std::nullopt;
  return h;
}

Bytes encode_envelope(int message_id, std::string_view text) {
  Bytes out;
  append_u64(out, static_cast<std::uint64_t>(message_id));
  append_framed(out, to_bytes(text));
  return out;
}

std::optional<std::pair<int, std::string>> decode_envelope(ByteView bytes) {
  Reader r(bytes);
  auto id = r.u64();
  auto text = r.framed();
  if (!id || !text || !r.done() || *id > static_cast<std::uint64_t>(INT32_MAX)) return std::nullopt;
  return std::pair{static_cast<int>(*id), msgsim::to_string(*text)};
}

ArtifactPtr make_prekey_message(std::string session, const PreKeyPart& part) {
  std::vector<KeyId> needs{identity_id(part.responder_identity), ratchet_id(part.signed_prekey)};
  if (!part.one_time_prekey.empty()) needs.push_back(one_time_prekey_id(part.one_time_prekey));
  return make_sealed(kPreKeyMessageType, std::string(kSessionPrefix) + session, std::move(needs), part.encode());
}

ArtifactPtr make_ratchet_header(std::string chain, const HeaderPart& part) {
  return make_sealed(kRatchetHeaderType, std::string(kHeaderPrefix) + chain,
                     {root_id(part.root_name), ratchet_id(part.receiver_ratchet_key)}, part.encode());
}

ArtifactPtr make_message(std::string label, const WireMessage& message) {
  return make_sealed(kMessageType, std::move(label), {chain_id(message.header.ratchet_key)}, message.encode());
}

ArtifactPtr make_chain_key(std::string label, ByteView sender_ratchet_public, const ChainKey& chain) {
  return make_key(kChainKeyType, std::move(label), chain_id(sender_ratchet_public), chain.key.clone(),
                  index_bytes(chain.index));
}

ArtifactPtr make_message_key(std::string label, ByteView sender_ratchet_public, std::uint32_t index, SecretBytes key) {
  return make_key(kMessageKeyType, std::move(label), chain_id(sender_ratchet_public), std::move(key),
                  index_bytes(index));
}

ArtifactPtr make_root_key(std::string label, ByteView root_name, SecretBytes key) {
  return make_key(kRootKeyType, std::move(label), root_id(root_name), std::move(key));
}

ArtifactPtr make_dh_key(std::string type, std::string label, KeyId id, const crypto::DhKeyPair& key) {
  return make_key(std::move(type), std::move(label), std::move(id), key.secret.clone(), key.public_key);
}

std::vector<ArtifactPtr> open_prekey_artifact(const Artifact& sealed, std::span<const Artifact* const> keys) {
  auto part = PreKeyPart::decode(sealed.data);
  const bool with_opk = part && !part->one_time_prekey.empty();
  if (!part || keys.size() != (with_opk ? 3u : 2u)) return {};
  if (!is_private_of(keys[0], part->responder_identity) || !is_private_of(keys[1], part->signed_prekey) ||
      (with_opk && !is_private_of(keys[2], part->one_time_prekey)))
    return {};
  auto sk = x3dh_respond(keys[0]->secret, keys[1]->secret, with_opk ? &keys[2]->secret : nullptr,
                         part->initiator_identity, part->base_key);
  if (!sk) return {};
  const std::string session = after_prefix(sealed.label.str(), kSessionPrefix);
  return {
      make_root_key(fmt::format("first root key of the session {} (X3DH)", session), part->base_key, std::move(*sk))};
}

std::vector<ArtifactPtr> open_header_artifact(const Artifact& sealed, std::span<const Artifact* const> keys) {
  auto part = HeaderPart::decode(sealed.data);
  if (!part || keys.size() != 2 || keys[0]->secret.size() != crypto::kKeySize ||
      !is_private_of(keys[1], part->receiver_ratchet_key))
    return {};
  auto dh = crypto::dh(keys[1]->secret, part->sender_ratchet_key);
  if (!dh) return {};
  RootStep step = root_step(keys[0]->secret, *dh);
  const std::string chain = after_prefix(sealed.label.str(), kHeaderPrefix);
  return {make_chain_key(fmt::format("chain key of {}, n=0 (DH ratchet step)", chain), part->sender_ratchet_key,
                         step.chain),
          make_root_key(fmt::format("root key after {}", chain), part->sender_ratchet_key, std::move(step.root_key))};
}

std::vector<ArtifactPtr> open_message_artifact(const Artifact& sealed, std::span<const Artifact* const> keys) {
  if (keys.size() != 1 || keys[0]->secret.size() != crypto::kKeySize) return {};
  const Artifact& key = *keys[0];
  const auto index = read_index(key.data);
  const auto n = WireMessage::peek_counter(sealed.data);
  if (!index || !n) return {};
  // Every key of a chain answers to the chain's id, so most keys offered to a
  // message are for other positions: refuse them before decoding anything
  // (the same refusals as message_key_at and the index check below).
  const bool reaches = key.type == kChainKeyType ? *n >= *index && *n - *index <= kMaxForwardJumps
                                                 : key.type == kMessageKeyType && *index == *n;
  if (!reaches) return {};
  auto message = WireMessage::decode(sealed.data);
  if (!message) return {};
  std::optional<SecretBytes> mk;
  if (key.type == kChainKeyType) {
    // Derive forward from the chain key's index (bounded like the receiver).
    mk = message_key_at(ChainKey{key.secret.clone(), *index}, message->header.n);
  } else if (key.type == kMessageKeyType && *index == message->header.n) {
    mk = key.secret.clone();
  }
  if (!mk) return {};
  auto plaintext = open_message(*mk, *message);
  if (!plaintext) return {};
  auto envelope = decode_envelope(*plaintext);
  if (!envelope) return {};
  return {make_plaintext(fmt::format("text of {}", sealed.label), envelope->first, std::move(envelope->second))};
}

void register_signal_openers(OpenerRegistry& registry) {
  registry.add(kPreKeyMessageType, open_prekey_artifact);
  registry.add(kRatchetHeaderType, open_header_artifact);
  registry.add(kMessageType, open_message_artifact);
}

}  // namespace msgsim::signal
