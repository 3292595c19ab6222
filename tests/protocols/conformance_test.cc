// The conformance suite: every registered model (all_models(), so a new row
// in the registry is covered without a line here) through the same
// properties:
//   - each correspondent reads;
//   - an actor holding only wire bytes reads nothing;
//   - removing any one key an outsider used removes that reading and
//     nothing else;
//   - tampered, replayed, reordered, dropped or duplicated deliveries are
//     refused by that model's openers without changing state;
//   - same seed, same bytes.
// Hostile delivery needs a model's receiving device on its own: each model
// has a channel (conformance/channels.h), and a model without one fails.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "msgsim/engine.h"
#include "msgsim/report.h"
#include "protocols/registry.h"
#include "sim/closing.h"
#include "sim/hidden_evidence.h"
#include "tests/protocols/conformance/channels.h"
#include "tests/support/memory_context.h"
#include "tests/support/scenario_builder.h"

namespace msgsim {
namespace {

using conformance::Channel;
using conformance::Pieces;
using conformance::Read;
using conformance::Replay;
using testing::adversary;
using testing::message;
using testing::party;
using testing::power;

std::vector<const ModelInfo*> every_model() {
  std::vector<const ModelInfo*> out;
  for (const ModelInfo& m : all_models()) out.push_back(&m);
  return out;
}

const ModelInfo* model_named(std::string_view name) {
  for (const ModelInfo& m : all_models())
    if (m.name == name) return &m;
  return nullptr;
}

// ---- Scenarios --------------------------------------------------------------

// alice (iPhone and Mac) and bob (iPhone and iPad) in the US write to each
// other, both ways, sometimes twice in a row.
Scenario conversation(std::string_view model) {
  Scenario s;
  s.path = "conformance";
  s.title = "conformance";
  s.seed = 7;
  s.protocols = {std::string(model)};
  s.parties = {party("alice", {DeviceKind::kIphone, DeviceKind::kMac}),
               party("bob", {DeviceKind::kIphone, DeviceKind::kIpad})};
  s.messages = {message(1, 1, "alice", "bob", "one"),   message(2, 2, "bob", "alice", "two"),
                message(3, 3, "alice", "bob", "three"), message(4, 4, "alice", "bob", "four"),
                message(5, 5, "bob", "alice", "five"),  message(6, 6, "bob", "alice", "six"),
                message(7, 7, "alice", "bob", "seven")};
  return s;
}

// The conversation with outsiders who read: alice's iPhone backs up to
// iCloud; a US authority compels every US provider at the end and copies
// their traffic from the start; the police seize bob's phone (his only
// device here) at t=3; a spyware vendor exploits alice's iPhone and Mac
// from t=4 to t=5.
Scenario with_outsiders(std::string_view model) {
  Scenario s = conversation(model);
  s.parties[1].devices = {DeviceKind::kIphone};
  s.parties[0].settings.icloud_backup = true;
  Power exploit = power(PowerKind::kExploit, 4, "alice", "imessage");
  exploit.until = 5;
  s.adversaries = {
      adversary("us-gov", "US", {power(PowerKind::kCompel, kEndOfScript), power(PowerKind::kIntercept, 0)}),
      adversary("police", "US", {power(PowerKind::kSeize, 3, "bob")}), adversary("spyware", "IL", {exploit})};
  return s;
}

// ---- Results, spelled out ------------------------------------------------

// (actor, message) -> chain, for every readable cell.
using Grid = std::map<std::pair<std::string, int>, std::vector<std::string>>;

Grid grid(const ProtocolResult& r) {
  Grid out;
  for (const Reading& x : r.readings())
    if (x.readable) out[{x.actor, x.message}] = x.how;
  return out;
}

std::set<std::string> outsiders(const Simulation& sim) {
  std::set<std::string> out;
  for (const Actor& a : sim.actors())
    if (a.kind != ActorKind::kParty) out.insert(a.name);
  return out;
}

// A capture as a chain's first line for it says it (Closure::explain).
std::string chain_line(const Capture& c) {
  if (c.tick == Capture::kNoTick) return fmt::format("{}: {}", c.how, c.artifact->label);
  return fmt::format("{} (t={}): {}", c.how, c.tick, c.artifact->label);
}

// Everything `actor` starts from, as chain lines, with the artifacts each names.
std::map<std::string, std::vector<ArtifactPtr>> captures_of(const Simulation& sim, const Actor& actor) {
  std::map<std::string, std::vector<ArtifactPtr>> out;
  HiddenEvidence visit(actor.name, [&](const Capture& c) {
    out[chain_line(c)].push_back(c.artifact);
    return false;  // hides nothing
  });
  ClosingPass(sim).close(actor);
  return out;
}

const Actor& actor_named(const Simulation& sim, const std::string& name) {
  for (const Actor& a : sim.actors())
    if (a.name == name) return a;
  throw std::logic_error("no actor " + name);
}

// ---- The suite ----------------------------------------------------------------

class Conformance : public ::testing::TestWithParam<const ModelInfo*> {
 protected:
  const ModelInfo& model() const { return *GetParam(); }
  std::string name() const { return std::string(model().name); }
  ProtocolResult simulate(const Scenario& s) const {
    Simulation sim(s, model(), make_seeded_rng(*s.seed, model().name));
    sim.run();
    return sim.close();
  }
};

INSTANTIATE_TEST_SUITE_P(AllModels, Conformance, ::testing::ValuesIn(every_model()),
                         testing::model_param_name);

// ---- Each correspondent reads ---------------------------------------------

// With the settings as they come, and with Messages in iCloud off (so that
// no copy synced through a provider stands in for the devices' own).
TEST_P(Conformance, EachCorrespondentReadsEveryMessage) {
  for (const bool synced : {true, false}) {
    SCOPED_TRACE(synced ? "Messages in iCloud on" : "Messages in iCloud off");
    Scenario s = conversation(name());
    for (Party& p : s.parties) p.settings.messages_in_icloud = synced;
    const ProtocolResult r = simulate(s);
    EXPECT_TRUE(r.notes.empty()) << fmt::format("{}", fmt::join(r.notes, "\n"));
    for (const Message& m : s.messages) {
      const std::vector<std::string> readers = r.readers(m.id);
      EXPECT_NE(std::find(readers.begin(), readers.end(), m.from), readers.end())
          << "message " << m.id << ": the sender " << m.from << " does not read it";
      for (const std::string& to : m.to)
        EXPECT_NE(std::find(readers.begin(), readers.end(), to), readers.end())
            << "message " << m.id << ": the recipient " << to << " does not read it";
    }
  }
}

// ---- An actor holding only wire bytes reads nothing ------------------------

TEST_P(Conformance, AnActorHoldingOnlyWireBytesReadsNothing) {
  // Taps on every link of the US and of the UK (alice's and bob's access
  // links, the international link, the providers' data centres), and a
  // wiretap at every US provider (what they relay and receive), with
  // everything that travels switched on: iCloud Backup, Messages in iCloud.
  Scenario s = conversation(name());
  s.parties[1].country = "GB";
  for (Party& p : s.parties) p.settings.icloud_backup = true;
  s.adversaries = {adversary("tap-us", "US", {power(PowerKind::kTap, 0)}),
                   adversary("tap-gb", "GB", {power(PowerKind::kTap, 0)}),
                   adversary("wiretap", "US", {power(PowerKind::kIntercept, 0)})};
  Simulation sim(s, model(), make_seeded_rng(*s.seed, model().name));
  sim.run();
  const ProtocolResult r = sim.close();
  // A model that sends in clear: the same listeners read every message.
  const bool in_clear = conformance::in_clear(name()) != nullptr;
  for (const Adversary& a : s.adversaries) {
    const auto captured = captures_of(sim, actor_named(sim, a.name));
    EXPECT_FALSE(captured.empty()) << a.name << " captured nothing: the test would prove nothing";
    for (const Message& m : s.messages) {
      const std::optional<Reading> x = r.find(m.id, a.name);
      ASSERT_TRUE(x.has_value());
      EXPECT_EQ(x->readable, in_clear) << a.name << (in_clear ? " does not read" : " reads") << " message " << m.id
                                       << ":\n" << fmt::format("{}", fmt::join(x->how, "\n"));
    }
  }
}

// ---- Removing one key an outsider used -------------------------------------

// For every reading by an outsider (a provider or an adversary), each
// artifact its chain names as obtained directly is removed from that
// outsider's evidence alone (sim/hidden_evidence.h), one at a time, and the
// closure runs again: each key it holds (a data-protection key, an escrowed
// backup key, a message key an exploit saw), and, as keys are often held
// inside a file, each file and ciphertext too. Then:
//   - every reading whose chain did not use it is unchanged, chain and all,
//     for every actor;
//   - every reading of that outsider whose chain used it is gone, or, where
//     another path exists (the same history on a second device, the other
//     party's backup), is read through a chain that does not use it;
//   - nobody reads anything new.
// Every such reading rests on at least one key the outsider holds (no
// outsider is handed a text), and the scenario is one where this proves
// something: some removals are of keys, and some take a reading away.
TEST_P(Conformance, RemovingOneKeyAnOutsiderUsedRemovesThatReadingAndNothingElse) {
  if (const std::string* why = conformance::in_clear(name())) GTEST_SKIP() << "outsiders are handed texts: " << *why;
  const Scenario s = with_outsiders(name());
  Simulation sim(s, model(), make_seeded_rng(*s.seed, model().name));
  sim.run();
  const Grid before = grid(sim.close());

  std::size_t removals = 0, key_removals = 0, lost = 0, lost_by_key = 0, rerouted = 0;
  for (const std::string& outsider : outsiders(sim)) {
    // The lines this outsider's chains start from, and the captures behind each.
    const auto captured = captures_of(sim, actor_named(sim, outsider));
    std::set<std::string> used;
    for (const auto& [cell, how] : before) {
      if (cell.first != outsider) continue;
      bool with_a_key = false;
      for (const std::string& line : how) {
        const auto it = captured.find(line);
        if (it == captured.end()) continue;
        used.insert(line);
        with_a_key |= it->second.front()->kind == ArtifactKind::kKey;
      }
      EXPECT_TRUE(with_a_key) << outsider << " reads message " << cell.second
                              << " with no key of its own: it was handed a text";
    }
    for (const std::string& line : used) {
      SCOPED_TRACE(fmt::format("{} without \"{}\"", outsider, line));
      const std::vector<ArtifactPtr>& removed = captured.at(line);
      const bool is_key = std::all_of(removed.begin(), removed.end(),
                                      [](const ArtifactPtr& a) { return a->kind == ArtifactKind::kKey; });
      HiddenEvidence hide(outsider, [&](const Capture& c) {
        return std::find(removed.begin(), removed.end(), c.artifact) != removed.end();
      });
      const Grid after = grid(sim.close());
      ++removals;
      key_removals += is_key;
      for (const auto& [cell, how] : after)
        EXPECT_TRUE(before.count(cell)) << cell.first << " now reads message " << cell.second;
      for (const auto& [cell, how] : before) {
        const bool used_it = cell.first == outsider && std::find(how.begin(), how.end(), line) != how.end();
        const auto now = after.find(cell);
        if (!used_it) {
          ASSERT_NE(now, after.end()) << cell.first << " no longer reads message " << cell.second;
          EXPECT_EQ(now->second, how) << cell.first << "'s chain for message " << cell.second << " changed";
        } else if (now == after.end()) {
          ++lost;
          lost_by_key += is_key;
        } else {
          ++rerouted;
          EXPECT_NE(now->second, how) << "message " << cell.second << " is read the same way without it";
          EXPECT_EQ(std::find(now->second.begin(), now->second.end(), line), now->second.end());
        }
      }
    }
  }
  EXPECT_GT(removals, key_removals) << "files and ciphertexts were tried too";
  EXPECT_GT(key_removals, 0u) << "no outsider reads with a key it holds: the test proves nothing";
  EXPECT_GT(lost_by_key, 0u) << "no key removal took a reading away";
  EXPECT_GT(lost + rerouted, 0u);
}

// ---- Altered copies, through the model's openers -----------------------------

bool same(const std::vector<ArtifactPtr>& a, const std::vector<ArtifactPtr>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const ArtifactPtr& x, const ArtifactPtr& y) {
    return x->kind == y->kind && x->type == y->type && x->message_id == y->message_id && x->key_id == y->key_id &&
           x->data == y->data && x->secret == y->secret;
  });
}

