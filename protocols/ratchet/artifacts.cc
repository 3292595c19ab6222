#include "protocols/ratchet/artifacts.h"

#include <fmt/format.h>

namespace msgsim::ratchet {
namespace {

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

// The message bytes, without a signing app's signature; nullopt when too short.
std::optional<ByteView> wire_bytes(const Protocol& p, ByteView bytes) {
  if (!p.signed_messages()) return bytes;
  if (bytes.size() < crypto::kSignatureSize) return std::nullopt;
  return bytes.first(bytes.size() - crypto::kSignatureSize);
}

}  // namespace

Protocol::Protocol(Options o)
    : prefix_(o.prefix),
      app_(o.app),
      message_noun_(o.message_noun),
      kdf_(o.kdf),
      signed_messages_(o.signed_messages),
      header_type_(name("ratchet-header")),
      message_type_(name("message")),
      root_key_type_(name("root-key")),
      ratchet_key_type_(name("ratchet-key")),
      chain_key_type_(name("chain-key")),
      message_key_type_(name("message-key")),
      ratchet_domain_(name("ratchet")),
      root_domain_(name("root")),
      chain_domain_(name("chain")) {}

std::string Protocol::name(std::string_view what) const { return fmt::format("{}.{}", prefix_, what); }

KeyId Protocol::ratchet_id(ByteView p) const { return make_key_id(ratchet_domain_, p); }
KeyId Protocol::root_id(ByteView p) const { return make_key_id(root_domain_, p); }
KeyId Protocol::chain_id(ByteView p) const { return make_key_id(chain_domain_, p); }

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

bool signature_holds(ByteView message_bytes, ByteView signer_public) {
  if (message_bytes.size() < crypto::kSignatureSize) return false;
  const std::size_t signed_size = message_bytes.size() - crypto::kSignatureSize;
  return crypto::verify(signer_public, message_bytes.first(signed_size), message_bytes.subspan(signed_size));
}

ArtifactPtr make_ratchet_header(const Protocol& p, std::string chain, const HeaderPart& part) {
  return make_sealed(p.header_type(), std::string(kHeaderPrefix) + chain,
                     {p.root_id(part.root_name), p.ratchet_id(part.receiver_ratchet_key)}, part.encode());
}

ArtifactPtr make_message(const Protocol& p, std::string label, const WireMessage& message, Bytes bytes) {
  return make_sealed(p.message_type(), std::move(label), {p.chain_id(message.header.ratchet_key)}, std::move(bytes));
}

ArtifactPtr make_chain_key(const Protocol& p, std::string label, ByteView sender_ratchet_public,
                           const ChainKey& chain) {
  return make_key(p.chain_key_type(), std::move(label), p.chain_id(sender_ratchet_public), chain.key.clone(),
                  index_bytes(chain.index));
}

ArtifactPtr make_message_key(const Protocol& p, std::string label, ByteView sender_ratchet_public, std::uint32_t index,
                             SecretBytes key) {
  return make_key(p.message_key_type(), std::move(label), p.chain_id(sender_ratchet_public), std::move(key),
                  index_bytes(index));
}

ArtifactPtr make_root_key(const Protocol& p, std::string label, ByteView root_name, SecretBytes key) {
  return make_key(p.root_key_type(), std::move(label), p.root_id(root_name), std::move(key));
}

ArtifactPtr make_dh_key(std::string_view type, std::string label, KeyId id, const crypto::DhKeyPair& key) {
  return make_key(type, std::move(label), std::move(id), key.secret.clone(), key.public_key);
}

std::vector<ArtifactPtr> open_header_artifact(const Protocol& p, const Artifact& sealed,
                                              std::span<const Artifact* const> keys) {
  auto part = HeaderPart::decode(sealed.data);
  if (!part || keys.size() != 2 || keys[0]->secret.size() != crypto::kKeySize ||
      !is_private_of(keys[1], part->receiver_ratchet_key))
    return {};
  auto dh = crypto::dh(keys[1]->secret, part->sender_ratchet_key);
  if (!dh) return {};
  RootStep step = root_step(p.kdf(), keys[0]->secret, *dh);
  const std::string chain = after_prefix(sealed.label.str(), kHeaderPrefix);
  return {
      make_chain_key(p, fmt::format("chain key of {}, n=0 (DH ratchet step)", chain), part->sender_ratchet_key,
                     step.chain),
      make_root_key(p, fmt::format("root key after {}", chain), part->sender_ratchet_key, std::move(step.root_key))};
}

std::vector<ArtifactPtr> open_message_artifact(const Protocol& p, const Artifact& sealed,
                                               std::span<const Artifact* const> keys) {
  if (keys.size() != 1 || keys[0]->secret.size() != crypto::kKeySize) return {};
  const Artifact& key = *keys[0];
  const auto index = read_index(key.data);
  const auto n = WireMessage::peek_counter(sealed.data);
  if (!index || !n) return {};
  // Every key of a chain answers to the chain's id, so most keys offered to a
  // message are for other positions: refuse them before decoding anything
  // (the same refusals as message_key_at and the index check below).
  const bool chain_key = key.type == p.chain_key_type();
  const bool reaches = chain_key ? *n >= *index : key.type == p.message_key_type() && *index == *n;
  if (!reaches) return {};
  const auto wire = wire_bytes(p, sealed.data);
  if (!wire) return {};
  auto message = WireMessage::decode(*wire);
  if (!message) return {};
  std::optional<SecretBytes> mk;
  if (chain_key) {
    // Derive forward from the chain key's index, as far as the message is:
    // the app's forward-jump cap bounds its own work, not its adversaries'.
    mk = message_key_at(p.kdf(), ChainKey{key.secret.clone(), *index}, message->header.n);
  } else if (*index == message->header.n) {
    mk = key.secret.clone();
  }
  if (!mk) return {};
  auto plaintext = open_message(*mk, *message);
  if (!plaintext) return {};
  auto envelope = decode_envelope(*plaintext);
  if (!envelope) return {};
  return {make_plaintext(fmt::format("text of {}", sealed.label), envelope->first, std::move(envelope->second))};
}

void register_openers(OpenerRegistry& registry, const Protocol& p) {
  registry.add(p.header_type(), [&p](const Artifact& sealed, std::span<const Artifact* const> keys) {
    return open_header_artifact(p, sealed, keys);
  });
  registry.add(p.message_type(), [&p](const Artifact& sealed, std::span<const Artifact* const> keys) {
    return open_message_artifact(p, sealed, keys);
  });
}

}  // namespace msgsim::ratchet
