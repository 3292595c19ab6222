// The only file in msgsim that includes sodium.h.
#include "msgsim/crypto.h"

#include <sodium.h>

#include <cstring>
#include <mutex>
#include <stdexcept>

#include <fmt/format.h>

namespace msgsim {

Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
std::string to_string(ByteView b) { return std::string(b.begin(), b.end()); }

std::string hex(ByteView b) {
  std::string out(b.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), b.data(), b.size());
  out.pop_back();
  return out;
}

void append_u64(Bytes& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void append_framed(Bytes& out, ByteView field) {
  const auto n = static_cast<std::uint32_t>(field.size());
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  out.insert(out.end(), field.begin(), field.end());
}

std::optional<std::uint64_t> Reader::u64() {
  if (in_.size() - pos_ < 8) return std::nullopt;
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | in_[pos_++];
  return v;
}

std::optional<Bytes> Reader::framed() {
  if (in_.size() - pos_ < 4) return std::nullopt;
  std::uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | in_[pos_++];
  if (in_.size() - pos_ < n) return std::nullopt;
  Bytes out(in_.begin() + static_cast<std::ptrdiff_t>(pos_),
            in_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
  pos_ += n;
  return out;
}

SecretBytes::SecretBytes(Bytes b) {
  if (b.empty()) return;
  if (b.size() > UINT32_MAX) throw std::length_error("a secret over 4 GB");
  const auto n = static_cast<std::uint32_t>(b.size());
  p_ = new std::uint8_t[kHeader + n];
  std::memcpy(p_, &n, kHeader);
  std::memcpy(p_ + kHeader, b.data(), n);
  sodium_memzero(b.data(), b.size());
}

std::size_t SecretBytes::size() const {
  if (p_ == nullptr) return 0;
  std::uint32_t n = 0;
  std::memcpy(&n, p_, kHeader);
  return n;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& o) noexcept {
  if (this != &o) {
    release();
    p_ = std::exchange(o.p_, nullptr);
  }
  return *this;
}

SecretBytes::~SecretBytes() { release(); }

void SecretBytes::release() noexcept {
  if (p_ == nullptr) return;
  sodium_memzero(p_ + kHeader, size());
  delete[] p_;
  p_ = nullptr;
}

std::string SecretBytes::fingerprint() const {
  const Bytes d = crypto::digest16("msgsim.fingerprint", view());
  return "k:" + hex(ByteView(d).first(4));
}

bool operator==(const SecretBytes& a, const SecretBytes& b) {
  return a.size() == b.size() && crypto::equal_constant_time(a.view(), b.view());
}

Bytes Rng::bytes(std::size_t n) {
  Bytes out(n);
  fill(out);
  return out;
}

namespace {

// ChaCha20 keystream: key = BLAKE2b(seed || label), nonce = block counter.
class SeededRng final : public Rng {
 public:
  SeededRng(std::uint64_t seed, std::string_view label) {
    Bytes in;
    append_u64(in, seed);
    in.insert(in.end(), label.begin(), label.end());
    crypto_generichash(key_.data(), key_.size(), in.data(), in.size(), nullptr, 0);
  }
  ~SeededRng() override { sodium_memzero(key_.data(), key_.size()); }

  void fill(std::span<std::uint8_t> out) override {
    std::array<std::uint8_t, crypto_stream_chacha20_NONCEBYTES> nonce{};
    std::uint64_t c = counter_++;
    for (std::size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<std::uint8_t>(c >> (8 * i));
    crypto_stream_chacha20(out.data(), out.size(), nonce.data(), key_.data());
  }

 private:
  std::array<std::uint8_t, crypto_stream_chacha20_KEYBYTES> key_{};
  std::uint64_t counter_ = 0;
};

class SystemRng final : public Rng {
 public:
  void fill(std::span<std::uint8_t> out) override { randombytes_buf(out.data(), out.size()); }
};

}  // namespace

std::unique_ptr<Rng> make_seeded_rng(std::uint64_t seed, std::string_view label) {
  crypto::init();
  return std::make_unique<SeededRng>(seed, label);
}

std::unique_ptr<Rng> make_system_rng() {
  crypto::init();
  return std::make_unique<SystemRng>();
}

namespace crypto {

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  });
}

Bytes digest16(std::string_view domain, ByteView data) {
  Bytes out(16);
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, out.size());
  const auto dlen = static_cast<std::uint8_t>(domain.size());
  crypto_generichash_update(&st, &dlen, 1);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(domain.data()), domain.size());
  crypto_generichash_update(&st, data.data(), data.size());
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

