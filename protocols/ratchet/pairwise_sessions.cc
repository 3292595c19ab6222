#include "protocols/ratchet/pairwise_sessions.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace msgsim::ratchet {

PairwiseSessions::PairwiseSessions(const Protocol& protocol, KeyAgreement& agreement, platform::DeviceStorage& storage,
                                   platform::Backup state_backup)
    : protocol_(protocol), agreement_(agreement), storage_(storage), backup_(state_backup) {}

PairwiseSessions::~PairwiseSessions() = default;

std::vector<ArtifactPtr> PairwiseSessions::Copy::pieces() const {
  std::vector<ArtifactPtr> out;
  if (initial) out.push_back(initial);
  out.push_back(header);
  out.push_back(body);
  return out;
}

PairwiseSessions::Record* PairwiseSessions::start(Context& ctx, NodeId from, NodeId to) {
  auto started = agreement_.initiate(ctx, from, to);
  if (!started) return nullptr;
  Record r{std::move(started->session), {}, std::move(started->initial), nullptr, {}, nullptr};
  auto& mine = sessions_[from];
  // A replaced session's state is deleted from the device with it.
  if (auto old = mine.find(to); old != mine.end())
    for (const auto& [name, file] : old->second.files) storage_.erase(ctx, file);
  return &mine.insert_or_assign(to, std::move(r)).first->second;
}

std::optional<PairwiseSessions::Copy> PairwiseSessions::encrypt(Context& ctx, NodeId from, NodeId to, int message_id,
                                                                ByteView envelope) {
  const std::string& from_label = ctx.world().node(from).label;
  const std::string& to_label = ctx.world().node(to).label;
  Record* r = nullptr;
  if (auto mine = sessions_.find(from); mine != sessions_.end())
    if (auto it = mine->second.find(to); it != mine->second.end() && it->second.session.can_send()) r = &it->second;
  if (!r) r = start(ctx, from, to);
  if (!r) return std::nullopt;
  Session::Sent sent = r->session.encrypt(ctx.rng(), envelope);
  const auto& chain = *r->session.sending();
  const std::string chain_words = fmt::format("chain {} from {} to {}", chain.number, from_label, to_label);
  const Bytes& ratchet_pub = sent.message.header.ratchet_key;
  if (!r->header || r->header_key != ratchet_pub) {
    r->header = make_ratchet_header(protocol_, chain_words, {ratchet_pub, chain.their_ratchet_key, chain.root_name});
    r->header_key = ratchet_pub;
  }
  Bytes bytes = sent.message.encode();
  agreement_.authenticate(from, bytes);
  auto body = make_message(protocol_,
                           fmt::format("{} {} from {} to {} (Double Ratchet, chain {}, n={})", protocol_.message_noun(),
                                       message_id, from_label, to_label, chain.number, sent.message.header.n),
                           sent.message, std::move(bytes));
  // The message key lives in memory for one encryption, then is wiped.
  ctx.handle(from,
             make_message_key(protocol_,
                              fmt::format("{} message key, {}, n={}", from_label, chain_words, sent.message.header.n),
                              ratchet_pub, sent.message.header.n, std::move(sent.message_key)));
  mirror(ctx, from, to, *r);
  return Copy{r->pending_initial, r->header, std::move(body), std::move(sent.message)};
}

// The device reads what it receives by opening the delivered pieces with
// the keys it holds, through Context::open: the agreement's piece with its
// prekeys (KeyAgreement::accept), the header of a new chain with its root key
// and ratchet private key, the message with its message key. The closure
// opens the same pieces with the same stored keys (read back through
// DeviceStorage::read, so they are the very artifacts a seizure finds) and
// reuses these openings instead of redoing the DH. The Session takes its
// first root key and its receiving root step from those openings, so each DH
// is done once; it derives the message key itself, and adopts its new state
// only once that key opened the message.
void PairwiseSessions::decrypt(Context& ctx, NodeId at, NodeId from, const Copy& copy, int message_id,
                               const Keep& keep) {
  const std::string& at_label = ctx.world().node(at).label;
  if (!agreement_.authentic(from, copy.body->data)) {
    ctx.note(fmt::format("message {} was refused on {}: its signature does not verify", message_id, at_label));
    return;
  }
  auto& mine = sessions_[at];
  auto it = mine.find(from);
  // A session the initial piece starts is kept only once this message
  // decrypts with it (libsignal stores it only then): a damaged or forged
  // first copy leaves the device as it was, and the genuine one still opens.
  std::optional<Record> started;
  if (it == mine.end()) {
    if (!copy.initial) return;
    auto accepted = agreement_.accept(ctx, at, from, copy.initial, message_id);
    if (!accepted) return;
    started.emplace(Record{std::move(accepted->session), {}, nullptr, nullptr, {}, std::move(accepted->first_root)});
  }
  Record& r = started ? *started : it->second;
  const WireMessage& wire = copy.wire;
  std::optional<RootStep> step;
  if (r.session.starts_chain(wire)) step = open_header(ctx, at, r, copy.header, wire);
  Session::Prepared got = r.session.prepare(ctx.rng(), wire, step ? &*step : nullptr);
  if (!got.ok()) {
    ctx.note(fmt::format("message {} did not decrypt on {}: {}", message_id, at_label, to_string(got.error)));
    return;
  }
  const std::string chain_words =
      fmt::format("chain {} from {} to {}", got.chain, ctx.world().node(from).label, at_label);
  ArtifactPtr message_key =
      make_message_key(protocol_, fmt::format("{} message key, {}, n={}", at_label, chain_words, wire.header.n),
                       wire.header.ratchet_key, wire.header.n, got.message_key.clone());
  std::optional<std::pair<int, std::string>> envelope;
  if (const auto text = ctx.open(at, copy.body, {message_key}); text.size() == 1) {
    envelope.emplace(text.front()->message_id, msgsim::to_string(text.front()->data));
  } else {
    // The opener yields nothing both when the AEAD refuses the message and
    // when it opens to a malformed envelope; the session treats them apart.
    const auto plaintext = open_message(got.message_key, wire);
    if (!plaintext) {
      ctx.note(fmt::format("message {} did not decrypt on {}: {}", message_id, at_label,
                           to_string(DecryptError::kAuthentication)));
      return;
    }
    envelope = decode_envelope(*plaintext);
  }
  r.session.commit(std::move(got));
  Record& kept = started ? mine.emplace(from, std::move(*started)).first->second : r;
  if (started) agreement_.confirm(ctx, at, copy.initial);
  // The message key lives in memory for this one decryption.
  ctx.handle(at, std::move(message_key));
  // The history keeps what was decrypted, not what the scenario says was sent.
  if (envelope)
    keep(envelope->first, std::move(envelope->second));
  else
    ctx.note(fmt::format("message {} decrypted on {} but its contents were malformed", message_id, at_label));
  // Hearing from the peer acknowledges the session: stop repeating the initial piece.
  kept.pending_initial = nullptr;
  mirror(ctx, at, from, kept);
}

