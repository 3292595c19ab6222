#include "protocols/ratchet/double_ratchet.h"

#include <algorithm>
#include <stdexcept>

namespace msgsim::ratchet {
namespace {

constexpr std::uint8_t kMessageKeySeed = 0x01;
constexpr std::uint8_t kChainKeySeed = 0x02;
// libsignal's message keys: cipher key (32) || MAC key (32) || IV (16).
constexpr std::size_t kMessageKeysLength = 80;

ByteView view(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

SecretBytes take_secret(Bytes& b, std::size_t from, std::size_t n) {
  Bytes part(b.begin() + static_cast<std::ptrdiff_t>(from), b.begin() + static_cast<std::ptrdiff_t>(from + n));
  return SecretBytes(std::move(part));
}

// Wipes a temporary: the SecretBytes that takes it zeroes it when destroyed.
void wipe(Bytes& b) { SecretBytes discard(std::move(b)); }

}  // namespace

ChainKey ChainKey::next() const {
  const std::uint8_t seed[] = {kChainKeySeed};
  return {SecretBytes(crypto::hmac_sha256(key.view(), seed)), index + 1};
}

SecretBytes ChainKey::message_key(const Kdf& kdf) const {
  const std::uint8_t seed_input[] = {kMessageKeySeed};
  Bytes seed = crypto::hmac_sha256(key.view(), seed_input);
  Bytes keys = crypto::hkdf_sha256({}, seed, view(kdf.message_keys_info), kMessageKeysLength);
  SecretBytes cipher_key = take_secret(keys, 0, crypto::kKeySize);
  wipe(seed);
  wipe(keys);
  return cipher_key;
}

RootStep root_step(const Kdf& kdf, const SecretBytes& root_key, const SecretBytes& dh_output) {
  Bytes out = crypto::hkdf_sha256(root_key.view(), dh_output.view(), view(kdf.root_info), 2 * crypto::kKeySize);
  RootStep r{take_secret(out, 0, crypto::kKeySize), {take_secret(out, crypto::kKeySize, crypto::kKeySize), 0}};
  wipe(out);
  return r;
}

std::optional<SecretBytes> message_key_at(const Kdf& kdf, const ChainKey& ck, std::uint32_t n) {
  if (n < ck.index) return std::nullopt;
  ChainKey at = ck.clone();
  while (at.index < n) at = at.next();
  return at.message_key(kdf);
}

Bytes WireMessage::encode() const {
  Bytes out;
  // Exactly sized: a run keeps one of these per message and device.
  out.reserve(3 * 4 + 2 * 8 + header.ratchet_key.size() + associated.size() + ciphertext.size());
  append_framed(out, header.ratchet_key);
  append_u64(out, header.n);
  append_u64(out, header.pn);
  append_framed(out, associated);
  append_framed(out, ciphertext);
  return out;
}

std::optional<WireMessage> WireMessage::decode(ByteView bytes) {
  Reader r(bytes);
  WireMessage m;
  auto key = r.framed();
  auto n = r.u64();
  auto pn = r.u64();
  auto ad = r.framed();
  auto ct = r.framed();
  if (!key || !n || !pn || !ad || !ct || !r.done() || *n > UINT32_MAX || *pn > UINT32_MAX) return std::nullopt;
  m.header = {std::move(*key), static_cast<std::uint32_t>(*n), static_cast<std::uint32_t>(*pn)};
  m.associated = std::move(*ad);
  m.ciphertext = std::move(*ct);
  return m;
}

std::optional<std::uint32_t> WireMessage::peek_counter(ByteView bytes) {
  // encode(): 4-byte big-endian length, the ratchet key, then n as 8 bytes.
  if (bytes.size() < 4) return std::nullopt;
  std::size_t key_size = 0;
  for (std::size_t i = 0; i < 4; ++i) key_size = (key_size << 8) | bytes[i];
  if (bytes.size() - 4 < key_size || bytes.size() - 4 - key_size < 8) return std::nullopt;
  std::uint64_t n = 0;
  for (std::size_t i = 4 + key_size; i < 12 + key_size; ++i) n = (n << 8) | bytes[i];
  if (n > UINT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(n);
}

Bytes WireMessage::aead_associated() const {
  Bytes out;
  append_framed(out, associated);
  append_framed(out, header.ratchet_key);
  append_u64(out, header.n);
  append_u64(out, header.pn);
  return out;
}

WireMessage seal_message(Rng& rng, const SecretBytes& message_key, Header header, Bytes associated,
                         ByteView plaintext) {
  WireMessage m{std::move(header), std::move(associated), {}};
  m.ciphertext = crypto::aead_encrypt(rng, message_key, plaintext, m.aead_associated());
  return m;
}

std::optional<Bytes> open_message(const SecretBytes& message_key, const WireMessage& message) {
  return crypto::aead_decrypt(message_key, message.ciphertext, message.aead_associated());
}

const char* to_string(DecryptError e) {
  switch (e) {
    case DecryptError::kNone:
      return "ok";
    case DecryptError::kNoSession:
      return "no session state to decrypt with";
    case DecryptError::kBadRatchetKey:
      return "the header's ratchet key is not a valid X25519 key";
    case DecryptError::kTooFarAhead:
      return "the message is too far ahead in its chain";
    case DecryptError::kDuplicate:
      return "the message key was already used and deleted (duplicate or replay)";
    case DecryptError::kWrongSession:
      return "the message belongs to another session";
    case DecryptError::kAuthentication:
      return "authentication failed (wrong key or tampered message)";
  }
  return "unknown";
}

Session Session::initiate(const Kdf& kdf, Rng& rng, SecretBytes root_key, Bytes associated, Bytes base_key,
                          Bytes their_signed_prekey) {
  Session s;
  s.kdf_ = &kdf;
  s.associated_ = std::move(associated);
  s.base_key_ = base_key;
  s.ratchet_ = crypto::dh_keypair(rng);
  auto dh = crypto::dh(s.ratchet_.secret, their_signed_prekey);
  if (!dh) throw std::invalid_argument("Session::initiate: invalid signed prekey");
  RootStep r = root_step(kdf, root_key, *dh);
  s.chains_ = 1;
  s.sending_ = SendingChain{std::move(r.chain), std::move(base_key), std::move(their_signed_prekey), s.chains_};
  s.root_key_ = std::move(r.root_key);
  s.root_name_ = s.ratchet_.public_key;
  return s;
}

Session Session::respond(const Kdf& kdf, SecretBytes root_key, Bytes associated, Bytes base_key,
                         crypto::DhKeyPair signed_prekey) {
  Session s;
  s.kdf_ = &kdf;
  s.associated_ = std::move(associated);
  s.root_key_ = std::move(root_key);
  s.root_name_ = base_key;
  s.base_key_ = std::move(base_key);
  s.ratchet_ = std::move(signed_prekey);
  return s;
}

Session Session::clone() const {
  Session s;
  s.root_key_ = root_key_.clone();
  s.root_name_ = root_name_;
  s.ratchet_ = {ratchet_.public_key, ratchet_.secret.clone()};
  if (sending_)
    s.sending_ =
        SendingChain{sending_->chain.clone(), sending_->root_name, sending_->their_ratchet_key, sending_->number};
  s.previous_counter_ = previous_counter_;
  for (const auto& c : receiving_) s.receiving_.push_back({c.their_ratchet_key, c.chain.clone(), c.number});
  for (const auto& k : skipped_) s.skipped_.push_back({k.their_ratchet_key, k.index, k.key.clone()});
  s.associated_ = associated_;
  s.base_key_ = base_key_;
  s.kdf_ = kdf_;
  s.chains_ = chains_;
  return s;
}

Session::Sent Session::encrypt(Rng& rng, ByteView plaintext) {
  if (!sending_) throw std::logic_error("Session::encrypt: no sending chain yet");
  ChainKey& ck = sending_->chain;
  SecretBytes mk = ck.message_key(*kdf_);
  Header h{ratchet_.public_key, ck.index, previous_counter_};
  WireMessage m = seal_message(rng, mk, std::move(h), associated_, plaintext);
  ck = ck.next();  // the old chain key is overwritten: forward secrecy for the sender too
  return {std::move(m), std::move(mk)};
}

Session::ReceivingChain* Session::find_chain(ByteView their_ratchet_key) {
  for (auto& c : receiving_)
    if (crypto::equal_constant_time(c.their_ratchet_key, their_ratchet_key)) return &c;
  return nullptr;
}

const Session::ReceivingChain* Session::find_chain(ByteView their_ratchet_key) const {
  return const_cast<Session*>(this)->find_chain(their_ratchet_key);
}

// The DH ratchet: a new peer ratchet key starts a receiving chain, and a
// fresh key of ours starts the next sending chain (spec §3.5, libsignal
// get_or_create_chain_key).
std::optional<DecryptError> Session::step(Rng& rng, const Bytes& their_ratchet_key, RootStep* given) {
  RootStep recv;
  if (given != nullptr) {
    recv = std::move(*given);
  } else {
    auto dh_in = crypto::dh(ratchet_.secret, their_ratchet_key);
    if (!dh_in) return DecryptError::kBadRatchetKey;
    recv = root_step(*kdf_, root_key_, *dh_in);
  }
  receiving_.push_back({their_ratchet_key, std::move(recv.chain), ++chains_});
  if (receiving_.size() > kMaxReceiverChains) receiving_.erase(receiving_.begin());

  crypto::DhKeyPair next = crypto::dh_keypair(rng);
  auto dh_out = crypto::dh(next.secret, their_ratchet_key);
  if (!dh_out) return DecryptError::kBadRatchetKey;
  RootStep send = root_step(*kdf_, recv.root_key, *dh_out);
  previous_counter_ = sending_ ? sending_->chain.index : 0;
  sending_ = SendingChain{std::move(send.chain), their_ratchet_key, their_ratchet_key, ++chains_};
  root_key_ = std::move(send.root_key);
  root_name_ = next.public_key;
  ratchet_ = std::move(next);
  return std::nullopt;
}

bool Session::starts_chain(const WireMessage& message) const {
  if (!crypto::equal_constant_time(message.associated, associated_)) return false;
  const Bytes& their = message.header.ratchet_key;
  for (const SkippedKey& k : skipped_)
    if (k.index == message.header.n && crypto::equal_constant_time(k.their_ratchet_key, their)) return false;
  return find_chain(their) == nullptr;
}

Session::Prepared Session::prepare(Rng& rng, const WireMessage& message, RootStep* receiving_step) const {
  Prepared out;
  if (!crypto::equal_constant_time(message.associated, associated_)) {
    out.error = DecryptError::kWrongSession;
    return out;
  }
  const Bytes& their = message.header.ratchet_key;
  const std::uint32_t n = message.header.n;
  const bool skipped_key = std::any_of(skipped_.begin(), skipped_.end(), [&](const SkippedKey& k) {
    return k.index == n && crypto::equal_constant_time(k.their_ratchet_key, their);
  });
  if (!skipped_key) {
    const auto held = std::find_if(receiving_.begin(), receiving_.end(), [&](const ReceivingChain& c) {
      return crypto::equal_constant_time(c.their_ratchet_key, their);
    });
    if (held != receiving_.end() && held->chain.index == n) {
      out.message_key = held->chain.message_key(*kdf_);
      out.advanced = held->chain.next();
      out.slot = static_cast<std::size_t>(held - receiving_.begin());
      out.chain = held->number;
      return out;
    }
  }

  Session& next = out.next.emplace(clone());

  // A key skipped earlier answers only its own index, and is deleted once used.
  auto skipped = std::find_if(next.skipped_.begin(), next.skipped_.end(), [&](const SkippedKey& k) {
    return k.index == n && crypto::equal_constant_time(k.their_ratchet_key, their);
  });
  if (skipped != next.skipped_.end()) {
    out.message_key = std::move(skipped->key);
    next.skipped_.erase(skipped);
    if (const ReceivingChain* c = next.find_chain(their)) out.chain = c->number;
    return out;
  }
  ReceivingChain* chain = next.find_chain(their);
  if (!chain) {
    if (auto e = next.step(rng, their, receiving_step)) {
      out.error = *e;
      out.next.reset();
      return out;
    }
    out.stepped = true;
    chain = &next.receiving_.back();
  }
  ChainKey& ck = chain->chain;
  if (n < ck.index || n - ck.index > kMaxForwardJumps) {
    out.error = n < ck.index ? DecryptError::kDuplicate : DecryptError::kTooFarAhead;
    out.next.reset();
    return out;
  }
  while (ck.index < n) {
    next.skipped_.push_back({their, ck.index, ck.message_key(*kdf_)});
    if (next.skipped_.size() > kMaxMessageKeys) next.skipped_.erase(next.skipped_.begin());
    ck = ck.next();
  }
  out.message_key = ck.message_key(*kdf_);
  ck = ck.next();
  out.chain = chain->number;
  return out;
}

void Session::commit(Prepared&& prepared) {
  if (!prepared.ok()) throw std::logic_error("Session::commit: nothing prepared");
  if (prepared.next) {
    *this = std::move(*prepared.next);
    prepared.next.reset();
  } else if (prepared.advanced && prepared.slot < receiving_.size() &&
             receiving_[prepared.slot].chain.index + 1 == prepared.advanced->index) {
    receiving_[prepared.slot].chain = std::move(*prepared.advanced);
    prepared.advanced.reset();
  } else {
    throw std::logic_error("Session::commit: the session changed since prepare()");
  }
}

Session::Received Session::decrypt(Rng& rng, const WireMessage& message) {
  Prepared p = prepare(rng, message);
  Received out;
  out.error = p.error;
  if (!p.ok()) return out;
  auto plaintext = open_message(p.message_key, message);
  if (!plaintext) {
    out.error = DecryptError::kAuthentication;
    return out;  // the prepared state is discarded: the session is exactly as before
  }
  out.plaintext = std::move(*plaintext);
  out.message_key = std::move(p.message_key);
  out.stepped = p.stepped;
  commit(std::move(p));
  return out;
}

}  // namespace msgsim::ratchet