bool has_plaintext(const std::vector<ArtifactPtr>& result) {
  return std::any_of(result.begin(), result.end(),
                     [](const ArtifactPtr& a) { return a->kind == ArtifactKind::kPlaintext; });
}

ArtifactPtr with_byte_flipped(const Artifact& a, std::size_t at) {
  Bytes data = a.data;
  data.at(at) ^= 0x01;
  return make_sealed(a.type, a.label, a.needs, std::move(data));
}

// Every opening that gave a device a message's text during a real run,
// redone by the model's registered opener on the same bytes with one bit of
// one byte changed, with the same keys: it opens to nothing, or (a byte the
// opener leaves aside: PQ3's per-copy signature authenticates and opens
// nothing, and the receiving device checks it, see the channel tests below)
// to exactly what the genuine bytes open to. Never to another text.
TEST_P(Conformance, AnAlteredCopyOpensToNothingElseThroughTheModelsOpeners) {
  if (const std::string* why = conformance::in_clear(name())) GTEST_SKIP() << "no message is sealed: " << *why;
  const Scenario s = conversation(name());
  const auto played = testing::MemoryContext::play(model(), s, make_seeded_rng(*s.seed, model().name));
  std::map<std::string, int> tried_per_type;
  std::size_t refused = 0, alterations = 0;
  for (const auto& o : played.ctx->openings()) {
    if (!has_plaintext(o.result) || tried_per_type[std::string(o.sealed->type)]++ >= 2) continue;
    const Opener& opener = *played.ctx->openers().find(o.sealed->type);
    std::vector<const Artifact*> keys;
    for (const auto& k : o.keys) keys.push_back(k.get());
    for (std::size_t at = 0; at < o.sealed->data.size(); ++at) {
      const ArtifactPtr altered = with_byte_flipped(*o.sealed, at);
      const std::vector<ArtifactPtr> got = opener(*altered, keys);
      ++alterations;
      if (got.empty()) {
        ++refused;
        continue;
      }
      EXPECT_TRUE(same(got, o.result)) << o.sealed->label << ", byte " << at << " of " << o.sealed->data.size()
                                       << ": opens to something else";
    }
  }
  EXPECT_FALSE(tried_per_type.empty()) << "no device opened a message";
  EXPECT_GT(refused, alterations / 2) << "most alterations should be refused";
}

