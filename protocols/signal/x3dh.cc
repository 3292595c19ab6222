#include "protocols/signal/x3dh.h"

#include <algorithm>
#include <array>

namespace msgsim::signal {
namespace {

constexpr std::uint8_t kDjbType = 0x05;

// KDF(KM) = HKDF(salt = zeros, ikm = F || KM, info), F = 32 bytes 0xFF so the
// input can never be confused with an XEdDSA signing input (X3DH §2.2).
std::optional<SecretBytes> kdf(const std::vector<std::optional<SecretBytes>>& dhs) {
  Bytes ikm(crypto::kKeySize, 0xFF);
  for (const auto& d : dhs) {
    if (!d) {
      SecretBytes discard(std::move(ikm));
      return std::nullopt;
    }
    ikm.insert(ikm.end(), d->view().begin(), d->view().end());
  }
  const Bytes zero_salt(crypto::kKeySize, 0);
  const ByteView info(reinterpret_cast<const std::uint8_t*>(kX3dhInfo.data()), kX3dhInfo.size());
  // libsignal expands 64 bytes (root key || chain key); the Double Ratchet
  // spec's initialisation used here needs only the first 32 (see double_ratchet.h).
  Bytes okm = crypto::hkdf_sha256(zero_salt, ikm, info, 2 * crypto::kKeySize);
  SecretBytes discard_ikm(std::move(ikm));
  okm.resize(crypto::kKeySize);
  return SecretBytes(std::move(okm));
}

}  // namespace

IdentityKey make_identity(Rng& rng) {
  IdentityKey k;
  k.dh = crypto::dh_keypair(rng);
  k.sign = crypto::sign_keypair(rng);
  return k;
}

Bytes encode_public(ByteView x25519_public) {
  // Sized up front: GCC 12 warns falsely (-Warray-bounds) on insert after a
  // one-element brace initialisation.
  Bytes out(1 + x25519_public.size());
  out[0] = kDjbType;
  std::copy(x25519_public.begin(), x25519_public.end(), out.begin() + 1);
  return out;
}

SignedPreKey make_signed_prekey(Rng& rng, const IdentityKey& identity, std::uint32_t id) {
  SignedPreKey spk;
  spk.id = id;
  spk.key = crypto::dh_keypair(rng);
  spk.signature = crypto::sign(identity.sign.secret, encode_public(spk.key.public_key));
  return spk;
}

std::vector<OneTimePreKey> make_one_time_prekeys(Rng& rng, std::uint32_t first_id, std::size_t count) {
  std::vector<OneTimePreKey> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    out.push_back({first_id + static_cast<std::uint32_t>(i), crypto::dh_keypair(rng)});
  return out;
}

Bytes x3dh_associated(ByteView initiator_identity, ByteView responder_identity) {
  Bytes ad = encode_public(initiator_identity);
  const Bytes r = encode_public(responder_identity);
  ad.insert(ad.end(), r.begin(), r.end());
  return ad;
}

std::optional<X3dhInitiation> x3dh_initiate(Rng& rng, const IdentityKey& ours, const PreKeyBundle& theirs) {
  if (!crypto::verify(theirs.identity_sign_key, encode_public(theirs.signed_prekey), theirs.signed_prekey_signature))
    return std::nullopt;
  crypto::DhKeyPair ek = crypto::dh_keypair(rng);
  std::vector<std::optional<SecretBytes>> dhs;
  dhs.push_back(crypto::dh(ours.dh.secret, theirs.signed_prekey));
  dhs.push_back(crypto::dh(ek.secret, theirs.identity_key));
  dhs.push_back(crypto::dh(ek.secret, theirs.signed_prekey));
  if (theirs.one_time_prekey_id) dhs.push_back(crypto::dh(ek.secret, theirs.one_time_prekey));
  auto sk = kdf(dhs);
  if (!sk) return std::nullopt;
  // ek.secret is wiped here, when `ek` goes out of scope: X3DH §3.3.
  return X3dhInitiation{std::move(*sk), ek.public_key, x3dh_associated(ours.dh.public_key, theirs.identity_key)};
}

std::optional<SecretBytes> x3dh_respond(const SecretBytes& identity_secret, const SecretBytes& signed_prekey,
                                        const SecretBytes* one_time_prekey, ByteView their_identity_key,
                                        ByteView their_ephemeral_key) {
  std::vector<std::optional<SecretBytes>> dhs;
  dhs.push_back(crypto::dh(signed_prekey, their_identity_key));
  dhs.push_back(crypto::dh(identity_secret, their_ephemeral_key));
  dhs.push_back(crypto::dh(signed_prekey, their_ephemeral_key));
  if (one_time_prekey) dhs.push_back(crypto::dh(*one_time_prekey, their_ephemeral_key));
  return kdf(dhs);
}

}  // namespace msgsim::signal
