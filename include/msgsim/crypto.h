// msgsim/crypto.h: the only cryptography msgsim uses.
//
// Every key and ciphertext in a simulation is real libsodium output. This
// header is the whole surface: sim/crypto.cc is the only file that includes
// sodium.h. Protocol models call these functions and nothing else.
//
// Randomness is passed in (an Rng&), never reached for, so that a seeded run
// is byte-for-byte reproducible and parallel runs cannot disturb each other.
// A seeded Rng is a ChaCha20 stream; an unseeded one reads the system RNG.
//
// Secrets have no printable form: SecretBytes prints as a short fingerprint
// and is wiped (sodium_memzero) when destroyed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace msgsim {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

Bytes to_bytes(std::string_view s);
std::string to_string(ByteView b);
std::string hex(ByteView b);
// Appends a 4-byte big-endian length then the bytes: unambiguous framing.
void append_framed(Bytes& out, ByteView field);
void append_u64(Bytes& out, std::uint64_t v);
// Appends `v` as a LEB128 varint (seven bits a byte, low bits first, the
// high bit set on every byte but the last) to a Bytes or a std::string: the
// compact encoding of numbers and lengths in large stores.
template <typename Out>
void append_varint(Out& out, std::uint64_t v) {
  using Unit = typename Out::value_type;
  while (v >= 0x80) {
    out.push_back(static_cast<Unit>(static_cast<std::uint8_t>(v | 0x80)));
    v >>= 7;
  }
  out.push_back(static_cast<Unit>(static_cast<std::uint8_t>(v)));
}
// Reads what append_framed / append_u64 wrote; nullopt on malformed input.
class Reader {
 public:
  explicit Reader(ByteView in) : in_(in) {}
  std::optional<Bytes> framed();
  std::optional<std::uint64_t> u64();
  bool done() const { return pos_ == in_.size(); }

 private:
  ByteView in_;
  std::size_t pos_ = 0;
};

// Secret key material. Move-only, wiped on destruction, never printed.
class SecretBytes {
 public:
  SecretBytes() = default;
  // Takes a copy of the bytes and wipes `b`, so no copy is left behind.
  explicit SecretBytes(Bytes b);
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  SecretBytes& operator=(SecretBytes&& o) noexcept;
  ~SecretBytes();

  SecretBytes clone() const { return SecretBytes(Bytes(view().begin(), view().end())); }
  ByteView view() const { return ByteView(p_ == nullptr ? nullptr : p_ + kHeader, size()); }
  std::size_t size() const;
  bool empty() const { return p_ == nullptr; }
  // A short, one-way fingerprint ("k:3fa2c1d0") for logs and explanations.
  std::string fingerprint() const;
  friend bool operator==(const SecretBytes& a, const SecretBytes& b);

 private:
  // One pointer (a vector is 24 bytes; a run holds millions of keys) to the
  // length (4 bytes), then the bytes; null when empty.
  static constexpr std::size_t kHeader = 4;
  void release() noexcept;  // wipes and frees
  std::uint8_t* p_ = nullptr;
};

// Randomness, passed in. Not thread-safe: one Rng per thread of work.
class Rng {
 public:
  virtual ~Rng() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;
  Bytes bytes(std::size_t n);
  SecretBytes secret(std::size_t n) { return SecretBytes(bytes(n)); }
};

// A deterministic ChaCha20 stream keyed by (seed, label): the same seed and
// label give the same bytes on every machine. Distinct labels give
// independent streams (one per protocol run, for instance).
std::unique_ptr<Rng> make_seeded_rng(std::uint64_t seed, std::string_view label);
// The operating system's randomness (randombytes_buf).
std::unique_ptr<Rng> make_system_rng();

