// tests/protocols/conformance: what the conformance suite needs of a model
// beyond its registry row, to deliver copies twice, out of order, altered or
// not at all.
//
// Model::send encrypts, relays and decrypts each copy in one step, as a run
// does, so hostile delivery needs the receiving side of the model on its
// own. A Channel gives it, built from the model's own parts: one sending and
// one receiving device, driven copy by copy, with what the receiving device
// stores (the state the model mirrors into the world) in view.
// Each model registers its channel from its own test folder (see
// register_channel, at the end); a model without one fails the suite
// (conformance_test.cc), so a new model comes with its channel.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "msgsim/model.h"
#include "protocols/platform/device_storage.h"
#include "protocols/ratchet/pairwise_sessions.h"
#include "tests/support/memory_context.h"

namespace msgsim::conformance {

// A copy as it travels to the receiving device: the model's pieces, in the
// order it transmits them.
using Pieces = std::vector<ArtifactPtr>;

// What the receiving device read and kept.
struct Read {
  int message = 0;
  std::string text;
  friend bool operator==(const Read&, const Read&) = default;
  friend void PrintTo(const Read& r, std::ostream* os) { *os << "message " << r.message << " \"" << r.text << "\""; }
};

// What the receiving device does with a copy it has read already.
enum class Replay {
  kRefused,    // it refuses it, and nothing changes
  kReadAgain,  // it reads it again, and nothing changes (no per-message state)
};

// alice's device and bob's device (the scenario's first device of each),
// exchanging the scenario's messages.
class Channel {
 public:
  virtual ~Channel() = default;
  // The sender's device encrypts `m` (a message of the scenario, sent in
  // scenario order) for the recipient's device: what it transmits. A
  // message to alice is delivered to her device at once; one to bob waits
  // for receive().
  virtual Pieces send(const Message& m) = 0;
  // bob's device receives `pieces` from alice's (genuine or not): what it
  // read, or nullopt when it refused them.
  virtual std::optional<Read> receive(const Pieces& pieces) = 0;
  // What bob's device stores now: the state the model mirrors into the
  // world (keys, files), oldest first.
  virtual std::vector<ArtifactPtr> receiver_state() const = 0;
  virtual Replay replay() const = 0;
  // Why, in a sentence: what "refused" means for this model.
  virtual std::string replay_why() const = 0;
};

using ChannelFactory = std::function<std::unique_ptr<Channel>(const ModelInfo&, const Scenario&, std::uint64_t seed)>;

// ---- Models on the Double Ratchet (ratchet::PairwiseSessions) -------------

// The model's sessions and key agreement, as its Model wires them, on a
// MemoryContext whose openers are the model's own.
class RatchetChannel : public Channel {
 public:
  Pieces send(const Message& m) override {
    const NodeId from = device(m.from), to = device(m.to.at(0));
    auto copy = sessions_->encrypt(*ctx_, from, to, m.id, ratchet::encode_envelope(m.id, m.text));
    if (!copy) throw std::logic_error("the key agreement refused to start a session");
    if (to != bob_) {
      bool read = false;
      sessions_->decrypt(*ctx_, to, from, *copy, m.id, [&](int, std::string) { read = true; });
      if (!read) throw std::logic_error("alice's device did not read bob's answer");
    }
    return copy->pieces();
  }

  std::optional<Read> receive(const Pieces& pieces) override {
    // The pieces a PairwiseSessions copy travels as: the agreement's piece
    // until bob answers, the ratchet header, the message.
    if (pieces.size() != 2 && pieces.size() != 3) return std::nullopt;
    ratchet::PairwiseSessions::Copy copy;
    if (pieces.size() == 3) copy.initial = pieces[0];
    copy.header = pieces[pieces.size() - 2];
    copy.body = pieces.back();
    // The device parses the message bytes (a signing app's signature last).
    ByteView bytes = copy.body->data;
    if (protocol_.signed_messages()) {
      if (bytes.size() < crypto::kSignatureSize) return std::nullopt;
      bytes = bytes.first(bytes.size() - crypto::kSignatureSize);
    }
    auto wire = ratchet::WireMessage::decode(bytes);
    if (!wire) return std::nullopt;
    copy.wire = std::move(*wire);
    std::optional<Read> read;
    sessions_->decrypt(*ctx_, bob_, alice_, copy, 0, [&](int id, std::string text) {
      read = Read{id, std::move(text)};
    });
    return read;
  }

  std::vector<ArtifactPtr> receiver_state() const override { return ctx_->stored(bob_); }
  Replay replay() const override { return Replay::kRefused; }
  std::string replay_why() const override {
    return "the Double Ratchet deletes a message key once it has opened its message (libsignal; PQ3 ratchets "
           "'in the style of Signal'): the device's Session refuses a copy it has read, its key deleted and its "
           "chain moved past it (DecryptError::kDuplicate)";
  }

 protected:
  RatchetChannel(const ModelInfo& info, const Scenario& s, std::uint64_t seed, const ratchet::Protocol& protocol)
      : protocol_(protocol) {
    std::unique_ptr<Model> model = info.make();
    ctx_ = std::make_unique<testing::MemoryContext>(s, std::vector<std::string>(info.providers.begin(), info.providers.end()),
                                                    make_seeded_rng(seed, info.name));
    model->register_openers(ctx_->openers());
    alice_ = device("alice");
    bob_ = device("bob");
  }
  // The subclass's constructor: the agreement, then this.
  void start(ratchet::KeyAgreement& agreement) {
    sessions_ =
        std::make_unique<ratchet::PairwiseSessions>(protocol_, agreement, storage_, platform::Backup::kExcluded);
  }
  NodeId device(std::string_view party) const { return ctx_->world().devices_of(party).at(0); }

