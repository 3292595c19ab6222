// The signal model run by the real engine: who reads what is found by the
// closure over the evidence, never declared.
#include "protocols/signal/signal_model.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>

#include "msgsim/engine.h"
#include "protocols/platform/device_storage.h"
#include "protocols/signal/model_details.h"
#include "protocols/signal/x3dh_agreement.h"
#include "tests/protocols/model_docs.h"
#include "tests/support/scenario_builder.h"

namespace msgsim {
namespace {

Party party(std::string name, std::vector<DeviceKind> devices = {DeviceKind::kIphone}) {
  Party p;
  p.name = std::move(name);
  p.devices.assign(devices.begin(), devices.end());
  return p;
}

Message message(int id, std::string from, std::string to) {
  Message m;
  m.id = id;
  m.at = id;
  m.from = std::move(from);
  m.to = {std::move(to)};
  m.text = "message number " + std::to_string(id);
  return m;
}

// alice and bob, one iPhone each, messages alternating alice, bob, alice...
Scenario conversation(int messages) {
  Scenario sc;
  sc.path = "-";
  sc.title = "signal test";
  sc.seed = 7;
  sc.protocols = {"signal"};
  sc.parties = {party("alice"), party("bob")};
  for (int i = 1; i <= messages; ++i)
    sc.messages.push_back(message(i, i % 2 ? "alice" : "bob", i % 2 ? "bob" : "alice"));
  return sc;
}

Adversary adversary(std::string name, std::vector<Power> powers) {
  Adversary a;
  a.name = std::move(name);
  a.powers = std::move(powers);
  return a;
}

Power power(PowerKind kind, std::int64_t at, std::string target = "") {
  Power p;
  p.kind = kind;
  p.at = at;
  p.target = std::move(target);
  return p;
}

// The messages `actor` reads.
std::set<int> reads(const ProtocolResult& r, const std::string& actor) {
  std::set<int> out;
  for (const Reading& x : r.readings())
    if (x.actor == actor && x.readable) out.insert(x.message);
  return out;
}

ProtocolResult run(const Scenario& sc, const std::function<bool(const Artifact&)>& erase = nullptr) {
  Simulation sim(sc, signal_model_info(), make_seeded_rng(*sc.seed, "signal"));
  sim.run();
  if (erase) {
    EXPECT_GT(sim.erase_evidence(erase), 0u);
  }
  return sim.close();
}

TEST(SignalModel, PartiesReadEverythingProvidersNothing) {
  const Scenario sc = conversation(3);
  const ProtocolResult r = run(sc);
  EXPECT_EQ(reads(r, "alice"), (std::set<int>{1, 2, 3}));
  EXPECT_EQ(reads(r, "bob"), (std::set<int>{1, 2, 3}));
  EXPECT_TRUE(reads(r, "signal").empty());
  EXPECT_TRUE(reads(r, "apple").empty());
  EXPECT_TRUE(r.notes.empty()) << r.notes.front();
}

TEST(SignalModel, SeizureReadsOnlyWhatTheDeviceHeld) {
  Scenario sc = conversation(3);
  sc.adversaries.push_back(adversary("police", {power(PowerKind::kSeize, 2, "bob")}));
  const ProtocolResult r = run(sc);
  EXPECT_EQ(reads(r, "police"), (std::set<int>{1, 2}));
  const auto how = r.find(1, "police");
  ASSERT_TRUE(how.has_value());
  ASSERT_FALSE(how->how.empty());
}

TEST(SignalModel, ICloudBackupCarriesNoSignalData) {
  // Even with iCloud Backup on and Apple compelled, Signal's files were
  // excluded from the backup: Apple holds nothing to read.
  Scenario sc = conversation(3);
  for (Party& p : sc.parties) p.settings.icloud_backup = true;
  sc.adversaries.push_back(adversary("us-gov", {power(PowerKind::kCompel, kEndOfScript)}));
  const ProtocolResult r = run(sc);
  EXPECT_TRUE(reads(r, "apple").empty());
  EXPECT_TRUE(reads(r, "us-gov").empty());
  EXPECT_EQ(reads(r, "bob"), (std::set<int>{1, 2, 3}));
}

TEST(SignalModel, InterceptAtTheServerReadsNothing) {
  Scenario sc = conversation(4);
  sc.adversaries.push_back(adversary("us-gov", {power(PowerKind::kIntercept, 0), power(PowerKind::kCompel, 2)}));
  const ProtocolResult r = run(sc);
  EXPECT_TRUE(reads(r, "us-gov").empty());
  EXPECT_TRUE(reads(r, "signal").empty());
}

bool is_history_file(const Artifact& a) {
  return a.type == platform::DeviceStorage::kDeviceFile && a.label.find("Signal history") != std::string::npos;
}

TEST(SignalModel, SeizedRatchetStateReadsTheNextChainOnlyThenHeals) {
  // Bob's phone is seized at t=2 and the adversary also copies the traffic
  // at Signal's servers. With the history files taken out of the evidence,
  // what is left is the ratchet state: the keys of messages 1 and 2 were
  // deleted (forward secrecy); Bob's root key and ratchet private key give
  // Alice's next chain (message 3); Bob's reply brings a ratchet key the
  // adversary never saw, and from there it reads nothing (healing).
  Scenario sc = conversation(5);
  sc.adversaries.push_back(adversary("us-gov", {power(PowerKind::kSeize, 2, "bob"), power(PowerKind::kIntercept, 0)}));
  const ProtocolResult r = run(sc, is_history_file);
  EXPECT_EQ(reads(r, "us-gov"), (std::set<int>{3}));
  EXPECT_EQ(reads(r, "alice"), (std::set<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(reads(r, "bob"), (std::set<int>{1, 2, 3, 4, 5}));
}

TEST(SignalModel, SeizedReceivingChainKeyReadsLaterMessagesOfThatChain) {
  // Alice sends three messages in a row (one chain). Bob's phone seized after
  // the first holds the receiving chain key at n=1: with intercepted copies
  // it derives messages 2 and 3, never message 1. It also holds Bob's
  // identity and signed prekey, so message 1 stays closed only because Bob
  // deleted the one-time prekey after X3DH.
  Scenario sc = conversation(0);
  for (int i = 1; i <= 3; ++i) sc.messages.push_back(message(i, "alice", "bob"));
  sc.adversaries.push_back(adversary("us-gov", {power(PowerKind::kSeize, 1, "bob"), power(PowerKind::kIntercept, 0)}));
  const ProtocolResult r = run(sc, is_history_file);
  EXPECT_EQ(reads(r, "us-gov"), (std::set<int>{2, 3}));
}

TEST(SignalModel, LinkedDevicesAllGetEveryMessage) {
  Scenario sc = conversation(4);
  sc.parties = {party("alice", {DeviceKind::kIphone, DeviceKind::kMac}),
                party("bob", {DeviceKind::kIphone, DeviceKind::kIpad, DeviceKind::kAndroid})};
  // Seizing only what Bob holds still gives all four: each of his devices
  // received its own copy (and Alice's Mac got sync copies of her own).
  sc.adversaries.push_back(adversary("police", {power(PowerKind::kSeize, 4, "bob")}));
  const ProtocolResult r = run(sc);
  EXPECT_TRUE(r.notes.empty()) << r.notes.front();
  EXPECT_EQ(reads(r, "alice"), (std::set<int>{1, 2, 3, 4}));
  EXPECT_EQ(reads(r, "bob"), (std::set<int>{1, 2, 3, 4}));
  EXPECT_EQ(reads(r, "police"), (std::set<int>{1, 2, 3, 4}));
  EXPECT_TRUE(reads(r, "signal").empty());
}

TEST(SignalModel, SameSeedGivesSameReadingsAndExplanations) {
  Scenario sc = conversation(3);
  sc.adversaries.push_back(adversary("police", {power(PowerKind::kSeize, 2, "bob")}));
  const ProtocolResult a = run(sc);
  const ProtocolResult b = run(sc);
  ASSERT_EQ(a.readings().size(), b.readings().size());
  for (std::size_t i = 0; i < a.readings().size(); ++i) {
    EXPECT_EQ(a.readings()[i].readable, b.readings()[i].readable);
    EXPECT_EQ(a.readings()[i].how, b.readings()[i].how);
  }
}

// ---- The devices' openings, reused by the closure ----------------------

const std::string kPreKeyMessageType = signal::X3dhAgreement::prekey_message_type(signal::protocol());
const std::string kRatchetHeaderType = signal::protocol().header_type();
const std::string kMessageType = signal::protocol().message_type();

// Counts every call of the Signal openers (device and closure alike).
std::map<std::string, int>& opener_calls() {
  static std::map<std::string, int> calls;
  return calls;
}

// The Signal model with counted openers, or (no_reuse) with a Context whose
// open() runs the opener directly and remembers nothing, as if the devices
// decrypted on their own and the closure had to redo every opening.
template <bool no_reuse>
class Instrumented final : public Model {
 public:
  void register_openers(OpenerRegistry& registry) const override {
    OpenerRegistry plain;
    inner_->register_openers(plain);
    for (const std::string& type :
         {kPreKeyMessageType, kRatchetHeaderType, kMessageType, std::string(platform::DeviceStorage::kDeviceFile),
          std::string(platform::DeviceStorage::kBackupFile)}) {
      const Opener* o = plain.find(type);
      ASSERT_NE(o, nullptr) << type;
      registry.add(type,
                   [o = *o, type = std::string(type)](const Artifact& sealed, std::span<const Artifact* const> keys) {
                     ++opener_calls()[type];
                     return o(sealed, keys);
                   });
    }
  }
  void provision(Context& ctx) override {
    with(ctx, [&](Context& c) { inner_->provision(c); });
  }
  void send(Context& ctx, const Message& m) override {
    with(ctx, [&](Context& c) { inner_->send(c, m); });
  }
  void end_of_tick(Context& ctx) override {
    with(ctx, [&](Context& c) { inner_->end_of_tick(c); });
  }
  void settings_changed(Context& ctx, const SettingsChange& change) override {
    with(ctx, [&](Context& c) { inner_->settings_changed(c, change); });
  }

  static const ModelInfo& info() {
    static const ModelInfo i = [] {
      ModelInfo row = signal_model_info();
      row.make = [] { return std::unique_ptr<Model>(new Instrumented); };
      return row;
    }();
    return i;
  }

 private:
  class Uncached final : public Context {
   public:
    Uncached(Context& real, const OpenerRegistry& openers) : real_(real), openers_(openers) {}
    const Scenario& scenario() const override { return real_.scenario(); }
    const World& world() const override { return real_.world(); }
    Rng& rng() override { return real_.rng(); }
    std::int64_t now() const override { return real_.now(); }
    const std::vector<const Party*>& parties_to_provision() const override { return real_.parties_to_provision(); }
    void store(NodeId node, ArtifactPtr a) override { real_.store(node, std::move(a)); }
    void remove(NodeId node, const ArtifactPtr& a) override { real_.remove(node, a); }
    void handle(NodeId node, ArtifactPtr a) override { real_.handle(node, std::move(a)); }
    void transmit(NodeId from, NodeId to, ArtifactPtr a) override { real_.transmit(from, to, std::move(a)); }
    void transmit_in_clear(NodeId from, NodeId to, ArtifactPtr a) override {
      real_.transmit_in_clear(from, to, std::move(a));
    }
    void note(std::string text) override { real_.note(std::move(text)); }
    void delivered_as(int id, std::string_view to, std::string channel) override {
      real_.delivered_as(id, to, std::move(channel));
    }
    void not_delivered(int id, std::string_view to, std::string why) override {
      real_.not_delivered(id, to, std::move(why));
    }
    std::vector<ArtifactPtr> open(NodeId, const ArtifactPtr& sealed, const std::vector<ArtifactPtr>& keys) override {
      std::vector<const Artifact*> raw;
      for (const auto& k : keys) raw.push_back(k.get());
      return (*openers_.find(sealed->type))(*sealed, raw);
    }

   private:
    Context& real_;
    const OpenerRegistry& openers_;
  };

  template <typename F>
  void with(Context& ctx, F f) {
    if constexpr (no_reuse) {
      if (!openers_) {
        openers_ = std::make_unique<OpenerRegistry>();
        register_openers(*openers_);
      }
      Uncached c(ctx, *openers_);
      f(c);
    } else {
      f(ctx);
    }
  }

  std::unique_ptr<Model> inner_ = signal_model_info().make();
  std::unique_ptr<OpenerRegistry> openers_;
};

TEST(SignalModel, TheClosureReusesTheDevicesX3dhAndRatchetSteps) {
  // Alternating, so every message starts a chain: one X3DH and six DH steps,
  // each computed once, by the receiving device. The parties' closures find
  // those openings (same pieces, same stored keys) instead of redoing them.
  const Scenario sc = conversation(6);
  opener_calls().clear();
  Simulation sim(sc, Instrumented<false>::info(), make_seeded_rng(*sc.seed, "signal"));
  sim.run();
  EXPECT_EQ(opener_calls()[kPreKeyMessageType], 1);
  EXPECT_EQ(opener_calls()[kRatchetHeaderType], 6);
  EXPECT_EQ(opener_calls()[kMessageType], 6);
  opener_calls().clear();
  const ProtocolResult r = sim.close();
  EXPECT_EQ(opener_calls()[kPreKeyMessageType], 0);
  EXPECT_EQ(opener_calls()[kRatchetHeaderType], 0);
  // What is left: each sender opening its own copy with its own message key.
  EXPECT_EQ(opener_calls()[kMessageType], 6);
  EXPECT_EQ(reads(r, "alice"), (std::set<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(reads(r, "bob"), (std::set<int>{1, 2, 3, 4, 5, 6}));

  // Without the reuse, the closure redoes them.
  opener_calls().clear();
  Simulation redo(sc, Instrumented<true>::info(), make_seeded_rng(*sc.seed, "signal"));
  redo.run();
  opener_calls().clear();
  redo.close();
  EXPECT_EQ(opener_calls()[kPreKeyMessageType], 1);
  EXPECT_EQ(opener_calls()[kRatchetHeaderType], 6);
}

TEST(SignalModel, ReusingTheDevicesOpeningsChangesNoReadingAndNoExplanation) {
  Scenario sc = conversation(8);
  sc.parties = {party("alice", {DeviceKind::kIphone, DeviceKind::kMac}),
                party("bob", {DeviceKind::kIphone, DeviceKind::kIpad}), party("carol")};
  sc.messages.push_back(message(9, "carol", "alice"));
  sc.messages.back().at = 9;
  sc.messages.push_back(message(10, "bob", "carol"));
  sc.messages.back().at = 10;
  Power exploit = power(PowerKind::kExploit, 3, "alice");
  exploit.via = testing::surface("imessage");
  exploit.until = 6;
  sc.adversaries = {adversary("police", {power(PowerKind::kSeize, 4, "bob"), power(PowerKind::kIntercept, 0)}),
                    adversary("spyware", {exploit})};
  auto results = [&](const ModelInfo& info) {
    Simulation sim(sc, info, make_seeded_rng(*sc.seed, "signal"));
    sim.run();
    return sim.close();
  };
  const ProtocolResult reused = results(Instrumented<false>::info());
  const ProtocolResult redone = results(Instrumented<true>::info());
  // Bob's iPad never writes, so its chains never heal: the seizure reads on.
  EXPECT_EQ(reads(reused, "police"), (std::set<int>{1, 2, 3, 4, 5, 6, 7, 8, 10}));
  EXPECT_FALSE(reads(reused, "spyware").empty());
  EXPECT_EQ(reused.notes, redone.notes);
  const std::vector<Reading> a = reused.readings(), b = redone.readings();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].readable, b[i].readable) << i;
    EXPECT_EQ(a[i].how, b[i].how) << i;
  }
}

TEST(SignalModel, DocsCarryTheDetailsText) {
  testing::expect_doc_carries_details(signal_model_info());
  EXPECT_EQ(signal_model_info().details, signal::kModelDetails);
  EXPECT_EQ(signal_model_info().name, "signal");
}

}  // namespace
}  // namespace msgsim
