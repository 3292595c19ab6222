// benchmarks/floor_bench.cc: the floor. The libsodium work a model does per
// message (per device copy), called directly, with no engine, world,
// evidence, storage or report around it.
#include <benchmark/benchmark.h>

#include <array>
#include <stdexcept>
#include <string>

#include "benchmarks/bench.h"
#include "msgsim/crypto.h"
#include "protocols/imessage/pq3.h"
#include "protocols/ratchet/double_ratchet.h"
#include "protocols/signal/signal_model.h"
#include "protocols/signal/x3dh.h"

namespace msgsim::bench {
namespace {

// A text of the length the whole-run conversations send.
const Bytes& payload() {
  static const Bytes p = [] {
    Bytes out;
    append_u64(out, 123);
    append_framed(out, to_bytes("message 123 of a long conversation"));
    return out;
  }();
  return p;
}

// One imessage-classic device copy, both ends, as protocols/imessage/classic.cc
// does it: the sender draws a message key, AEAD-encrypts the payload, seals
// the key to the device's X25519 key and signs (wrapped key, ciphertext) with
// Ed25519; the device verifies, unseals the key and decrypts.
void BM_ClassicCopy(benchmark::State& state) {
  auto rng = make_seeded_rng(1, "bench-floor-imessage-classic");
  crypto::DhKeyPair device = crypto::dh_keypair(*rng);
  crypto::SignKeyPair sender = crypto::sign_keypair(*rng);
  Bytes associated;
  append_framed(associated, sender.public_key);
  append_framed(associated, device.public_key);
  for (auto _ : state) {
    const SecretBytes mk = rng->secret(crypto::kKeySize);
    Bytes ciphertext = crypto::aead_encrypt(*rng, mk, payload(), associated);
    Bytes wrapped = crypto::seal(*rng, device.public_key, mk.view());
    Bytes signed_part;
    append_framed(signed_part, wrapped);
    append_framed(signed_part, ciphertext);
    Bytes signature = crypto::sign(sender.secret, signed_part);

    if (!crypto::verify(sender.public_key, signed_part, signature)) throw std::logic_error("floor: verify");
    auto key = crypto::seal_open(device.secret, device.public_key, wrapped);
    if (!key) throw std::logic_error("floor: seal_open");
    auto plain = crypto::aead_decrypt(SecretBytes(std::move(*key)), ciphertext, associated);
    if (!plain) throw std::logic_error("floor: aead_decrypt");
    benchmark::DoNotOptimize(plain->data());
  }
}

struct SignalPair {
  signal::IdentityKey alice_id, bob_id;
  signal::SignedPreKey bob_spk;
  std::vector<signal::OneTimePreKey> bob_opk;
  signal::PreKeyBundle bundle;
};

SignalPair make_pair(Rng& rng) {
  SignalPair p{signal::make_identity(rng), signal::make_identity(rng), {}, {}, {}};
  p.bob_spk = signal::make_signed_prekey(rng, p.bob_id, 1);
  p.bob_opk = signal::make_one_time_prekeys(rng, 1, 1);
  p.bundle = {p.bob_id.dh.public_key,     p.bob_id.sign.public_key, 1,
              p.bob_spk.key.public_key,   p.bob_spk.signature,      1u,
              p.bob_opk[0].key.public_key};
  return p;
}

struct Sessions {
  ratchet::Session alice;
  ratchet::Session bob;
};

// X3DH as the model runs it for a first message: Alice's side (signature
// check, ephemeral key, four DHs, HKDF) and her Session; Bob's four DHs and
// his Session.
Sessions x3dh(Rng& rng, const SignalPair& p) {
  auto init = signal::x3dh_initiate(rng, p.alice_id, p.bundle);
  if (!init) throw std::logic_error("floor: x3dh_initiate");
  auto sk = signal::x3dh_respond(p.bob_id.dh.secret, p.bob_spk.key.secret, &p.bob_opk[0].key.secret,
                                 p.alice_id.dh.public_key, init->ephemeral_key);
  if (!sk) throw std::logic_error("floor: x3dh_respond");
  ratchet::Session a = ratchet::Session::initiate(signal::protocol().kdf(), rng, std::move(init->shared_secret),
                                                  init->associated, init->ephemeral_key, p.bob_spk.key.public_key);
  ratchet::Session b =
      ratchet::Session::respond(signal::protocol().kdf(), std::move(*sk),
                                signal::x3dh_associated(p.alice_id.dh.public_key, p.bob_id.dh.public_key),
                                init->ephemeral_key, {p.bob_spk.key.public_key, p.bob_spk.key.secret.clone()});
  return {std::move(a), std::move(b)};
}

// One message copy through two sessions; with `signer`, the copy's bytes are
// signed and the signature verified too (PQ3 signs every copy).
void send(Rng& rng, ratchet::Session& from, ratchet::Session& to, bool expect_step,
          const crypto::SignKeyPair* signer = nullptr) {
  ratchet::Session::Sent sent = from.encrypt(rng, payload());
  if (signer != nullptr) {
    const Bytes bytes = sent.message.encode();
    const Bytes signature = crypto::sign(signer->secret, bytes);
    if (!crypto::verify(signer->public_key, bytes, signature)) throw std::logic_error("floor: verify");
  }
  ratchet::Session::Received got = to.decrypt(rng, sent.message);
  if (!got.ok() || got.stepped != expect_step) throw std::logic_error("floor: ratchet");
  benchmark::DoNotOptimize(got.plaintext.data());
}

// Alice sends and Bob receives on the same chains: one chain step each side.
void chain_floor(benchmark::State& state, Rng& rng, Sessions s, const crypto::SignKeyPair* alice_signer) {
  send(rng, s.alice, s.bob, true, alice_signer);  // Bob's first receiving chain
  for (auto _ : state) send(rng, s.alice, s.bob, false, alice_signer);
}

// The two take turns: every message carries a new ratchet key, so the
// receiver makes a DH step (two DHs, two root-KDF steps, a new key pair).
void step_floor(benchmark::State& state, Rng& rng, Sessions s, const crypto::SignKeyPair* alice_signer,
                const crypto::SignKeyPair* bob_signer) {
  send(rng, s.alice, s.bob, true, alice_signer);
  bool bob_turn = true;
  for (auto _ : state) {
    if (bob_turn)
      send(rng, s.bob, s.alice, true, bob_signer);
    else
      send(rng, s.alice, s.bob, true, alice_signer);
    bob_turn = !bob_turn;
  }
}

void BM_SignalX3dh(benchmark::State& state) {
  auto rng = make_seeded_rng(1, "bench-floor-x3dh");
  const SignalPair p = make_pair(*rng);
  for (auto _ : state) {
    Sessions s = x3dh(*rng, p);
    benchmark::DoNotOptimize(&s);
  }
}

void BM_SignalChain(benchmark::State& state) {
  auto rng = make_seeded_rng(1, "bench-floor-chain");
  const SignalPair p = make_pair(*rng);
  chain_floor(state, *rng, x3dh(*rng, p), nullptr);
}

void BM_SignalStep(benchmark::State& state) {
  auto rng = make_seeded_rng(1, "bench-floor-step");
  const SignalPair p = make_pair(*rng);
  step_floor(state, *rng, x3dh(*rng, p), nullptr, nullptr);
}

// PQ3 (imessage, imessage-icloud), as protocols/imessage/pq3.h does it: the
// initiator checks the pre-key's signature, draws E and derives the first
// root key, the responder redoes the DH; both set up their Double Ratchet
// sessions with iMessage's KDF labels.
struct Pq3Pair {
  crypto::SignKeyPair alice_auth = {}, bob_auth = {};
  crypto::DhKeyPair bob_prekey = {};
  Bytes signature;
};

Pq3Pair make_pq3_pair(Rng& rng) {
  Pq3Pair p{crypto::sign_keypair(rng), crypto::sign_keypair(rng), crypto::dh_keypair(rng), {}};
  p.signature = imessage::sign_prekey(p.bob_auth.secret, p.bob_prekey.public_key);
  return p;
}

Sessions pq3_setup(Rng& rng, const Pq3Pair& p) {
  const ratchet::Kdf& kdf = imessage::pq3_protocol().kdf();
  auto init = imessage::initiate(rng, p.bob_auth.public_key, p.bob_prekey.public_key, p.signature);
  if (!init) throw std::logic_error("floor: pq3 initiate");
  auto root = imessage::respond(p.bob_prekey.secret, init->ephemeral_key);
  if (!root) throw std::logic_error("floor: pq3 respond");
  const Bytes ad = imessage::session_associated(p.alice_auth.public_key, p.bob_auth.public_key);
  ratchet::Session a =
      ratchet::Session::initiate(kdf, rng, std::move(init->root_key), ad, init->ephemeral_key, p.bob_prekey.public_key);
  ratchet::Session b = ratchet::Session::respond(kdf, std::move(*root), ad, init->ephemeral_key,
                                                 {p.bob_prekey.public_key, p.bob_prekey.secret.clone()});
  return {std::move(a), std::move(b)};
}

void BM_IMessageSetup(benchmark::State& state) {
  auto rng = make_seeded_rng(1, "bench-floor-pq3-setup");
  const Pq3Pair p = make_pq3_pair(*rng);
  for (auto _ : state) {
    Sessions s = pq3_setup(*rng, p);
    benchmark::DoNotOptimize(&s);
  }
}

void BM_IMessageChain(benchmark::State& state) {
  auto rng = make_seeded_rng(1, "bench-floor-pq3-chain");
  const Pq3Pair p = make_pq3_pair(*rng);
  chain_floor(state, *rng, pq3_setup(*rng, p), &p.alice_auth);
}

void BM_IMessageStep(benchmark::State& state) {
  auto rng = make_seeded_rng(1, "bench-floor-pq3-step");
  const Pq3Pair p = make_pq3_pair(*rng);
  step_floor(state, *rng, pq3_setup(*rng, p), &p.alice_auth, &p.bob_auth);
}

}  // namespace

void register_floor_benchmarks() {
  benchmark::RegisterBenchmark(kFloorClassicCopy, BM_ClassicCopy)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark(kFloorIMessageChain, BM_IMessageChain)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark(kFloorIMessageStep, BM_IMessageStep)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark(kFloorIMessageSetup, BM_IMessageSetup)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark(kFloorSignalChain, BM_SignalChain)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark(kFloorSignalStep, BM_SignalStep)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark(kFloorSignalX3dh, BM_SignalX3dh)->Unit(benchmark::kMicrosecond);
}

}  // namespace msgsim::bench
