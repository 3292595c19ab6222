#include "msgsim/evidence.h"

#include "numbering.h"
#include "phrases.h"

#include <atomic>
#include <cstring>
#include <functional>
#include <ostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace msgsim {

using phrases::get_varint;


Label::Label(std::string_view text) {
  if (text.empty()) return;
  thread_local std::string tokens;
  tokens.clear();
  phrases::encode(text, tokens);
  std::string head;
  append_varint(head, text.size());
  append_varint(head, tokens.size());
  data_ = new unsigned char[head.size() + tokens.size()];
  std::memcpy(data_, head.data(), head.size());
  std::memcpy(data_ + head.size(), tokens.data(), tokens.size());
}

std::size_t Label::allocation_size() const {
  const unsigned char* p = data_;
  get_varint(p);
  const std::uint64_t tokens = get_varint(p);
  return static_cast<std::size_t>(p - data_) + static_cast<std::size_t>(tokens);
}

Label::Label(const Label& other) {
  if (other.data_ == nullptr) return;
  const std::size_t n = other.allocation_size();
  data_ = new unsigned char[n];
  std::memcpy(data_, other.data_, n);
}

Label& Label::operator=(const Label& other) {
  if (this != &other) *this = Label(other);
  return *this;
}

Label& Label::operator=(Label&& other) noexcept {
  if (this != &other) {
    delete[] data_;
    data_ = std::exchange(other.data_, nullptr);
  }
  return *this;
}

Label::~Label() { delete[] data_; }

std::size_t Label::size() const {
  if (data_ == nullptr) return 0;
  const unsigned char* p = data_;
  return static_cast<std::size_t>(get_varint(p));
}

void Label::append_to(std::string& out) const {
  if (data_ == nullptr) return;
  const unsigned char* p = data_;
  get_varint(p);  // the text's length
  const std::uint64_t n = get_varint(p);
  phrases::decode(std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)), out);
}

std::string Label::str() const {
  std::string out;
  out.reserve(size());
  append_to(out);
  return out;
}

bool operator==(const Label& a, const Label& b) {
  if (a.data_ == nullptr || b.data_ == nullptr) return a.data_ == b.data_;
  const std::size_t n = a.allocation_size();
  return n == b.allocation_size() && std::memcmp(a.data_, b.data_, n) == 0;
}

std::ostream& operator<<(std::ostream& out, const Label& label) { return out << label.str(); }

KeyId KeyId::from(ByteView bytes) {
  KeyId id;
  id.size_ = static_cast<std::uint8_t>(std::min(bytes.size(), kKeyIdSize));
  std::copy_n(bytes.begin(), id.size_, id.bytes_.begin());
  return id;
}

std::size_t KeyIdHash::operator()(const KeyId& id) const noexcept {
  // The bytes are a digest already: the first eight are as good as any hash.
  std::uint64_t h = id.size();
  for (std::size_t i = 0; i < std::min<std::size_t>(id.size(), 8); ++i) h = (h << 8) | id.bytes()[i];
  return static_cast<std::size_t>(h ^ (h >> 29));
}

KeyId make_key_id(std::string_view domain, ByteView public_material) {
  return KeyId::from(crypto::digest16(domain, public_material));
}

KeyIds::KeyIds(std::span<const KeyId> ids) : size_(static_cast<std::uint32_t>(ids.size())) {
  if (ids.size() > UINT32_MAX) throw std::length_error("too many key ids");
  if (size_ == 1) {
    one_ = ids[0];
  } else if (size_ > 1) {
    many_ = new KeyId[size_];
    std::copy(ids.begin(), ids.end(), many_);
  }
}

KeyIds& KeyIds::operator=(const KeyIds& other) {
  if (this != &other) *this = KeyIds(other);
  return *this;
}

KeyIds::KeyIds(KeyIds&& other) noexcept { take(other); }

KeyIds& KeyIds::operator=(KeyIds&& other) noexcept {
  if (this != &other) {
    free_many();
    take(other);
  }
  return *this;
}

KeyIds::~KeyIds() { free_many(); }

void KeyIds::free_many() noexcept {
  if (size_ > 1) delete[] many_;
}

void KeyIds::take(KeyIds& other) noexcept {
  size_ = std::exchange(other.size_, 0);
  if (size_ <= 1) one_ = other.one_;
  else many_ = other.many_;
  other.one_ = KeyId();
}

void KeyIds::push_back(const KeyId& id) {
  std::vector<KeyId> all(begin(), end());
  all.push_back(id);
  *this = KeyIds(all);
}

std::string short_id(const KeyId& id) { return hex(id.bytes().first(std::min<std::size_t>(id.size(), 4))); }

namespace {
const std::string& interned(std::string_view type) {
  // Each thread remembers the names it used (views of the process's copies,
  // which never move): the mutex is taken for a name new to this thread only.
  thread_local std::unordered_map<std::string_view, const std::string*> known;
  if (const auto it = known.find(type); it != known.end()) return *it->second;
  static std::mutex mutex;
  static std::unordered_set<std::string, StringHash, std::equal_to<>> types;  // nodes never move
  std::lock_guard lock(mutex);
  const std::string& name = *types.emplace(type).first;
  known.emplace(name, &name);
  return name;
}
}  // namespace

TypeName::TypeName(std::string_view name) : name_(&interned(name)) {}


ArtifactPtr make_artifact(const std::function<void(Artifact&)>& fill) {
  auto a = std::make_shared<Numbered>();
  fill(*a);
  return a;
}

ArtifactPtr make_key(std::string_view type, Label label, KeyId id, SecretBytes secret, Bytes public_data) {
  auto a = std::make_shared<Numbered>();
  a->kind = ArtifactKind::kKey;
  a->type = TypeName(type);
  a->label = std::move(label);
  a->key_id = std::move(id);
  a->secret = std::move(secret);
  a->data = std::move(public_data);
  return a;
}

ArtifactPtr make_sealed(std::string_view type, Label label, KeyIds needs, Bytes ciphertext) {
  if (needs.empty()) throw std::invalid_argument("make_sealed: a sealed artifact needs at least one key");
  auto a = std::make_shared<Numbered>();
  a->kind = ArtifactKind::kSealed;
  a->type = TypeName(type);
  a->label = std::move(label);
  a->needs = std::move(needs);
  a->data = std::move(ciphertext);
  return a;
}

ArtifactPtr make_plaintext(Label label, int message_id, std::string text) {
  auto a = std::make_shared<Numbered>();
  a->kind = ArtifactKind::kPlaintext;
  a->type = TypeName("plaintext");
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
  auto it = openers_.find(type);
  return it == openers_.end() ? nullptr : &it->second;
}

}  // namespace msgsim