Bytes sha256(ByteView data) {
  Bytes out(crypto_hash_sha256_BYTES);
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

DhKeyPair dh_keypair(Rng& rng) {
  DhKeyPair kp;
  Bytes sk = rng.bytes(crypto_scalarmult_SCALARBYTES);
  kp.public_key.resize(crypto_scalarmult_BYTES);
  crypto_scalarmult_base(kp.public_key.data(), sk.data());
  kp.secret = SecretBytes(std::move(sk));
  return kp;
}

Bytes dh_public(const SecretBytes& secret) {
  Bytes pk(crypto_scalarmult_BYTES);
  crypto_scalarmult_base(pk.data(), secret.view().data());
  return pk;
}

std::optional<SecretBytes> dh(const SecretBytes& secret, ByteView their_public) {
  if (secret.size() != crypto_scalarmult_SCALARBYTES || their_public.size() != crypto_scalarmult_BYTES)
    return std::nullopt;
  Bytes shared(crypto_scalarmult_BYTES);
  if (crypto_scalarmult(shared.data(), secret.view().data(), their_public.data()) != 0) {
    sodium_memzero(shared.data(), shared.size());
    return std::nullopt;
  }
  return SecretBytes(std::move(shared));
}

Bytes seal(Rng& rng, ByteView recipient_public, ByteView plaintext) {
  if (recipient_public.size() != crypto_box_PUBLICKEYBYTES)
    throw std::invalid_argument("seal: recipient public key must be 32 bytes");
  // crypto_box_seal, with the ephemeral key pair drawn from rng:
  // epk || crypto_box(m, nonce = BLAKE2b-24(epk || pk), pk, esk).
  Bytes seed = rng.bytes(crypto_box_SEEDBYTES);
  std::array<std::uint8_t, crypto_box_PUBLICKEYBYTES> epk{};
  std::array<std::uint8_t, crypto_box_SECRETKEYBYTES> esk{};
  crypto_box_seed_keypair(epk.data(), esk.data(), seed.data());
  sodium_memzero(seed.data(), seed.size());
  std::array<std::uint8_t, crypto_box_NONCEBYTES> nonce{};
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, nonce.size());
  crypto_generichash_update(&st, epk.data(), epk.size());
  crypto_generichash_update(&st, recipient_public.data(), recipient_public.size());
  crypto_generichash_final(&st, nonce.data(), nonce.size());
  Bytes out(crypto_box_PUBLICKEYBYTES + crypto_box_MACBYTES + plaintext.size());
  std::memcpy(out.data(), epk.data(), epk.size());
  const int rc = crypto_box_easy(out.data() + epk.size(), plaintext.data(), plaintext.size(), nonce.data(),
                                 recipient_public.data(), esk.data());
  sodium_memzero(esk.data(), esk.size());
  if (rc != 0) throw std::runtime_error("seal: crypto_box_easy failed");
  return out;
}

std::optional<Bytes> seal_open(const SecretBytes& recipient_secret, ByteView recipient_public,
                               ByteView sealed) {
  if (sealed.size() < crypto_box_SEALBYTES || recipient_public.size() != crypto_box_PUBLICKEYBYTES ||
      recipient_secret.size() != crypto_box_SECRETKEYBYTES)
    return std::nullopt;
  Bytes out(sealed.size() - crypto_box_SEALBYTES);
  if (crypto_box_seal_open(out.data(), sealed.data(), sealed.size(), recipient_public.data(),
                           recipient_secret.view().data()) != 0)
    return std::nullopt;
  return out;
}

SignKeyPair sign_keypair(Rng& rng) {
  SignKeyPair kp;
  Bytes seed = rng.bytes(crypto_sign_SEEDBYTES);
  kp.public_key.resize(crypto_sign_PUBLICKEYBYTES);
  Bytes sk(crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair(kp.public_key.data(), sk.data(), seed.data());
  sodium_memzero(seed.data(), seed.size());
  kp.secret = SecretBytes(std::move(sk));
  return kp;
}

Bytes sign(const SecretBytes& secret, ByteView message) {
  if (secret.size() != crypto_sign_SECRETKEYBYTES) throw std::invalid_argument("sign: bad secret key");
  Bytes sig(crypto_sign_BYTES);
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret.view().data());
  return sig;
}

