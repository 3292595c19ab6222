#include "msgsim/evidence.h"

#include <array>
#include <atomic>
#include <cstring>
#include <functional>
#include <ostream>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>

namespace msgsim {

namespace {

// The dictionary of the stretches of label text without digits, shared by
// every label of the process (a few thousand entries in a large run: the
// phrases of the models around node names). Ids are handed out under a
// mutex; spelling an id back reads the table without one: an id reaches a
// thread only after the entry was written (through this mutex, or with the
// label that holds it), and entries never move.
class LabelWords {
 public:
  static LabelWords& get() {
    static LabelWords words;
    return words;
  }
  LabelWords() = default;

  std::uint32_t id(std::string_view run) {
    struct Hash {
      using is_transparent = void;
      std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    // Each thread remembers the ids it used: the mutex is taken for a phrase
    // new to this thread only.
    thread_local std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> known;
    if (const auto it = known.find(run); it != known.end()) return it->second;
    std::lock_guard lock(mutex_);
    auto [it, added] = ids_.try_emplace(std::string(run), next_);
    if (added) {
      if (next_ >> kChunkBits >= kChunks) throw std::length_error("too many distinct phrases in labels");
      auto& chunk = chunks_[next_ >> kChunkBits];
      if (chunk.load(std::memory_order_relaxed) == nullptr)
        chunk.store(new std::atomic<const std::string*>[kChunk](), std::memory_order_release);
      chunk.load(std::memory_order_relaxed)[next_ & kMask].store(&it->first, std::memory_order_release);
      ++next_;
    }
    known.emplace(it->first, it->second);
    return it->second;
  }

  ~LabelWords() {
    for (auto& chunk : chunks_) delete[] chunk.load();
  }
  LabelWords(const LabelWords&) = delete;
  LabelWords& operator=(const LabelWords&) = delete;

  std::string_view text(std::uint32_t id) const {
    const auto* chunk = chunks_[id >> kChunkBits].load(std::memory_order_acquire);
    if (chunk == nullptr) throw std::logic_error("a label names a phrase that does not exist");
    const std::string* s = chunk[id & kMask].load(std::memory_order_acquire);
    if (s == nullptr) throw std::logic_error("a label names a phrase that does not exist");
    return *s;
  }

 private:
  static constexpr std::uint32_t kChunkBits = 12;
  static constexpr std::uint32_t kChunk = 1u << kChunkBits;
  static constexpr std::uint32_t kMask = kChunk - 1;
  static constexpr std::uint32_t kChunks = 1u << 16;  // 268 million phrases at most

  std::mutex mutex_;
  std::unordered_map<std::string, std::uint32_t> ids_;  // nodes never move: entries point to their keys
  std::uint32_t next_ = 0;
  std::array<std::atomic<std::atomic<const std::string*>*>, kChunks> chunks_{};
};

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>(static_cast<unsigned char>(v | 0x80));
    v >>= 7;
  }
  out += static_cast<char>(static_cast<unsigned char>(v));
}

std::uint64_t get_varint(const unsigned char*& p) {
  std::uint64_t v = 0;
  for (int shift = 0;; shift += 7) {
    const unsigned char b = *p++;
    v |= std::uint64_t{b & 0x7Fu} << shift;
    if ((b & 0x80u) == 0) return v;
  }
}

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
// Digit runs are cut in pieces of at most this many digits (a value below
// 10^12 < 2^40, with the count in 4 bits and the kind in 1).
constexpr std::size_t kMaxDigits = 12;

}  // namespace

Label::Label(std::string_view text) {
  if (text.empty()) return;
  // Tokens: 2 x id for a phrase, 2 x (value x 16 + digits) + 1 for digits
  // (the count keeps leading zeros).
  thread_local std::string tokens;
  tokens.clear();
  for (std::size_t i = 0; i < text.size();) {
    std::size_t j = i;
    if (is_digit(text[i])) {
      std::uint64_t value = 0;
      while (j < text.size() && j - i < kMaxDigits && is_digit(text[j])) value = value * 10 + static_cast<std::uint64_t>(text[j++] - '0');
      put_varint(tokens, ((value << 4 | (j - i)) << 1) | 1);
    } else {
      while (j < text.size() && !is_digit(text[j])) ++j;
      put_varint(tokens, std::uint64_t{LabelWords::get().id(text.substr(i, j - i))} << 1);
    }
    i = j;
  }
  std::string head;
  put_varint(head, text.size());
  put_varint(head, tokens.size());
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
  const unsigned char* q = data_;
  get_varint(q);  // the text's length
  const std::uint64_t n = get_varint(q);
  const unsigned char* const end = q + n;
  const LabelWords& words = LabelWords::get();
  while (q < end) {
    const std::uint64_t token = get_varint(q);
    if ((token & 1) == 0) {
      out += words.text(static_cast<std::uint32_t>(token >> 1));
      continue;
    }
    const std::size_t digits = static_cast<std::size_t>((token >> 1) & 15);
    std::uint64_t value = token >> 5;
    char buffer[kMaxDigits];
    for (std::size_t k = digits; k-- > 0;) {
      buffer[k] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    out.append(buffer, digits);
  }
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

std::string short_id(const KeyId& id) { return hex(id.bytes().first(std::min<std::size_t>(id.size(), 4))); }

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

ArtifactPtr make_key(std::string_view type, Label label, KeyId id, SecretBytes secret, Bytes public_data) {
  auto a = std::make_shared<Artifact>();
  a->kind = ArtifactKind::kKey;
  a->type = intern_type(type);
  a->label = std::move(label);
  a->key_id = std::move(id);
  a->secret = std::move(secret);
  a->data = std::move(public_data);
  return a;
}

ArtifactPtr make_sealed(std::string_view type, Label label, std::vector<KeyId> needs, Bytes ciphertext) {
  if (needs.empty()) throw std::invalid_argument("make_sealed: a sealed artifact needs at least one key");
  auto a = std::make_shared<Artifact>();
  a->kind = ArtifactKind::kSealed;
  a->type = intern_type(type);
  a->label = std::move(label);
  a->needs = std::move(needs);
  a->data = std::move(ciphertext);
  return a;
}

ArtifactPtr make_plaintext(Label label, int message_id, std::string text) {
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