namespace crypto {

// Must be called once before anything else (idempotent, thread-safe).
void init();

inline constexpr std::size_t kKeySize = 32;        // X25519, AEAD, HMAC keys
inline constexpr std::size_t kSignPublicSize = 32;  // Ed25519 public key
inline constexpr std::size_t kSignatureSize = 64;

// ---- Identifiers ---------------------------------------------------------
// 16-byte BLAKE2b digest of (domain, data). Used for key identifiers and
// public fingerprints; never reveals the input.
Bytes digest16(std::string_view domain, ByteView data);
Bytes sha256(ByteView data);

// ---- X25519 (stand-in for RSA-OAEP/ECIES device keys, Signal DH keys) ----
struct DhKeyPair {
  Bytes public_key;     // 32 bytes
  SecretBytes secret;   // 32 bytes
};
DhKeyPair dh_keypair(Rng& rng);
// Public key of a secret scalar.
Bytes dh_public(const SecretBytes& secret);
// X25519(secret, their_public); nullopt for a low-order public key.
std::optional<SecretBytes> dh(const SecretBytes& secret, ByteView their_public);

// ---- Sealed boxes (X25519 + XSalsa20-Poly1305, libsodium's crypto_box_seal
// format). The ephemeral key comes from rng so seeded runs are reproducible;
// the output opens with crypto_box_seal_open. -------------------------------
Bytes seal(Rng& rng, ByteView recipient_public, ByteView plaintext);
std::optional<Bytes> seal_open(const SecretBytes& recipient_secret, ByteView recipient_public,
                               ByteView sealed);
inline constexpr std::size_t kSealOverhead = 48;

// ---- Ed25519 (stand-in for ECDSA P-256 and XEdDSA) ------------------------
struct SignKeyPair {
  Bytes public_key;    // 32 bytes
  SecretBytes secret;  // 64 bytes (libsodium's seed || public)
};
SignKeyPair sign_keypair(Rng& rng);
Bytes sign(const SecretBytes& secret, ByteView message);
bool verify(ByteView public_key, ByteView message, ByteView signature);

// ---- AEAD: XChaCha20-Poly1305 (stand-in for AES-CTR / AES-CBC+HMAC) -------
// Output is nonce (24 bytes) || ciphertext || tag (16 bytes).
inline constexpr std::size_t kAeadNonceSize = 24;
inline constexpr std::size_t kAeadOverhead = 24 + 16;
Bytes aead_encrypt(Rng& rng, const SecretBytes& key, ByteView plaintext, ByteView associated);
// nullopt when the key is wrong or anything was tampered with.
std::optional<Bytes> aead_decrypt(const SecretBytes& key, ByteView sealed, ByteView associated);

// ---- HMAC-SHA256 and HKDF-SHA256 (RFC 2104, RFC 5869) --------------------
Bytes hmac_sha256(ByteView key, ByteView message);
// RFC 5869 extract-and-expand. An empty salt means HashLen zero bytes.
// length <= 255 * 32.
Bytes hkdf_sha256(ByteView salt, ByteView ikm, ByteView info, std::size_t length);
Bytes hkdf_extract(ByteView salt, ByteView ikm);
Bytes hkdf_expand(ByteView prk, ByteView info, std::size_t length);

// ---- Argon2id password hashing (RFC 9106; libsodium's crypto_pwhash) -----
// A key derived from a password, slow on purpose so that guessing costs.
// The cost is the caller's: a model takes small limits so that a run with
// many accounts stays fast (the real systems' parameters are theirs).
inline constexpr std::size_t kPasswordSaltSize = 16;
struct PasswordHashCost {
  std::uint64_t passes;      // Argon2 time cost (libsodium's opslimit), at least 1
  std::size_t memory_bytes;  // libsodium's memlimit, at least 8 KiB
};
// `length` bytes (16 or more) from `password` and `salt` (kPasswordSaltSize
// bytes) by Argon2id version 1.3, one lane. Throws std::invalid_argument when
// libsodium refuses the salt, length or cost.
SecretBytes argon2id(ByteView password, ByteView salt, std::size_t length, PasswordHashCost cost);

bool equal_constant_time(ByteView a, ByteView b);

}  // namespace crypto
}  // namespace msgsim
