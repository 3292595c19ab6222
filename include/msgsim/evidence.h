// msgsim/evidence.h: the bytes that reach somebody, and how they open.
//
// An Artifact is one piece of evidence: a key, a sealed blob (ciphertext that
// needs keys), or a recovered plaintext. Artifacts are immutable and shared
// (ArtifactPtr); the same ciphertext relayed to three actors is one object.
//
// Who can read a message is never declared. Each actor starts from the
// artifacts that reached it and runs the models' Openers (real decryption and
// derivation with libsodium) until nothing new opens. `needs` and `key_id`
// are only an index, the way a real header names the key it was made for: a
// sealed artifact is offered to every key answering to its ids, and only a
// successful decryption produces anything. A wrong hint opens nothing.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "msgsim/crypto.h"

namespace msgsim {

// An opaque key identifier: 15 bytes (120 bits of a digest: no collision in
// any run), held inline in 16 bytes. Models derive it from public material,
// e.g. crypto::digest16 of a public key, or of a chain's ratchet public key.
// A run has millions of ids and needs: no allocation each.
inline constexpr std::size_t kKeyIdSize = 15;
class KeyId {
 public:
  KeyId() = default;  // the empty id (a key that answers to none)
  // The first kKeyIdSize bytes of `bytes` (all of them, if fewer).
  static KeyId from(ByteView bytes);
  ByteView bytes() const { return ByteView(bytes_.data(), size_); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  friend bool operator==(const KeyId& a, const KeyId& b) { return a.size_ == b.size_ && a.bytes_ == b.bytes_; }
  friend bool operator<(const KeyId& a, const KeyId& b) {
    return std::lexicographical_compare(a.bytes_.begin(), a.bytes_.begin() + a.size_, b.bytes_.begin(),
                                        b.bytes_.begin() + b.size_);
  }

 private:
  std::array<std::uint8_t, kKeyIdSize> bytes_{};  // zero past size_, so == can compare them all
  std::uint8_t size_ = 0;
};
static_assert(sizeof(KeyId) == 16);
struct KeyIdHash {
  std::size_t operator()(const KeyId& id) const noexcept;
};
KeyId make_key_id(std::string_view domain, ByteView public_material);

// The ids a sealed artifact needs, in order. Most need one key: that one is
// held inline (24 bytes, like an empty vector, but no allocation); more are
// on the heap.
class KeyIds {
 public:
  KeyIds() = default;
  KeyIds(std::initializer_list<KeyId> ids) : KeyIds(std::span<const KeyId>(ids.begin(), ids.size())) {}
  KeyIds(const std::vector<KeyId>& ids) : KeyIds(std::span<const KeyId>(ids)) {}  // NOLINT: implicit
  explicit KeyIds(std::span<const KeyId> ids);
  KeyIds(const KeyIds& other) : KeyIds(std::span<const KeyId>(other.begin(), other.size())) {}
  KeyIds& operator=(const KeyIds& other);
  KeyIds(KeyIds&& other) noexcept;
  KeyIds& operator=(KeyIds&& other) noexcept;
  ~KeyIds();

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const KeyId* begin() const { return size_ <= 1 ? &one_ : many_; }
  const KeyId* end() const { return begin() + size_; }
  const KeyId& operator[](std::size_t i) const { return begin()[i]; }
  void push_back(const KeyId& id);
  friend bool operator==(const KeyIds& a, const KeyIds& b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

 private:
  void free_many() noexcept;          // the heap array, if any (size_ unchanged)
  void take(KeyIds& other) noexcept;  // other's ids, leaving it empty; ours must be freed
  union {
    KeyId one_{};      // size_ <= 1
    KeyId* many_;      // size_ >= 2: new KeyId[size_]
  };
  std::uint32_t size_ = 0;
};
static_assert(sizeof(void*) != 8 || sizeof(KeyIds) == 24);

// Short printable form for debugging: 8 hex digits.
std::string short_id(const KeyId& id);

// An artifact's label: an immutable string, kept compressed. A run holds
// millions of labels, most of them the same few phrases around node names
// and numbers ("encrypted file on p0001's iPhone (p0001's iPhone sending
// chain key, chain 3, n=17 (session with p0002's iPhone))"), so a label is
// one pointer to a short run of tokens: each stretch of text without digits
// is a number in a dictionary every label shares, each run of digits is
// stored as its value (about a fifth of the text's size). str() and fmt give
// the text back exactly.
class Label {
 public:
  Label() = default;
  Label(std::string_view text);  // NOLINT: implicit, like the string it replaces
  Label(const std::string& text) : Label(std::string_view(text)) {}
  Label(const char* text) : Label(std::string_view(text)) {}
  Label(const Label& other);
  Label& operator=(const Label& other);
  Label(Label&& other) noexcept : data_(std::exchange(other.data_, nullptr)) {}
  Label& operator=(Label&& other) noexcept;
  ~Label();

