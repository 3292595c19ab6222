#include "protocols/signal/signal_model.h"

#include <fmt/format.h>

#include <map>
#include <stdexcept>

#include "protocols/platform/device_storage.h"
#include "protocols/signal/model_details.h"
#include "protocols/signal/openers.h"
#include "protocols/signal/ratchet.h"
#include "protocols/signal/x3dh.h"

namespace msgsim {
namespace {

using platform::Backup;
using platform::DeviceStorage;
using platform::FileHandle;
namespace sig = signal;

// Signal's files are excluded from device backups (FACTS.md §2.6).
constexpr Backup kSignalFiles = Backup::kExcluded;

class SignalModel final : public Model {
 public:
  std::string_view name() const override { return "signal"; }
  // Apple is here because iPhones back up to iCloud (and Signal's files are
  // not in that backup: the closure has to find that Apple reads nothing).
  std::vector<std::string> providers() const override { return {"signal", "apple"}; }

  void register_openers(OpenerRegistry& registry) const override {
    sig::register_signal_openers(registry);
    DeviceStorage::register_openers(registry);
  }

  void provision(Context& ctx) override;
  void send(Context& ctx, const Message& message) override;
  void end_of_tick(Context& ctx) override { storage_.end_of_tick(ctx); }

 private:
  struct SessionRecord {
    sig::Session session;
    std::map<std::string, FileHandle> files;  // the state as stored, by a stable name
    // The X3DH part the initiator repeats until it hears back (libsignal's
    // unacknowledged prekey message); null for the responder or once acknowledged.
    ArtifactPtr pending_prekey;
    std::optional<sig::PreKeyPart> pending_part;
    ArtifactPtr header;  // the current sending chain's header, one object per chain
  };
  struct Device {
    NodeId node = 0;
    std::string party;
    std::string label;  // "alice's iPhone"
    sig::SignedPreKey spk;
    std::map<std::uint32_t, sig::OneTimePreKey> opks;
    std::map<std::uint32_t, FileHandle> opk_files;
    std::map<NodeId, SessionRecord> sessions;  // by peer device
    // What the Signal server keeps for this device.
    ArtifactPtr bundle_on_server;
    std::map<std::uint32_t, ArtifactPtr> opks_on_server;
  };

  Device& device(NodeId n) { return devices_.at(n); }
  SessionRecord* start_session(Context& ctx, Device& from, Device& to);
  void deliver(Context& ctx, Device& from, Device& to, const std::vector<ArtifactPtr>& pieces);
  void receive(Context& ctx, Device& at, Device& from, const sig::WireMessage& wire, const Message& message);
  void mirror(Context& ctx, Device& d, const Device& peer, SessionRecord& r);

