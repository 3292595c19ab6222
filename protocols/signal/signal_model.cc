#include "protocols/signal/signal_model.h"

#include <fmt/format.h>

#include <algorithm>
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
    ArtifactPtr header;  // the current sending chain's header, one object per chain
    Bytes header_key;    // the sender ratchet key it names
    // The responder's first root key as its X3DH opening yielded it: the
    // device's root key until its first DH step (that key is never stored).
    ArtifactPtr x3dh_root;
  };
  struct Device {
    NodeId node = 0;
    std::string party;
    std::string label;  // "alice's iPhone"
    sig::SignedPreKey spk;
    FileHandle identity_file;
    FileHandle spk_file;
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
  struct Pieces {
    ArtifactPtr prekey;  // null once the session is acknowledged
    ArtifactPtr header;
    ArtifactPtr body;
  };
  void receive(Context& ctx, Device& at, Device& from, const Pieces& pieces, const sig::WireMessage& wire,
               const Message& message);
  std::optional<sig::RootStep> open_header(Context& ctx, Device& at, const SessionRecord& r, const ArtifactPtr& header,
                                           const sig::WireMessage& wire);
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
      d.identity_file = storage_.write(
          ctx, n,
          sig::make_dh_key(sig::kIdentityKeyType, fmt::format("{}'s Signal identity key (on {})", acct, d.label),
                           sig::identity_id(id.dh.public_key), id.dh),
          kSignalFiles);
      storage_.write(
          ctx, n,
          make_key(sig::kIdentitySigningKeyType, fmt::format("{}'s Signal identity signing key (on {})", acct, d.label),
                   sig::identity_signing_id(id.sign.public_key), id.sign.secret.clone(), id.sign.public_key),
          kSignalFiles);
      d.spk_file = storage_.write(ctx, n,
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
                  nullptr,
                  {},
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
    if (!r->header || r->header_key != ratchet_pub) {
      r->header = sig::make_ratchet_header(chain_words, {ratchet_pub, chain.their_ratchet_key, chain.root_name});
      r->header_key = ratchet_pub;
    }
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
    receive(ctx, to, from, {r->pending_prekey, r->header, body}, sent.message, message);
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

// The device reads what it receives by opening the delivered pieces with
// the keys it holds in storage, through Context::open: the X3DH part with its
// identity, signed prekey and one-time prekey, the header of a new chain with
// its root key and ratchet private key, the message with its message key. The
// closure opens the same pieces with the same stored keys (read back through
// DeviceStorage::read, so they are the very artifacts a seizure finds) and
// reuses these openings instead of redoing the DH. The Session takes its X3DH
// secret and its receiving root step from those openings, so each DH is done
// once; it derives the message key itself, and adopts its new state only once
// that key opened the message.
void SignalModel::receive(Context& ctx, Device& at, Device& from, const Pieces& pieces, const sig::WireMessage& wire,
                          const Message& message) {
  auto it = at.sessions.find(from.node);
  if (it == at.sessions.end()) {
    // A PreKeySignalMessage: run X3DH as Bob, then delete the one-time prekey.
    if (!pieces.prekey) return;
    const auto part = sig::PreKeyPart::decode(pieces.prekey->data);
    if (!part) return;
    std::optional<std::uint32_t> opk_id;
    for (const auto& [kid, k] : at.opks)
      if (!part->one_time_prekey.empty() && k.key.public_key == part->one_time_prekey) opk_id = kid;
    if (!part->one_time_prekey.empty() && !opk_id) {
      ctx.note(fmt::format("message {} was not readable on {}: its one-time prekey is gone", message.id, at.label));
      return;
    }
    std::vector<ArtifactPtr> keys{storage_.read(ctx, at.identity_file), storage_.read(ctx, at.spk_file)};
    if (opk_id) keys.push_back(storage_.read(ctx, at.opk_files.at(*opk_id)));
    for (const auto& k : keys)
      if (!k) throw std::logic_error("signal model: a device could not read its own prekeys");
    const auto root = ctx.open(at.node, pieces.prekey, keys);
    if (root.size() != 1) return;
    SessionRecord r{
        sig::Session::respond(root.front()->secret.clone(),
                              sig::x3dh_associated(part->initiator_identity, identities_.at(at.party).dh.public_key),
                              part->base_key, {at.spk.key.public_key, at.spk.key.secret.clone()}),
        {},
        nullptr,
        nullptr,
        {},
        root.front()};
    if (opk_id) {
      storage_.erase(ctx, at.opk_files.at(*opk_id));
      at.opk_files.erase(*opk_id);
      at.opks.erase(*opk_id);
    }
    it = at.sessions.emplace(from.node, std::move(r)).first;
  }
  SessionRecord& r = it->second;
  std::optional<sig::RootStep> step;
  if (r.session.starts_chain(wire)) step = open_header(ctx, at, r, pieces.header, wire);
  sig::Session::Prepared got = r.session.prepare(ctx.rng(), wire, step ? &*step : nullptr);
  if (!got.ok()) {
    ctx.note(fmt::format("message {} did not decrypt on {}: {}", message.id, at.label, sig::to_string(got.error)));
    return;
  }
  const std::string chain_words = fmt::format("chain {} from {} to {}", got.chain, from.label, at.label);
  ArtifactPtr message_key =
      sig::make_message_key(fmt::format("{} message key, {}, n={}", at.label, chain_words, wire.header.n),
                            wire.header.ratchet_key, wire.header.n, got.message_key.clone());
  std::optional<std::pair<int, std::string>> envelope;
  if (const auto text = ctx.open(at.node, pieces.body, {message_key}); text.size() == 1) {
    envelope.emplace(text.front()->message_id, msgsim::to_string(text.front()->data));
  } else {
    // The opener yields nothing both when the AEAD refuses the message and
    // when it opens to a malformed envelope; the session treats them apart.
    const auto plaintext = sig::open_message(got.message_key, wire);
    if (!plaintext) {
      ctx.note(fmt::format("message {} did not decrypt on {}: {}", message.id, at.label,
                           sig::to_string(sig::DecryptError::kAuthentication)));
      return;
    }
    envelope = sig::decode_envelope(*plaintext);
  }
  r.session.commit(std::move(got));
  // The message key lives in memory for this one decryption.
  ctx.handle(at.node, std::move(message_key));
  // The history keeps what was decrypted, not what the scenario says was sent.
  if (envelope)
    storage_.write(ctx, at.node,
                   make_plaintext(fmt::format("message {} in {}'s Signal history", envelope->first, at.label),
                                  envelope->first, std::move(envelope->second)),
                   kSignalFiles);
  else
    ctx.note(fmt::format("message {} decrypted on {} but its contents were malformed", message.id, at.label));
  // Hearing from the peer acknowledges the session: stop repeating X3DH.
  r.pending_prekey = nullptr;
  mirror(ctx, at, from, r);
}

// The DH-ratchet step of a message that starts a chain, as the opening of its
// header with the root key and ratchet private key the device holds. nullopt
// (the Session then steps on its own, and fails the same way if it must)
// when the header is not the one this session's state would open.
std::optional<sig::RootStep> SignalModel::open_header(Context& ctx, Device& at, const SessionRecord& r,
                                                      const ArtifactPtr& header, const sig::WireMessage& wire) {
  const sig::Session& s = r.session;
  const auto part = sig::HeaderPart::decode(header->data);
  if (!part || part->sender_ratchet_key != wire.header.ratchet_key || part->root_name != s.root_name() ||
      part->receiver_ratchet_key != s.ratchet_key().public_key)
    return std::nullopt;
  ArtifactPtr root;
  if (auto f = r.files.find("root:" + hex(s.root_name())); f != r.files.end())
    root = storage_.read(ctx, f->second);
  else if (r.x3dh_root && s.root_name() == s.base_key())
    root = r.x3dh_root;
  ArtifactPtr ratchet;
  if (s.ratchet_key().public_key == at.spk.key.public_key)
    ratchet = storage_.read(ctx, at.spk_file);
  else if (auto f = r.files.find("ratchet:" + hex(s.ratchet_key().public_key)); f != r.files.end())
    ratchet = storage_.read(ctx, f->second);
  if (!root || !ratchet) return std::nullopt;
  const auto opened = ctx.open(at.node, header, {root, ratchet});
  if (opened.size() != 2) return std::nullopt;
  return sig::RootStep{opened[1]->secret.clone(), {opened[0]->secret.clone(), 0}};
}

// Makes the device's stored session state equal to the Session: writes what
// is new, erases what the real app deleted or overwrote (used message keys,
// advanced chain keys, replaced root and ratchet keys). From one message to
// the next most of the state is unchanged, so a file's artifact (secret copy,
// label) is made only when that file is new.
void SignalModel::mirror(Context& ctx, Device& d, const Device& peer, SessionRecord& r) {
  const sig::Session& s = r.session;
  enum class Part { kRoot, kRatchet, kSending, kReceiving, kSkipped };
  struct Want {
    std::string name;
    Part part;
    std::size_t index = 0;  // into receiving() or skipped()
  };
  std::vector<Want> want;
  want.push_back({"root:" + hex(s.root_name()), Part::kRoot});
  // While the signed prekey is still the session's ratchet key it is the
  // same stored key; no second copy.
  if (s.ratchet_key().public_key != d.spk.key.public_key)
    want.push_back({"ratchet:" + hex(s.ratchet_key().public_key), Part::kRatchet});
  if (const auto& c = s.sending())
    want.push_back({fmt::format("send:{}:{}", hex(s.ratchet_key().public_key), c->chain.index), Part::kSending});
  for (std::size_t i = 0; i < s.receiving().size(); ++i) {
    const auto& c = s.receiving()[i];
    want.push_back({fmt::format("recv:{}:{}", hex(c.their_ratchet_key), c.chain.index), Part::kReceiving, i});
  }
  for (std::size_t i = 0; i < s.skipped().size(); ++i) {
    const auto& k = s.skipped()[i];
    want.push_back({fmt::format("skip:{}:{}", hex(k.their_ratchet_key), k.index), Part::kSkipped, i});
  }
  // Files are erased in name order, then written in name order (the first of
  // equal names wins), as they always were: the order is part of the evidence.
  const auto by_name = [](const Want& a, const Want& b) { return a.name < b.name; };
  std::stable_sort(want.begin(), want.end(), by_name);
  want.erase(std::unique(want.begin(), want.end(), [](const Want& a, const Want& b) { return a.name == b.name; }),
             want.end());
  const auto wanted = [&](const std::string& name) {
    return std::binary_search(want.begin(), want.end(), Want{name, Part::kRoot}, by_name);
  };

  for (auto f = r.files.begin(); f != r.files.end();) {
    if (wanted(f->first)) {
      ++f;
    } else {
      storage_.erase(ctx, f->second);
      f = r.files.erase(f);
    }
  }
  std::string with;
  for (Want& w : want) {
    if (r.files.count(w.name)) continue;
    if (with.empty()) with = fmt::format("session with {}", peer.label);
    ArtifactPtr a;
    switch (w.part) {
      case Part::kRoot:
        a = sig::make_root_key(fmt::format("{} root key ({})", d.label, with), s.root_name(), s.root_key().clone());
        break;
      case Part::kRatchet:
        a = sig::make_dh_key(sig::kRatchetKeyType, fmt::format("{} ratchet private key ({})", d.label, with),
                             sig::ratchet_id(s.ratchet_key().public_key), s.ratchet_key());
        break;
      case Part::kSending: {
        const auto& c = *s.sending();
        a = sig::make_chain_key(
            fmt::format("{} sending chain key, chain {}, n={} ({})", d.label, c.number, c.chain.index, with),
            s.ratchet_key().public_key, c.chain);
        break;
      }
      case Part::kReceiving: {
        const auto& c = s.receiving()[w.index];
        a = sig::make_chain_key(
            fmt::format("{} receiving chain key, chain {}, n={} ({})", d.label, c.number, c.chain.index, with),
            c.their_ratchet_key, c.chain);
        break;
      }
      case Part::kSkipped: {
        const auto& k = s.skipped()[w.index];
        a = sig::make_message_key(fmt::format("{} skipped message key, n={} ({})", d.label, k.index, with),
                                  k.their_ratchet_key, k.index, k.key.clone());
        break;
      }
    }
    r.files.emplace(std::move(w.name), storage_.write(ctx, d.node, std::move(a), kSignalFiles));
  }
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