// ---- Hostile delivery, at the receiving device -------------------------------

// alice and bob, one iPhone each: alice writes 1 to 6, bob answers 7, alice
// writes 8 to 10 (after bob's answer, on her next chain).
Scenario channel_script(std::string_view model) {
  Scenario s;
  s.path = "conformance";
  s.title = "conformance";
  s.seed = 11;
  s.protocols = {std::string(model)};
  s.parties = {party("alice"), party("bob")};
  for (int id = 1; id <= 10; ++id) {
    const bool answer = id == 7;
    s.messages.push_back(
        message(id, id, answer ? "bob" : "alice", answer ? "alice" : "bob", fmt::format("text {}", id)));
  }
  return s;
}

// A channel, and what happened on it so far, so that it can be built again
// in the same state (same seed, same steps, same bytes).
class Conversation {
 public:
  Conversation(const conformance::ChannelFactory& make, const ModelInfo& model)
      : make_(make), model_(model), script_(channel_script(model.name)) {
    rebuild();
  }

  Channel& channel() { return *channel_; }
  const Message& message(int id) const { return script_.messages.at(static_cast<std::size_t>(id - 1)); }
  Read genuine(int id) const { return Read{id, message(id).text}; }
  const Pieces& copy(int id) const { return copies_.at(id); }