// The DH-ratchet step of a message that starts a chain, as the opening of its
// header with the root key and ratchet private key the device holds. nullopt
// (the Session then steps on its own, and fails the same way if it must)
// when the header is not the one this session's state would open.
std::optional<RootStep> PairwiseSessions::open_header(Context& ctx, NodeId at, const Record& r,
                                                      const ArtifactPtr& header, const WireMessage& wire) {
  const Session& s = r.session;
  const auto part = HeaderPart::decode(header->data);
  if (!part || part->sender_ratchet_key != wire.header.ratchet_key || part->root_name != s.root_name() ||
      part->receiver_ratchet_key != s.ratchet_key().public_key)
    return std::nullopt;
  ArtifactPtr root;
  if (auto f = r.files.find("root:" + hex(s.root_name())); f != r.files.end())
    root = storage_.read(ctx, f->second);
  else if (r.first_root && s.root_name() == s.base_key())
    root = r.first_root;
  ArtifactPtr ratchet;
  if (crypto::equal_constant_time(s.ratchet_key().public_key, agreement_.first_ratchet_public(at)))
    ratchet = agreement_.first_ratchet_key(ctx, at);
  else if (auto f = r.files.find("ratchet:" + hex(s.ratchet_key().public_key)); f != r.files.end())
    ratchet = storage_.read(ctx, f->second);
  if (!root || !ratchet) return std::nullopt;
  const auto opened = ctx.open(at, header, {root, ratchet});
  if (opened.size() != 2) return std::nullopt;
  return RootStep{opened[1]->secret.clone(), {opened[0]->secret.clone(), 0}};
}

// Makes the device's stored session state equal to the Session: writes what
// is new, erases what the real app deleted or overwrote (used message keys,
// advanced chain keys, replaced root and ratchet keys). From one message to
// the next most of the state is unchanged, so a file's artifact (secret copy,
// label) is made only when that file is new.
void PairwiseSessions::mirror(Context& ctx, NodeId at, NodeId peer, Record& r) {
  const Session& s = r.session;
  enum class Part { kRoot, kRatchet, kSending, kReceiving, kSkipped };
  struct Want {
    std::string name;
    Part part;
    std::size_t index = 0;  // into receiving() or skipped()
  };
  std::vector<Want> want;
  want.push_back({"root:" + hex(s.root_name()), Part::kRoot});
  // While the agreement's prekey is still the session's ratchet key, the
  // agreement keeps it (in the app's files, or in a Secure Enclave): no copy.
  if (!crypto::equal_constant_time(s.ratchet_key().public_key, agreement_.first_ratchet_public(at)))
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
  const std::string& label = ctx.world().node(at).label;
  std::string with;
  for (Want& w : want) {
    if (r.files.count(w.name)) continue;
    if (with.empty()) with = fmt::format("session with {}", ctx.world().node(peer).label);
    ArtifactPtr a;
    switch (w.part) {
      case Part::kRoot:
        a = make_root_key(protocol_, fmt::format("{} root key ({})", label, with), s.root_name(), s.root_key().clone());
        break;
      case Part::kRatchet:
        a = make_dh_key(protocol_.ratchet_key_type(), fmt::format("{} ratchet private key ({})", label, with),
                        protocol_.ratchet_id(s.ratchet_key().public_key), s.ratchet_key());
        break;
      case Part::kSending: {
        const auto& c = *s.sending();
        a = make_chain_key(
            protocol_, fmt::format("{} sending chain key, chain {}, n={} ({})", label, c.number, c.chain.index, with),
            s.ratchet_key().public_key, c.chain);
        break;
      }
      case Part::kReceiving: {
        const auto& c = s.receiving()[w.index];
        a = make_chain_key(
            protocol_, fmt::format("{} receiving chain key, chain {}, n={} ({})", label, c.number, c.chain.index, with),
            c.their_ratchet_key, c.chain);
        break;
      }
      case Part::kSkipped: {
        const auto& k = s.skipped()[w.index];
        a = make_message_key(protocol_, fmt::format("{} skipped message key, n={} ({})", label, k.index, with),
                             k.their_ratchet_key, k.index, k.key.clone());
        break;
      }
    }
    r.files.emplace(std::move(w.name), storage_.write(ctx, at, std::move(a), backup_));
  }
}

}  // namespace msgsim::ratchet