  DeviceStorage storage_;
  std::map<std::string, sig::IdentityKey> identities_;  // per party (account), shared by its devices
  std::map<NodeId, Device> devices_;
  NodeId server_ = 0;
};

void SignalModel::provision(Context& ctx) {
  storage_.provision(ctx);
  const World& w = ctx.world();
  const auto server = w.server("signal");
  if (!server) throw std::logic_error("signal model: no Signal server in the world");
  server_ = *server;
  Rng& rng = ctx.rng();

  for (const Party& party : ctx.scenario().parties) {
    // One account per party; every device of it shares the identity key
    // (the first is the primary, the others linked, FACTS.md §2.1).
    const sig::IdentityKey& id = identities_.emplace(party.name, sig::make_identity(rng)).first->second;
    for (NodeId n : w.devices_of(party.name)) {
      Device d;
      d.node = n;
      d.party = party.name;
      d.label = w.node(n).label;
      d.spk = sig::make_signed_prekey(rng, id, 1);
      for (auto& k : sig::make_one_time_prekeys(rng, 1, sig::kOneTimePreKeyBatch)) d.opks.emplace(k.id, std::move(k));

      const std::string acct = party.label.empty() ? party.name : party.label;
      storage_.write(
          ctx, n,
          sig::make_dh_key(sig::kIdentityKeyType, fmt::format("{}'s Signal identity key (on {})", acct, d.label),
                           sig::identity_id(id.dh.public_key), id.dh),
          kSignalFiles);
      storage_.write(
          ctx, n,
          make_key(sig::kIdentitySigningKeyType, fmt::format("{}'s Signal identity signing key (on {})", acct, d.label),
                   sig::identity_signing_id(id.sign.public_key), id.sign.secret.clone(), id.sign.public_key),
          kSignalFiles);
      storage_.write(ctx, n,
                     sig::make_dh_key(sig::kSignedPreKeyType, fmt::format("{} signed prekey", d.label),
                                      sig::ratchet_id(d.spk.key.public_key), d.spk.key),
                     kSignalFiles);
      for (const auto& [kid, k] : d.opks)
        d.opk_files.emplace(kid, storage_.write(ctx, n,
                                                sig::make_dh_key(sig::kOneTimePreKeyType,
                                                                 fmt::format("{} one-time prekey #{}", d.label, kid),
                                                                 sig::one_time_prekey_id(k.key.public_key), k.key),
                                                kSignalFiles));

      // Registration: the public bundle goes to the Signal server.
      Bytes bundle;
      append_framed(bundle, id.dh.public_key);
      append_framed(bundle, id.sign.public_key);
      append_framed(bundle, d.spk.key.public_key);
      append_framed(bundle, d.spk.signature);
      d.bundle_on_server =
          make_key(sig::kPreKeyBundleType,
                   fmt::format("{} prekey bundle: identity key, signed prekey, signature (public)", d.label),
                   make_key_id("signal.bundle", bundle), SecretBytes(), bundle);
      ctx.transmit(n, server_, d.bundle_on_server);
      ctx.store(server_, d.bundle_on_server);
      for (const auto& [kid, k] : d.opks) {
        auto pub =
            make_key(sig::kPublicOneTimePreKeyType, fmt::format("{} one-time prekey #{} (public)", d.label, kid),
                     make_key_id("signal.public-one-time-prekey", k.key.public_key), SecretBytes(), k.key.public_key);
        ctx.transmit(n, server_, pub);
        ctx.store(server_, pub);
        d.opks_on_server.emplace(kid, std::move(pub));
      }
      devices_.emplace(n, std::move(d));
    }
  }
}

SignalModel::SessionRecord* SignalModel::start_session(Context& ctx, Device& from, Device& to) {
  // Alice fetches Bob's device bundle; the server hands out one one-time
  // prekey and deletes it.
  ctx.transmit(server_, from.node, to.bundle_on_server);
  const sig::IdentityKey& theirs = identities_.at(to.party);
  sig::PreKeyBundle bundle{theirs.dh.public_key, theirs.sign.public_key, to.spk.id, to.spk.key.public_key,
                           to.spk.signature,     std::nullopt,           {}};
  if (!to.opks_on_server.empty()) {
    auto it = to.opks_on_server.begin();
    ctx.transmit(server_, from.node, it->second);
    ctx.remove(server_, it->second);
    bundle.one_time_prekey_id = it->first;
    bundle.one_time_prekey = to.opks.at(it->first).key.public_key;
    to.opks_on_server.erase(it);
  }
  Rng& rng = ctx.rng();
  auto init = sig::x3dh_initiate(rng, identities_.at(from.party), bundle);
  if (!init) {
    ctx.note(fmt::format("{} rejected the prekey bundle of {}: bad signature", from.label, to.label));
    return nullptr;
  }
  sig::PreKeyPart part{identities_.at(from.party).dh.public_key, init->ephemeral_key, theirs.dh.public_key,
                       to.spk.key.public_key, bundle.one_time_prekey};
  SessionRecord r{sig::Session::initiate(rng, std::move(init->shared_secret), init->associated, init->ephemeral_key,
                                         to.spk.key.public_key),
                  {},
                  sig::make_prekey_message(fmt::format("from {} to {}", from.label, to.label), part),
                  part,
                  nullptr};
  // A replaced session's state is deleted from the device with it.
  if (auto old = from.sessions.find(to.node); old != from.sessions.end())
    for (const auto& [name, file] : old->second.files) storage_.erase(ctx, file);
  return &from.sessions.insert_or_assign(to.node, std::move(r)).first->second;
}

void SignalModel::send(Context& ctx, const Message& message) {
  const World& w = ctx.world();
  const auto& own = w.devices_of(message.from);
  // The party's first device sends; Sesame-style fan-out to every device of
  // the recipient and to the sender's own other devices.
  if (own.empty()) return;
  Device& from = device(own.front());
  std::vector<NodeId> targets;
  for (const std::string& to : message.to)
    for (NodeId n : w.devices_of(to)) targets.push_back(n);
  targets.insert(targets.end(), own.begin() + 1, own.end());

  storage_.write(ctx, from.node,
                 make_plaintext(fmt::format("message {} in {}'s Signal history", message.id, from.label), message.id,
                                message.text),
                 kSignalFiles);
  const Bytes envelope = sig::encode_envelope(message.id, message.text);
  Rng& rng = ctx.rng();

  for (NodeId t : targets) {
    Device& to = device(t);
    auto it = from.sessions.find(t);
    // A session that cannot send yet (a responder that never decrypted
    // anything) is replaced by a fresh X3DH, as libsignal would start one.
    SessionRecord* r =
        it != from.sessions.end() && it->second.session.can_send() ? &it->second : start_session(ctx, from, to);
    if (!r) continue;
    sig::Session::Sent sent = r->session.encrypt(rng, envelope);
    const auto& chain = *r->session.sending();
    const std::string chain_words = fmt::format("chain {} from {} to {}", chain.number, from.label, to.label);
    const Bytes& ratchet_pub = sent.message.header.ratchet_key;
    if (!r->header || sig::HeaderPart::decode(r->header->data)->sender_ratchet_key != ratchet_pub)
      r->header = sig::make_ratchet_header(chain_words, {ratchet_pub, chain.their_ratchet_key, chain.root_name});
    auto body = sig::make_message(fmt::format("Signal message {} from {} to {} (Double Ratchet, chain {}, n={})",
                                              message.id, from.label, to.label, chain.number, sent.message.header.n),
                                  sent.message);
    // The message key lives in memory for one encryption, then is wiped.
    ctx.handle(from.node, sig::make_message_key(
                              fmt::format("{} message key, {}, n={}", from.label, chain_words, sent.message.header.n),
                              ratchet_pub, sent.message.header.n, std::move(sent.message_key)));
    mirror(ctx, from, to, *r);

    std::vector<ArtifactPtr> pieces;
    if (r->pending_prekey) pieces.push_back(r->pending_prekey);
    pieces.push_back(r->header);
    pieces.push_back(body);
    deliver(ctx, from, to, pieces);
    receive(ctx, to, from, sent.message, message);
  }
}

void SignalModel::deliver(Context& ctx, Device& from, Device& to, const std::vector<ArtifactPtr>& pieces) {
  // The server queues the message until the device fetches it, then deletes it.
  for (const auto& p : pieces) {
    ctx.transmit(from.node, server_, p);
    ctx.store(server_, p);
  }
  for (const auto& p : pieces) {
    ctx.transmit(server_, to.node, p);
    ctx.remove(server_, p);
  }
}

void SignalModel::receive(Context& ctx, Device& at, Device& from, const sig::WireMessage& wire,
                          const Message& message) {
  auto it = at.sessions.find(from.node);
  if (it == at.sessions.end()) {
    // A PreKeySignalMessage: run X3DH as Bob, then delete the one-time prekey.
    const SessionRecord& sender = from.sessions.at(at.node);
    if (!sender.pending_part) return;
    const sig::PreKeyPart& part = *sender.pending_part;
    const sig::OneTimePreKey* opk = nullptr;
    std::uint32_t opk_id = 0;
    for (const auto& [kid, k] : at.opks)
      if (!part.one_time_prekey.empty() && k.key.public_key == part.one_time_prekey) {
        opk = &k;
        opk_id = kid;
      }
    if (!part.one_time_prekey.empty() && !opk) {
      ctx.note(fmt::format("message {} was not readable on {}: its one-time prekey is gone", message.id, at.label));
      return;
    }
    auto sk = sig::x3dh_respond(identities_.at(at.party).dh.secret, at.spk.key.secret, opk ? &opk->key.secret : nullptr,
                                part.initiator_identity, part.base_key);
    if (!sk) return;
    SessionRecord r{
        sig::Session::respond(std::move(*sk),
                              sig::x3dh_associated(part.initiator_identity, identities_.at(at.party).dh.public_key),
                              part.base_key, {at.spk.key.public_key, at.spk.key.secret.clone()}),
        {},
        nullptr,
        std::nullopt,
        nullptr};
    if (opk) {
      storage_.erase(ctx, at.opk_files.at(opk_id));
      at.opk_files.erase(opk_id);
      at.opks.erase(opk_id);
    }
    it = at.sessions.emplace(from.node, std::move(r)).first;
  }
  SessionRecord& r = it->second;
  sig::Session::Received got = r.session.decrypt(ctx.rng(), wire);
  if (!got.ok()) {
    ctx.note(fmt::format("message {} did not decrypt on {}: {}", message.id, at.label, sig::to_string(got.error)));
    return;
  }
  int chain_number = 0;
  for (const auto& c : r.session.receiving())
    if (c.their_ratchet_key == wire.header.ratchet_key) chain_number = c.number;
  const std::string chain_words = fmt::format("chain {} from {} to {}", chain_number, from.label, at.label);
  ctx.handle(at.node,
             sig::make_message_key(fmt::format("{} message key, {}, n={}", at.label, chain_words, wire.header.n),
                                   wire.header.ratchet_key, wire.header.n, std::move(got.message_key)));
  // The history keeps what was decrypted, not what the scenario says was sent.
  if (auto envelope = sig::decode_envelope(got.plaintext))
    storage_.write(ctx, at.node,
                   make_plaintext(fmt::format("message {} in {}'s Signal history", envelope->first, at.label),
                                  envelope->first, std::move(envelope->second)),
                   kSignalFiles);
  else
    ctx.note(fmt::format("message {} decrypted on {} but its contents were malformed", message.id, at.label));
  // Hearing from the peer acknowledges the session: stop repeating X3DH.
  r.pending_prekey = nullptr;
  r.pending_part.reset();
  mirror(ctx, at, from, r);
}

// Makes the device's stored session state equal to the Session: writes what
// is new, erases what the real app deleted or overwrote (used message keys,
// advanced chain keys, replaced root and ratchet keys).
void SignalModel::mirror(Context& ctx, Device& d, const Device& peer, SessionRecord& r) {
  const sig::Session& s = r.session;
  const std::string with = fmt::format("session with {}", peer.label);
  std::map<std::string, ArtifactPtr> want;
  want.emplace("root:" + hex(s.root_name()),
               sig::make_root_key(fmt::format("{} root key ({})", d.label, with), s.root_name(), s.root_key().clone()));
  // While the signed prekey is still the session's ratchet key it is the
  // same stored key; no second copy.
  if (s.ratchet_key().public_key != d.spk.key.public_key)
    want.emplace("ratchet:" + hex(s.ratchet_key().public_key),
                 sig::make_dh_key(sig::kRatchetKeyType, fmt::format("{} ratchet private key ({})", d.label, with),
                                  sig::ratchet_id(s.ratchet_key().public_key), s.ratchet_key()));
  if (const auto& c = s.sending())
    want.emplace(fmt::format("send:{}:{}", hex(s.ratchet_key().public_key), c->chain.index),
                 sig::make_chain_key(
                     fmt::format("{} sending chain key, chain {}, n={} ({})", d.label, c->number, c->chain.index, with),
                     s.ratchet_key().public_key, c->chain));
  for (const auto& c : s.receiving())
    want.emplace(fmt::format("recv:{}:{}", hex(c.their_ratchet_key), c.chain.index),
                 sig::make_chain_key(
                     fmt::format("{} receiving chain key, chain {}, n={} ({})", d.label, c.number, c.chain.index, with),
                     c.their_ratchet_key, c.chain));
  for (const auto& k : s.skipped())
    want.emplace(fmt::format("skip:{}:{}", hex(k.their_ratchet_key), k.index),
                 sig::make_message_key(fmt::format("{} skipped message key, n={} ({})", d.label, k.index, with),
                                       k.their_ratchet_key, k.index, k.key.clone()));

  for (auto f = r.files.begin(); f != r.files.end();) {
    if (want.count(f->first)) {
      ++f;
    } else {
      storage_.erase(ctx, f->second);
      f = r.files.erase(f);
    }
  }
  for (auto& [name, a] : want)
    if (!r.files.count(name)) r.files.emplace(name, storage_.write(ctx, d.node, std::move(a), kSignalFiles));
}

}  // namespace

std::unique_ptr<Model> make_signal_model() { return std::make_unique<SignalModel>(); }

const ModelInfo& signal_model_info() {
  static const ModelInfo info{
      "signal",
      "Signal: X3DH + Double Ratchet per device, server queues ciphertext only, files excluded from iCloud Backup",
      sig::kModelDetails, &make_signal_model};
  return info;
}

}  // namespace msgsim