  void send(int id) {
    steps_.push_back(id);
    copies_[id] = channel_->send(message(id));
  }
  // bob's device receives the genuine copy of `id`, for the first time.
  void deliver(int id) {
    steps_.push_back(-id);
    EXPECT_EQ(channel_->receive(copies_.at(id)), genuine(id)) << "message " << id << " does not open";
    read_.push_back(id);
  }
  const std::vector<int>& read() const { return read_; }

  // The same channel again, in the state the steps so far left it in.
  void rebuild() {
    channel_ = make_(model_, script_, *script_.seed);
    const std::map<int, Pieces> before = std::move(copies_);
    copies_.clear();
    for (int step : steps_) {
      if (step > 0) {
        copies_[step] = channel_->send(message(step));
        ASSERT_EQ(copies_[step].size(), before.at(step).size());
        for (std::size_t i = 0; i < before.at(step).size(); ++i)
          ASSERT_EQ(copies_[step][i]->data, before.at(step)[i]->data) << "same seed, same steps: same bytes";
      } else {
        ASSERT_TRUE(channel_->receive(copies_.at(-step)).has_value());
      }
    }
  }

 private:
  const conformance::ChannelFactory& make_;
  const ModelInfo& model_;
  const Scenario script_;
  std::unique_ptr<Channel> channel_;
  std::vector<int> steps_;  // +id: sent; -id: delivered
  std::map<int, Pieces> copies_;
  std::vector<int> read_;
};

