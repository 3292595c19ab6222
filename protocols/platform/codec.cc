#include "protocols/platform/codec.h"

#include <optional>
#include <string>

namespace msgsim::platform {

namespace {

// The encoding is compact (a file on a device is one of millions in a large
// run): numbers and lengths are LEB128 varints, not fixed-width fields.
void put_varint(Bytes& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

void put_field(Bytes& out, ByteView field) {
  put_varint(out, field.size());
  out.insert(out.end(), field.begin(), field.end());
}

class VarintReader {
 public:
  explicit VarintReader(ByteView in) : in_(in) {}
  std::optional<std::uint64_t> varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ == in_.size()) return std::nullopt;
      const std::uint8_t b = in_[pos_++];
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return std::nullopt;
  }
  std::optional<ByteView> field() {
    const auto n = varint();
    if (!n || *n > in_.size() - pos_) return std::nullopt;
    const ByteView out = in_.subspan(pos_, static_cast<std::size_t>(*n));
    pos_ += static_cast<std::size_t>(*n);
    return out;
  }
  bool done() const { return pos_ == in_.size(); }

 private:
  ByteView in_;
  std::size_t pos_ = 0;
};

std::string as_string(ByteView b) { return std::string(b.begin(), b.end()); }

}  // namespace

Bytes encode_artifact(const Artifact& a) {
  Bytes out;
  out.reserve(16 + a.type.size() + a.label.size() + a.key_id.size() + a.needs.size() * (kKeyIdSize + 1) +
              a.data.size() + a.secret.size());
  put_varint(out, static_cast<std::uint64_t>(a.kind));
  put_field(out, to_bytes(a.type));
  put_field(out, to_bytes(a.label));
  put_field(out, a.key_id.bytes());
  put_varint(out, a.needs.size());
  for (const KeyId& id : a.needs) put_field(out, id.bytes());
  put_field(out, a.data);
  put_field(out, a.secret.view());
  put_varint(out, static_cast<std::uint64_t>(static_cast<std::uint32_t>(a.message_id)));
  return out;
}

ArtifactPtr decode_artifact(ByteView bytes) {
  VarintReader r(bytes);
  auto a = std::make_shared<Artifact>();
  auto kind = r.varint();
  auto type = r.field();
  auto label = r.field();
  auto key_id = r.field();
  auto needs = r.varint();
  if (!kind || *kind > 2 || !type || !label || !key_id || key_id->size() > kKeyIdSize || !needs || *needs > 64)
    return nullptr;
  for (std::uint64_t i = 0; i < *needs; ++i) {
    auto id = r.field();
    if (!id || id->size() > kKeyIdSize) return nullptr;
    a->needs.push_back(KeyId::from(*id));
  }
  auto data = r.field();
  auto secret = r.field();
  auto message_id = r.varint();
  if (!data || !secret || !message_id || *message_id > UINT32_MAX || !r.done()) return nullptr;
  a->kind = static_cast<ArtifactKind>(*kind);
  a->type = intern_type(as_string(*type));
  a->label = as_string(*label);
  a->key_id = KeyId::from(*key_id);
  a->data.assign(data->begin(), data->end());
  a->secret = SecretBytes(Bytes(secret->begin(), secret->end()));
  a->message_id = static_cast<int>(static_cast<std::uint32_t>(*message_id));
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