  std::string str() const;
  void append_to(std::string& out) const;  // the text, added to `out`
  std::size_t size() const;                // of the text
  bool empty() const { return data_ == nullptr; }
  std::size_t find(std::string_view what, std::size_t from = 0) const { return str().find(what, from); }
  // Equal texts have equal tokens: labels compare without being spelled out.
  friend bool operator==(const Label& a, const Label& b);
  friend bool operator==(const Label& a, std::string_view b) { return a.str() == b; }

 private:
  // The text's length and the tokens' length (varints), then the tokens;
  // null when empty.
  unsigned char* data_ = nullptr;
  std::size_t allocation_size() const;
};
std::ostream& operator<<(std::ostream& out, const Label& label);

// An artifact type's name ("imessage.payload"), kept once for the whole
// process (types are few, artifacts millions): one pointer in the artifact.
class TypeName {
 public:
  TypeName() = default;                   // ""
  explicit TypeName(std::string_view name);  // thread-safe
  std::string_view view() const { return name_ != nullptr ? std::string_view(*name_) : std::string_view(); }
  operator std::string_view() const { return view(); }  // NOLINT: implicit by design
  std::size_t size() const { return view().size(); }
  friend bool operator==(const TypeName& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const TypeName& a, const TypeName& b) { return a.view() == b.view(); }

 private:
  const std::string* name_ = nullptr;
};

enum class ArtifactKind : std::uint8_t {
  kKey,        // key material: `secret` (+ public `data`, e.g. the public key or a chain index)
  kSealed,     // ciphertext: opens with the keys in `needs`, via the Opener for `type`
  kPlaintext,  // a message recovered: `message_id` and `data` (the text, UTF-8)
};

struct Artifact {
  ArtifactKind kind = ArtifactKind::kSealed;
  int message_id = 0;  // kPlaintext: the scenario message (1-based)
  TypeName type;       // which Opener handles it, e.g. "imessage.payload"; namespaced by model
  Label label;         // plain words for explanations: "bob's iPhone encryption key"
  KeyId key_id;        // kKey: the id this key answers to
  KeyIds needs;        // kSealed: every one of these is needed to open it
  Bytes data;          // ciphertext, public part of a key, or plaintext text
  SecretBytes secret;  // kKey only

  std::size_t byte_size() const { return data.size() + secret.size(); }

 protected:
  // Artifacts are made by the helpers below only, which keep the engine's
  // bookkeeping beside each one (sim/evidence.cc).
  Artifact() = default;
  Artifact(const Artifact&) = default;
  Artifact& operator=(const Artifact&) = default;
};
using ArtifactPtr = std::shared_ptr<const Artifact>;

// The helpers that make artifacts; they only fill fields.
ArtifactPtr make_key(std::string_view type, Label label, KeyId id, SecretBytes secret, Bytes public_data = {});
ArtifactPtr make_sealed(std::string_view type, Label label, KeyIds needs, Bytes ciphertext);
ArtifactPtr make_plaintext(Label label, int message_id, std::string text);
// For code that builds an artifact field by field (a decoder): `fill` sets
// the fields of a new artifact before anyone else sees it.
ArtifactPtr make_artifact(const std::function<void(Artifact&)>& fill);

// An Opener tries to open `sealed` with `keys` (one key per entry of
// sealed.needs, in that order) by running the protocol's real steps. It
// returns what the opening yields (keys, further sealed artifacts,
// plaintexts), or nothing when decryption fails. It must be a pure function
// of its inputs: the engine caches results and shares them across actors.
using Opener = std::function<std::vector<ArtifactPtr>(const Artifact& sealed,
                                                      std::span<const Artifact* const> keys)>;

// Hashes a std::string and a std::string_view alike, so that an unordered
// container of strings is searched by a view without building a string.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// The openers of the models taking part in a run, by artifact type.
class OpenerRegistry {
 public:
  void add(std::string type, Opener opener);
  const Opener* find(std::string_view type) const;  // allocates nothing

 private:
  std::unordered_map<std::string, Opener, StringHash, std::equal_to<>> openers_;
};

}  // namespace msgsim

template <>
struct fmt::formatter<msgsim::TypeName> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const msgsim::TypeName& type, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(type.view(), ctx);
  }
};

template <>
struct fmt::formatter<msgsim::Label> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const msgsim::Label& label, Context& ctx) const {
    const std::string text = label.str();
    return fmt::formatter<std::string_view>::format(text, ctx);
  }
};
