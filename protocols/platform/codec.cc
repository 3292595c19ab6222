#include "protocols/platform/codec.h"

#include <optional>
#include <string>

namespace msgsim::platform {

namespace {

// The encoding is compact (a file on a device is one of millions in a large
// run): numbers and lengths are LEB128 varints (append_varint), not
// fixed-width fields.
void put_field(Bytes& out, ByteView field) {
  append_varint(out, field.size());
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
  std::size_t left() const { return in_.size() - pos_; }

 private:
  ByteView in_;
  std::size_t pos_ = 0;
};

// What an envelope's AEAD authenticates besides the ciphertext: its type
// and its public header.
Bytes associated_data(std::string_view type, ByteView header) {
  Bytes out = to_bytes(type);
  out.insert(out.end(), header.begin(), header.end());
  return out;
}

// The label travels inside the encoding unless `label_outside`: then the
// envelope's public header says where it is in the envelope's own label.
Bytes encode(const Artifact& a, bool label_outside) {
  Bytes out;
  out.reserve(16 + a.type.size() + a.label.size() + a.key_id.size() + a.needs.size() * (kKeyIdSize + 1) +
              a.data.size() + a.secret.size());
  append_varint(out, static_cast<std::uint64_t>(a.kind));
  put_field(out, to_bytes(a.type));
  if (!label_outside) put_field(out, to_bytes(a.label.str()));
  put_field(out, a.key_id.bytes());
  append_varint(out, a.needs.size());
  for (const KeyId& id : a.needs) put_field(out, id.bytes());
  put_field(out, a.data);
  put_field(out, a.secret.view());
  append_varint(out, static_cast<std::uint64_t>(static_cast<std::uint32_t>(a.message_id)));
  return out;
}

// `outside_label`: the label, when the encoding does not carry it.
ArtifactPtr decode(ByteView bytes, std::optional<std::string_view> outside_label) {
  VarintReader r(bytes);
  KeyIds needs_ids;
  auto kind = r.varint();
  auto type = r.field();
  std::optional<std::string> label;
  if (outside_label) {
    label.emplace(*outside_label);
  } else if (const auto inside = r.field()) {
    label = to_string(*inside);
  }
  auto key_id = r.field();
  auto needs = r.varint();
  if (!kind || *kind > 2 || !type || !label || !key_id || key_id->size() > kKeyIdSize || !needs || *needs > 64)
    return nullptr;
  for (std::uint64_t i = 0; i < *needs; ++i) {
    auto id = r.field();
    if (!id || id->size() > kKeyIdSize) return nullptr;
    needs_ids.push_back(KeyId::from(*id));
  }
  auto data = r.field();
  auto secret = r.field();
  auto message_id = r.varint();
  if (!data || !secret || !message_id || *message_id > UINT32_MAX || !r.done()) return nullptr;
  return make_artifact([&](Artifact& a) {
    a.kind = static_cast<ArtifactKind>(*kind);
    a.type = TypeName(to_string(*type));
    a.label = std::move(*label);
    a.key_id = KeyId::from(*key_id);
    a.needs = std::move(needs_ids);
    a.data.assign(data->begin(), data->end());
    a.secret = SecretBytes(Bytes(secret->begin(), secret->end()));
    a.message_id = static_cast<int>(static_cast<std::uint32_t>(*message_id));
  });
}

}  // namespace

Bytes encode_artifact(const Artifact& a) { return encode(a, false); }

ArtifactPtr decode_artifact(ByteView bytes) { return decode(bytes, std::nullopt); }

// An envelope is a public header, then the AEAD ciphertext of the encoded
// content, with the envelope's type and header as associated data. The
// header is one varint: 0 when the content's label is inside the
// ciphertext; else 1 + where the content's label starts in the envelope's
// own label, followed by the label's length. Envelopes usually name what
// they hold ("encrypted file on bob's iPhone (bob's iPhone message key
// ...)"): the label, which is explanation text and never secret, is then not
// stored a second time inside the ciphertext (a large run holds millions of
// envelopes).
std::vector<ArtifactPtr> open_aead_envelope(const Artifact& sealed, std::span<const Artifact* const> keys) {
  if (keys.size() != 1 || keys[0]->kind != ArtifactKind::kKey) return {};
  VarintReader header(sealed.data);
  const auto at = header.varint();
  if (!at) return {};
  const auto length = *at != 0 ? header.varint() : std::optional<std::uint64_t>(0);
  if (!length) return {};
  const ByteView data(sealed.data);
  const std::size_t header_size = data.size() - header.left();
  auto plain = crypto::aead_decrypt(keys[0]->secret, data.subspan(header_size),
                                    associated_data(sealed.type, data.first(header_size)));
  if (!plain) return {};
  // The content's label is spelled out of the envelope's only once it opened.
  std::optional<std::string> label;
  if (*at != 0) {
    const std::string outer = sealed.label.str();
    if (*at - 1 > outer.size() || *length > outer.size() - (*at - 1)) return {};
    label = outer.substr(static_cast<std::size_t>(*at - 1), static_cast<std::size_t>(*length));
  }
  ArtifactPtr inner = decode(*plain, label);
  if (!inner) return {};
  return {inner};
}

ArtifactPtr seal_envelope(Rng& rng, const Artifact& key, const Artifact& content, std::string type,
                          std::string label) {
  const std::size_t at = content.label.empty() ? std::string::npos : label.find(content.label.str());
  Bytes data;
  if (at == std::string::npos) {
    append_varint(data, 0);
  } else {
    append_varint(data, at + 1);
    append_varint(data, content.label.size());
  }
  const Bytes ct =
      crypto::aead_encrypt(rng, key.secret, encode(content, at != std::string::npos), associated_data(type, data));
  data.insert(data.end(), ct.begin(), ct.end());
  return make_sealed(std::move(type), std::move(label), {key.key_id}, std::move(data));
}

}  // namespace msgsim::platform