// What changed between two states of bob's device ("" when nothing did):
// the labels of what was removed (-) and added (+).
std::string changes(const std::vector<ArtifactPtr>& before, const std::vector<ArtifactPtr>& after) {
  std::string out;
  for (const ArtifactPtr& a : before)
    if (std::find(after.begin(), after.end(), a) == after.end()) out += fmt::format("\n- {}", a->label);
  for (const ArtifactPtr& a : after)
    if (std::find(before.begin(), before.end(), a) == before.end()) out += fmt::format("\n+ {}", a->label);
  if (out.empty() && before != after) out = "\n(the same files, in another order)";
  return out;
}

// The delivery order of every hostile test: copies out of order (2 before
// 1, 5 before 4), 3 and 6 held back (dropped) while later ones open, bob's
// answer making alice start a new chain, 9 before 8, then 3 and 6 late,
// from the previous chain. `before(id)` runs before each genuine delivery,
// `after(id)` after it.
void out_of_order(Conversation& c, const std::function<void(int)>& before, const std::function<void(int)>& after) {
  auto deliver = [&](int id) {
    if (before) before(id);
    c.deliver(id);
    if (after) after(id);
  };
  for (int id = 1; id <= 6; ++id) c.send(id);
  for (int id : {2, 1, 5, 4}) deliver(id);
  for (int id : {7, 8, 9}) c.send(id);
  for (int id : {9, 3, 6, 8}) deliver(id);
  c.send(10);
  deliver(10);
}

