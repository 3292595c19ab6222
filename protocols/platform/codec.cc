#include "protocols/platform/codec.h"

namespace msgsim::platform {

Bytes encode_artifact(const Artifact& a) {
  Bytes out;
  append_u64(out, static_cast<std::uint64_t>(a.kind));
  append_framed(out, to_bytes(a.type));
  append_framed(out, to_bytes(a.label));
  append_framed(out, to_bytes(a.key_id));
  append_u64(out, a.needs.size());
  for (const KeyId& id : a.needs) append_framed(out, to_bytes(id));
  append_framed(out, a.data);
  append_framed(out, a.secret.view());
  append_u64(out, static_cast<std::uint64_t>(a.message_id));
  return out;
}

ArtifactPtr decode_artifact(ByteView bytes) {
  Reader r(bytes);
  auto a = std::make_shared<Artifact>();
  auto kind = r.u64();
  auto type = r.framed();
  auto label = r.framed();
  auto key_id = r.framed();
  auto needs = r.u64();
  if (!kind || *kind > 2 || !type || !label || !key_id || !needs || *needs > 64) return nullptr;
  for (std::uint64_t i = 0; i < *needs; ++i) {
    auto id = r.framed();
    if (!id) return nullptr;
    a->needs.push_back(to_string(*id));
  }
  auto data = r.framed();
  auto secret = r.framed();
  auto message_id = r.u64();
  if (!data || !secret || !message_id || !r.done()) return nullptr;
  a->kind = static_cast<ArtifactKind>(*kind);
  a->type = intern_type(to_string(*type));
  a->label = to_string(*label);
  a->key_id = to_string(*key_id);
  a->data = std::move(*data);
  a->secret = SecretBytes(std::move(*secret));
  a->message_id = static_cast<int>(*message_id);
  return a;
}

std::vector<ArtifactPtr> open_aead_envelope(const Artifact& sealed, std::span<const Artifact* const> keys) {
  if (keys.size() != 1 || keys[0]->kind != ArtifactKind::kKey) return {};
  auto plain = crypto::aead_decrypt(keys[0]->secret, sealed.data, to_bytes(sealed.type));
  if (!plain) return {};
  ArtifactPtr inner = decode_artifact(*plain);
  if (!inner) return {};
  return {inner};
}

ArtifactPtr seal_envelope(Rng& rng, const Artifact& key, const Artifact& content, std::string type,
                          std::string label) {
  const Bytes ct = crypto::aead_encrypt(rng, key.secret, encode_artifact(content), to_bytes(type));
  return make_sealed(std::move(type), std::move(label), {key.key_id}, ct);
}

}  // namespace msgsim::platform