bool verify(ByteView public_key, ByteView message, ByteView signature) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), public_key.data()) == 0;
}

Bytes aead_encrypt(Rng& rng, const SecretBytes& key, ByteView plaintext, ByteView associated) {
  if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES)
    throw std::invalid_argument("aead_encrypt: key must be 32 bytes");
  Bytes out(kAeadNonceSize + plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  rng.fill(std::span(out.data(), kAeadNonceSize));
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + kAeadNonceSize, &clen, plaintext.data(),
                                             plaintext.size(), associated.data(), associated.size(), nullptr,
                                             out.data(), key.view().data());
  out.resize(kAeadNonceSize + static_cast<std::size_t>(clen));
  return out;
}

std::optional<Bytes> aead_decrypt(const SecretBytes& key, ByteView sealed, ByteView associated) {
  if (key.size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES || sealed.size() < kAeadOverhead)
    return std::nullopt;
  Bytes out(sealed.size() - kAeadOverhead);
  unsigned long long mlen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &mlen, nullptr, sealed.data() + kAeadNonceSize,
                                                 sealed.size() - kAeadNonceSize, associated.data(),
                                                 associated.size(), sealed.data(), key.view().data()) != 0)
    return std::nullopt;
  out.resize(static_cast<std::size_t>(mlen));
  return out;
}

Bytes hmac_sha256(ByteView key, ByteView message) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key.data(), key.size());
  crypto_auth_hmacsha256_update(&st, message.data(), message.size());
  Bytes out(crypto_auth_hmacsha256_BYTES);
  crypto_auth_hmacsha256_final(&st, out.data());
  return out;
}

Bytes hkdf_extract(ByteView salt, ByteView ikm) {
  const Bytes zeros(crypto_auth_hmacsha256_BYTES, 0);
  return hmac_sha256(salt.empty() ? ByteView(zeros) : salt, ikm);
}

Bytes hkdf_expand(ByteView prk, ByteView info, std::size_t length) {
  constexpr std::size_t kHashLen = crypto_auth_hmacsha256_BYTES;
  if (length > 255 * kHashLen) throw std::invalid_argument("hkdf: length > 255 * HashLen");
  Bytes okm;
  okm.reserve(length);
  Bytes t;
  for (std::uint8_t i = 1; okm.size() < length; ++i) {
    Bytes block(t);
    block.insert(block.end(), info.begin(), info.end());
    block.push_back(i);
    t = hmac_sha256(prk, block);
    const std::size_t take = std::min(kHashLen, length - okm.size());
    okm.insert(okm.end(), t.begin(), t.begin() + static_cast<std::ptrdiff_t>(take));
  }
  sodium_memzero(t.data(), t.size());
  return okm;
}

Bytes hkdf_sha256(ByteView salt, ByteView ikm, ByteView info, std::size_t length) {
  Bytes prk = hkdf_extract(salt, ikm);
  Bytes okm = hkdf_expand(prk, info, length);
  sodium_memzero(prk.data(), prk.size());
  return okm;
}

SecretBytes argon2id(ByteView password, ByteView salt, std::size_t length, PasswordHashCost cost) {
  if (salt.size() != crypto_pwhash_argon2id_SALTBYTES) throw std::invalid_argument("argon2id: salt must be 16 bytes");
  if (length < crypto_pwhash_argon2id_BYTES_MIN || cost.passes < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
      cost.memory_bytes < crypto_pwhash_argon2id_MEMLIMIT_MIN)
    throw std::invalid_argument("argon2id: output length or cost below libsodium's minimum");
  Bytes out(length);
  if (crypto_pwhash_argon2id(out.data(), out.size(), reinterpret_cast<const char*>(password.data()), password.size(),
                             salt.data(), cost.passes, cost.memory_bytes, crypto_pwhash_argon2id_ALG_ARGON2ID13) != 0)
    throw std::invalid_argument("argon2id: libsodium refused the parameters (or ran out of memory)");
  return SecretBytes(std::move(out));
}

bool equal_constant_time(ByteView a, ByteView b) {
  return a.size() == b.size() && (a.empty() || sodium_memcmp(a.data(), b.data(), a.size()) == 0);
}

}  // namespace crypto
}  // namespace msgsim