  const ratchet::Protocol& protocol_;
  std::unique_ptr<testing::MemoryContext> ctx_;
  platform::DeviceStorage storage_;
  NodeId alice_ = 0, bob_ = 0;
  std::unique_ptr<ratchet::PairwiseSessions> sessions_;
};

// ---- Models whose device keeps no per-message state ----------------------

// The real model plays the whole scenario (MemoryContext::play); send()
// hands out the pieces it transmitted to the recipient's device for each
// message, and bob's device opens a copy with the keys it opened its copies
// with during that run (its long-term keys), through the model's openers:
// exactly its receiving step, which changes no state (receiver_state() is
// what the device stored by the end of that run, and stays so).
class StatelessChannel final : public Channel {
 public:
  StatelessChannel(const ModelInfo& info, const Scenario& s, std::uint64_t seed, std::string why)
      : why_(std::move(why)) {
    played_ = testing::MemoryContext::play(info, s, make_seeded_rng(seed, info.name));
    const testing::MemoryContext& ctx = *played_.ctx;
    alice_ = ctx.world().devices_of("alice").at(0);
    bob_ = ctx.world().devices_of("bob").at(0);
    std::set<const Artifact*> delivered;
    for (const auto& t : ctx.transmissions()) {
      if (t.message == 0 || t.artifact->kind != ArtifactKind::kSealed) continue;
      const Message& m = s.messages.at(static_cast<std::size_t>(t.message - 1));
      if (t.to == ctx.world().devices_of(m.to.at(0)).at(0)) {
        copies_[t.message].push_back(t.artifact);
        if (t.to == bob_) delivered.insert(t.artifact.get());
      }
    }
    for (const auto& o : ctx.openings())
      if (o.node == bob_ && delivered.count(o.sealed.get()) && !o.result.empty()) keys_.insert(o.keys);
    if (keys_.empty()) throw std::logic_error("bob's device opened none of its copies");
  }

  Pieces send(const Message& m) override { return copies_.at(m.id); }

  std::optional<Read> receive(const Pieces& pieces) override {
    if (pieces.empty()) return std::nullopt;
    const Artifact& sealed = *pieces.back();
    const Opener* opener = played_.ctx->openers().find(sealed.type);
    if (opener == nullptr) return std::nullopt;
    for (const auto& keys : keys_) {
      std::vector<const Artifact*> raw;
      for (const auto& k : keys) raw.push_back(k.get());
      for (const ArtifactPtr& a : (*opener)(sealed, raw))
        if (a->kind == ArtifactKind::kPlaintext) return Read{a->message_id, msgsim::to_string(a->data)};
    }
    return std::nullopt;
  }

  std::vector<ArtifactPtr> receiver_state() const override { return played_.ctx->stored(bob_); }
  Replay replay() const override { return Replay::kReadAgain; }
  std::string replay_why() const override { return why_; }

 private:
  testing::MemoryContext::Played played_;
  NodeId alice_ = 0, bob_ = 0;
  std::map<int, Pieces> copies_;             // per message, to its recipient's device
  std::set<std::vector<ArtifactPtr>> keys_;  // what bob's device opened its copies with
  std::string why_;
};

// ---- One channel per registered model ------------------------------------

// Each model's test folder registers its channel, beside its other tests
// (tests/protocols/<model>/conformance_channel.cc):
//   const bool registered = conformance::register_channel("imessage", make_channel<Pq3Channel>);
// A registered model without a channel fails the suite (conformance_test.cc).
template <typename C>
std::unique_ptr<Channel> make_channel(const ModelInfo& info, const Scenario& s, std::uint64_t seed) {
  return std::make_unique<C>(info, s, seed);
}

inline std::map<std::string, ChannelFactory, std::less<>>& channels() {
  static std::map<std::string, ChannelFactory, std::less<>> by_model;
  return by_model;
}

// Registers `make` as the channel of `model`; true (for a static initializer).
inline bool register_channel(std::string_view model, ChannelFactory make) {
  if (!channels().emplace(std::string(model), std::move(make)).second)
    throw std::logic_error("two conformance channels for " + std::string(model));
  return true;
}

// The channel factory of `model`, or null when it has none.
inline const ChannelFactory* find_channel(std::string_view model) {
  const auto it = channels().find(model);
  return it == channels().end() ? nullptr : &it->second;
}

// ---- Models with nothing to protect the message in transit ----------------

// A model whose messages travel in clear (sms) has no ciphertext to deliver
// out of order, replay or alter, and nothing that keeps an outsider on the
// route from reading. It registers that, with the reason, instead of a
// channel: the suite then checks the opposite where it applies (every tap
// and intercept on the route reads every message) and says why it skips the
// rest.
inline std::map<std::string, std::string, std::less<>>& in_clear_models() {
  static std::map<std::string, std::string, std::less<>> by_model;
  return by_model;
}

// Registers `model` as carrying its messages in clear; true (for a static initializer).
inline bool register_in_clear(std::string_view model, std::string why) {
  if (find_channel(model) != nullptr || !in_clear_models().emplace(std::string(model), std::move(why)).second)
    throw std::logic_error("conformance: " + std::string(model) + " registered twice");
  return true;
}

// Why `model` carries its messages in clear, or null when it protects them.
inline const std::string* in_clear(std::string_view model) {
  const auto it = in_clear_models().find(model);
  return it == in_clear_models().end() ? nullptr : &it->second;
}

}  // namespace msgsim::conformance
