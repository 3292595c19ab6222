#include "msgsim/evidence.h"

#include <functional>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <unordered_set>

namespace msgsim {

KeyId make_key_id(std::string_view domain, ByteView public_material) {
  // 15 of the digest's 16 bytes (120 bits: still no collision in any run):
  // an id then fits in std::string's inline buffer, and the run's millions
  // of ids and needs cost no allocation each.
  const Bytes d = crypto::digest16(domain, public_material);
  static_assert(kKeyIdSize <= 15);
  return KeyId(d.begin(), d.begin() + kKeyIdSize);
}

std::string short_id(const KeyId& id) {
  const ByteView v(reinterpret_cast<const std::uint8_t*>(id.data()), std::min<std::size_t>(id.size(), 4));
  return hex(v);
}

std::string_view intern_type(std::string_view type) {
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  static std::shared_mutex mutex;
  static std::unordered_set<std::string, Hash, std::equal_to<>> types;  // nodes never move
  {
    std::shared_lock lock(mutex);
    if (auto it = types.find(type); it != types.end()) return *it;
  }
  std::unique_lock lock(mutex);
  return *types.emplace(type).first;
}

ArtifactPtr make_key(std::string_view type, std::string label, KeyId id, SecretBytes secret, Bytes public_data) {
  auto a = std::make_shared<Artifact>();
  a->kind = ArtifactKind::kKey;
  a->type = intern_type(type);
  a->label = std::move(label);
  a->key_id = std::move(id);
  a->secret = std::move(secret);
  a->data = std::move(public_data);
  return a;
}

ArtifactPtr make_sealed(std::string_view type, std::string label, std::vector<KeyId> needs, Bytes ciphertext) {
  if (needs.empty()) throw std::invalid_argument("make_sealed: a sealed artifact needs at least one key");
  auto a = std::make_shared<Artifact>();
  a->kind = ArtifactKind::kSealed;
  a->type = intern_type(type);
  a->label = std::move(label);
  a->needs = std::move(needs);
  a->data = std::move(ciphertext);
  return a;
}

ArtifactPtr make_plaintext(std::string label, int message_id, std::string text) {
  auto a = std::make_shared<Artifact>();
  a->kind = ArtifactKind::kPlaintext;
  a->type = "plaintext";
  a->label = std::move(label);
  a->message_id = message_id;
  a->data = to_bytes(text);
  return a;
}

void OpenerRegistry::add(std::string type, Opener opener) {
  if (!openers_.emplace(type, std::move(opener)).second)
    throw std::logic_error("OpenerRegistry: two openers for type " + type);
}

const Opener* OpenerRegistry::find(std::string_view type) const {
  auto it = openers_.find(std::string(type));
  return it == openers_.end() ? nullptr : &it->second;
}

}  // namespace msgsim