class HostileDelivery : public Conformance {
 protected:
  void SetUp() override {
    if (const std::string* why = conformance::in_clear(model().name)) GTEST_SKIP() << *why;
    make_ = conformance::find_channel(model().name);
    ASSERT_NE(make_, nullptr) << "model " << name()
                              << " has no channel: register one in tests/protocols/" << name()
                              << "/conformance_channel.cc (see tests/protocols/conformance/channels.h)";
  }
  const conformance::ChannelFactory* make_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(AllModels, HostileDelivery, ::testing::ValuesIn(every_model()),
                         testing::model_param_name);

TEST_P(HostileDelivery, ReorderedAndDroppedCopiesStillOpen) {
  Conversation c(*make_, model());
  out_of_order(c, {}, {});
  EXPECT_EQ(c.read(), (std::vector<int>{2, 1, 5, 4, 9, 3, 6, 8, 10}));
}

// After each genuine delivery, every copy bob's device has read arrives
// again: the model's device refuses it (or, for a model that keeps no
// per-message state, reads the same again), and what it stores does not
// change; the next genuine copy still opens.
TEST_P(HostileDelivery, ADuplicatedOrReplayedCopyIsRefusedAndChangesNothing) {
  Conversation c(*make_, model());
  SCOPED_TRACE(c.channel().replay_why());
  out_of_order(c, {}, [&](int) {
    for (int id : c.read()) {
      const auto state = c.channel().receiver_state();
      const std::optional<Read> again = c.channel().receive(c.copy(id));
      if (c.channel().replay() == Replay::kRefused)
        EXPECT_FALSE(again.has_value()) << "message " << id << " is read twice";
      else
        EXPECT_EQ(again, c.genuine(id)) << "message " << id;
      EXPECT_EQ(changes(state, c.channel().receiver_state()), "")
          << "replaying message " << id << " changed bob's device";
    }
  });
}

// Before some genuine deliveries (the first copy, which carries the key
// agreement; a copy read with a skipped key; one that starts a chain; one
// inside a chain), every byte of the message piece (the one carrying the
// text) is changed, one at a time: bob's device refuses each and what it
// stores does not change. In the other pieces (the key agreement's, the
// ratchet header) a sample of bytes is changed: the device refuses the copy
// unchanged, or reads exactly the genuine message (a byte it does not rely
// on: it derives the ratchet step itself from the message's authenticated
// header, and takes its own keys from its own records); never anything else.
// After each refusal the genuine copy still opens.
TEST_P(HostileDelivery, AnAlteredCopyIsRefusedAndChangesNothing) {
  Conversation c(*make_, model());
  std::size_t refused = 0;
  const auto alter = [&](int id) {
    if (id != 2 && id != 1 && id != 9 && id != 10) return;
    const Pieces genuine = c.copy(id);
    const std::size_t last = genuine.size() - 1;
    for (std::size_t piece = genuine.size(); piece-- > 0;) {
      const std::size_t size = genuine[piece]->data.size();
      std::vector<std::size_t> positions;
      for (std::size_t at = 0; at < size; at += piece == last ? 1 : 5) positions.push_back(at);
      if (positions.back() != size - 1) positions.push_back(size - 1);
      for (const std::size_t at : positions) {
        SCOPED_TRACE(
            fmt::format("message {}, piece {} ({}), byte {} of {}", id, piece, genuine[piece]->type, at, size));
        Pieces altered = genuine;
        altered[piece] = with_byte_flipped(*genuine[piece], at);
        const auto state = c.channel().receiver_state();
        const std::optional<Read> got = c.channel().receive(altered);
        if (!got) {
          ++refused;
          EXPECT_EQ(changes(state, c.channel().receiver_state()), "") << "a refused copy changed bob's device";
        } else {
          EXPECT_NE(piece, last) << "an altered message was read";
          EXPECT_EQ(*got, c.genuine(id));
          c.rebuild();  // it was read: back to before it came
        }
      }
    }
  };
  out_of_order(c, alter, {});
  EXPECT_GT(refused, 0u);
}

// ---- Same seed, same bytes -----------------------------------------------------

TEST_P(Conformance, SameSeedSameReportBytesAnotherSeedSameReadings) {
  const Scenario s = with_outsiders(name());
  RunOptions o;
  o.jobs = 1;
  const std::string once = render(run_scenario(s, o, model_named), Format::kJson);
  const std::string twice = render(run_scenario(s, o, model_named), Format::kJson);
  EXPECT_EQ(once, twice);

  o.seed = 8;
  const Report other = run_scenario(s, o, model_named);
  const Report first = run_scenario(s, {}, model_named);
  ASSERT_EQ(other.results.size(), 1u);
  for (const Message& m : s.messages)
    EXPECT_EQ(other.results[0].readers(m.id), first.results[0].readers(m.id)) << "message " << m.id;
}

// What travels and what is stored, byte for byte: the same with the same
// seed; with another, other bytes (the randomness is used), and the same
// readings (above).
TEST_P(Conformance, SameSeedSameBytesOnTheWireAndInStorage) {
  const Scenario s = conversation(name());
  auto bytes = [&](std::uint64_t seed) {
    const auto played = testing::MemoryContext::play(model(), s, make_seeded_rng(seed, model().name));
    std::vector<Bytes> out;
    for (const auto& t : played.ctx->transmissions()) out.push_back(t.artifact->data);
    for (NodeId n = 0; n < played.ctx->world().node_count(); ++n)
      for (const auto& a : played.ctx->stored(n)) {
        out.push_back(a->data);
        out.emplace_back(a->secret.view().begin(), a->secret.view().end());
      }
    return out;
  };
  const std::vector<Bytes> a = bytes(7), b = bytes(7), c = bytes(8);
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

}  // namespace
}  // namespace msgsim
