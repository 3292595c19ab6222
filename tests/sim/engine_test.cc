// run_scenario as a whole: parallel protocols, progress, determinism.
#include "msgsim/engine.h"

#include <atomic>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>

#include "msgsim/crypto.h"
#include "msgsim/report.h"
#include "protocols/registry.h"
#include "tests/support/scenario_builder.h"

namespace msgsim {
namespace {

Scenario three_protocols() {
  Scenario s = testing::conversation({"imessage", "imessage-icloud", "signal"});
  s.parties[1].settings.icloud_backup = true;
  s.adversaries = {testing::adversary("us-gov", "US", {testing::power(PowerKind::kCompel, kEndOfScript)}),
                   testing::adversary("nso", "IL", {testing::power(PowerKind::kExploit, 2, "bob", "imessage")})};
  return s;
}

TEST(RunScenario, EveryJobCountGivesTheSameReport) {
  const Scenario s = three_protocols();
  RunOptions one;
  one.jobs = 1;
  const std::string reference = render(run_scenario(s, one, find_model), Format::kJson);
  for (unsigned jobs : {2u, 3u, 8u}) {
    RunOptions o;
    o.jobs = jobs;
    EXPECT_EQ(render(run_scenario(s, o, find_model), Format::kJson), reference) << "jobs=" << jobs;
  }
}

// A large scenario's protocols play one at a time (to hold one protocol's
// evidence at once); the report must not depend on it.
TEST(RunScenario, PlayingOneProtocolAtATimeGivesTheSameReport) {
  const Scenario s = three_protocols();
  const std::string reference = render(run_scenario(s, {}, find_model), Format::kJson);
  for (unsigned jobs : {1u, 2u, 3u}) {
    RunOptions o;
    o.jobs = jobs;
    o.plays_at_once = 1;
    EXPECT_EQ(render(run_scenario(s, o, find_model), Format::kJson), reference) << "jobs=" << jobs;
  }
}

TEST(RunScenario, ProgressCountsEveryMessageAndEveryReaderOnceAndEndsAtTheTotals) {
  const Scenario s = three_protocols();  // 3 protocols, 3 messages; alice, bob, apple, carrier, signal, us-gov, nso
  std::mutex m;
  std::vector<Progress> calls;
  RunOptions o;
  o.jobs = 3;
  o.progress = [&](const Progress& p) {
    std::lock_guard lock(m);
    calls.push_back(p);
  };
  run_scenario(s, o, find_model);
  ASSERT_FALSE(calls.empty());
  for (const Progress& p : calls) {
    EXPECT_EQ(p.to_play, 9u);
    EXPECT_EQ(p.to_close, 21u);  // 3 protocols x 7 actors: the iMessage models add the carrier
    EXPECT_LE(p.played, p.to_play);
    EXPECT_LE(p.closed, p.to_close);
  }
  EXPECT_EQ(calls.back().played, 9u);
  EXPECT_EQ(calls.back().closed, 21u);
}

// Written as the run goes (what `msgsim run -f json|csv` does): the same
// bytes as the finished report, on every job count; each protocol handed
// over once, in order, while it still has its chains; released afterwards,
// with the expectations still worked out from what stays.
TEST(RunScenario, StreamedReportIsTheRenderedOneOnEveryJobCount) {
  Scenario s = three_protocols();
  Expectation e;
  e.protocol = "imessage-icloud";
  e.readable_by = {"alice", "bob"};  // wrong on purpose: apple and us-gov read bob's backup
  s.expectations = {e};
  RunOptions one;
  one.jobs = 1;
  const Report whole = run_scenario(s, one, find_model);
  for (const Format format : {Format::kJson, Format::kCsv}) {
    const std::string reference = render(whole, format);
    for (unsigned jobs : {1u, 2u, 3u}) {
      std::ostringstream out;
      StreamingReport stream(format, out);
      std::vector<std::size_t> order;
      RunOptions o;
      o.jobs = jobs;
      o.on_protocol_final = [&](const Report& r, std::size_t p) {
        order.push_back(p);
        EXPECT_FALSE(r.results[p].chains_released());
        stream.protocol(r, p);
      };
      const Report streamed = run_scenario(s, o, find_model);
      stream.finish(streamed);
      EXPECT_EQ(out.str(), reference) << "jobs=" << jobs;
      EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2})) << "jobs=" << jobs;
      ASSERT_EQ(streamed.results.size(), 3u);
      for (const ProtocolResult& r : streamed.results) EXPECT_TRUE(r.chains_released());
      ASSERT_EQ(streamed.expectations.size(), whole.expectations.size());
      for (std::size_t i = 0; i < whole.expectations.size(); ++i) {
        EXPECT_EQ(streamed.expectations[i].actual, whole.expectations[i].actual);
        EXPECT_EQ(streamed.expectations[i].ok, whole.expectations[i].ok);
      }
      EXPECT_FALSE(streamed.all_expectations_hold());
    }
  }
}

// A hand-over that fails (a full disk) stops the run on every job count,
// with the hand-over's own error, and nothing after it is handed over.
TEST(RunScenario, AFailedHandOverStopsTheRun) {
  const Scenario s = three_protocols();
  for (unsigned jobs : {1u, 2u, 3u}) {
    std::vector<std::size_t> order;
    RunOptions o;
    o.jobs = jobs;
    o.on_protocol_final = [&](const Report&, std::size_t p) {
      order.push_back(p);
      if (p == 1) throw std::runtime_error("disk full");
    };
    try {
      run_scenario(s, o, find_model);
      ADD_FAILURE() << "jobs=" << jobs << ": the run went on";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "disk full") << "jobs=" << jobs;
    }
    EXPECT_EQ(order, (std::vector<std::size_t>{0, 1})) << "jobs=" << jobs;
  }
}

// A model that fails while it plays.
class Failing final : public Model {
 public:
  void register_openers(OpenerRegistry&) const override {}
  void provision(Context&) override {}
  void send(Context&, const Message& m) override {
    if (m.id == 2) throw std::runtime_error("failing: message 2");
  }
  void settings_changed(Context&, const SettingsChange&) override {}
};
const ModelInfo kFailing{"failing", "fails", "fails", {}, {}, {}, [] { return std::unique_ptr<Model>(new Failing()); }};

// A model whose one artifact outlives its run: the text of message 1, made
// once per process, stored on alice's device at the start and deleted from
// it when message 1 is sent (the engine does not forbid sharing artifacts).
// With `key_first`, a key of its own is stored before it, so that the two
// runs give the shared text different numbers.
class Sharing final : public Model {
 public:
  explicit Sharing(bool key_first) : key_first_(key_first) {}
  static const ArtifactPtr& text() {
    static const ArtifactPtr shared = make_plaintext("the text of message 1, shared", 1, "hi bob");
    return shared;
  }
  void register_openers(OpenerRegistry&) const override {}
  void provision(Context& ctx) override {
    const NodeId phone = ctx.world().devices_of("alice").front();
    if (key_first_) ctx.store(phone, make_key("toy.key", "a key", KeyId(), ctx.rng().secret(32)));
    ctx.store(phone, text());
  }
  void send(Context& ctx, const Message& m) override {
    if (m.id == 1) ctx.remove(ctx.world().devices_of("alice").front(), text());
  }
  void settings_changed(Context&, const SettingsChange&) override {}

 private:
  bool key_first_;
};
const ModelInfo kSharing{"sharing", "shares", "shares", {}, {}, {}, [] { return std::unique_ptr<Model>(new Sharing(false)); }};
const ModelInfo kSharingAfterAKey{"sharing", "shares", "shares", {}, {}, {},
                                  [] { return std::unique_ptr<Model>(new Sharing(true)); }};

TEST(Evidence, AnArtifactTwoRunsShareIsNumberedAndDeletedByEachOnItsOwn) {
  Scenario s = testing::conversation({"sharing"});  // alice -> bob at t=1, 2, 3
  s.messages[0].text = "hi bob";
  // Seized after the deletion at t=1: the phone no longer holds the text.
  s.adversaries = {testing::adversary("police", "US", {testing::power(PowerKind::kSeize, 2, "alice")})};
  Simulation first(s, kSharing, make_seeded_rng(1, "sharing"));
  Simulation second(s, kSharingAfterAKey, make_seeded_rng(1, "sharing"));
  first.run();
  second.run();  // sees the artifact numbered by the first run
  for (const Simulation* sim : {&first, &second}) {
    const ProtocolResult r = sim->close();
    EXPECT_EQ(testing::readers(r, 1), (std::vector<std::string>{"alice"}));
  }
}

TEST(RunScenario, AProtocolThatFailsStopsTheRunWithItsErrorOnEveryJobCount) {
  Scenario s = three_protocols();
  s.protocols.insert(s.protocols.begin() + 1, "failing");
  const auto models = [](std::string_view name) { return name == "failing" ? &kFailing : find_model(name); };
  for (unsigned jobs : {1u, 2u, 4u}) {
    RunOptions o;
    o.jobs = jobs;
    EXPECT_THROW(
        {
          try {
            run_scenario(s, o, models);
          } catch (const std::runtime_error& e) {
            EXPECT_STREQ(e.what(), "failing: message 2");
            throw;
          }
        },
        std::runtime_error)
        << "jobs=" << jobs;
  }
}

TEST(RunScenario, ProtocolOrderOfResultsFollowsTheScenario) {
  Scenario s = three_protocols();
  s.protocols = {"signal", "imessage"};
  RunOptions o;
  o.jobs = 2;
  const Report r = run_scenario(s, o, find_model);
  ASSERT_EQ(r.results.size(), 2u);
  EXPECT_EQ(r.results[0].protocol, "signal");
  EXPECT_EQ(r.results[1].protocol, "imessage");
}

// Transport records (TLS) of every message that crossed a tapped link,
// counted by visiting the run's evidence.
std::size_t transport_records(const Scenario& s) {
  Simulation sim(s, *find_model("imessage"), make_seeded_rng(1, "imessage"));
  sim.run();
  std::size_t n = 0;
  sim.erase_evidence([&](const Artifact& a) {
    if (a.type == "transport.tls") ++n;
    return false;  // a visit: keep everything
  });
  return n;
}

TEST(Evidence, ATapCapturesTransportRecordsFromItsStartAndCannotOpenThem) {
  Scenario s = testing::conversation({"imessage"});  // messages at t=1, 2, 3
  s.adversaries = {testing::adversary("nsa", "US", {testing::power(PowerKind::kTap, 0)})};
  const std::size_t from_start = transport_records(s);
  EXPECT_GT(from_start, 0u);
  s.adversaries[0].powers[0].at = 3;
  const std::size_t last_message = transport_records(s);
  EXPECT_GT(last_message, 0u);
  EXPECT_LT(last_message, from_start);
  s.adversaries[0].powers[0].at = 0;
  const ProtocolResult r = testing::simulate(s, *find_model("imessage"));
  for (int m = 1; m <= 3; ++m) EXPECT_FALSE(r.find(m, "nsa")->readable) << m;
}

TEST(Evidence, WithoutATapNoTransportRecordIsKept) {
  // A record nobody can capture reaches nobody: the engine does not build it.
  EXPECT_EQ(transport_records(testing::conversation({"imessage"})), 0u);
}

}  // namespace
}  // namespace msgsim

namespace msgsim {
namespace {

// A model that only records which parties the engine asks it to provision.
class Recording final : public Model {
 public:
  static std::vector<std::string>& seen() {
    static std::vector<std::string> names;
    return names;
  }
  void register_openers(OpenerRegistry&) const override {}
  void provision(Context& ctx) override {
    for (const Party* p : ctx.parties_to_provision()) seen().push_back(p->name);
  }
  void send(Context&, const Message&) override {}
  void settings_changed(Context&, const SettingsChange&) override {}
};
const ModelInfo kRecording{"recording", "records", "records", {}, {}, {},
                           [] { return std::unique_ptr<Model>(new Recording()); }};

// The cost of a scenario follows its conversations: a party that sends and
// receives nothing and that no power targets is not provisioned (its keys
// could open nothing); a party a seizure or an exploit targets is.
TEST(Provisioning, CoversThePartiesInAConversationOrUnderAttackOnly) {
  Scenario s = testing::conversation({"recording"});  // alice <-> bob
  s.parties.push_back(testing::party("carol"));
  s.parties.push_back(testing::party("dave"));
  s.parties.push_back(testing::party("erin"));
  s.adversaries = {testing::adversary("police", "US", {testing::power(PowerKind::kSeize, 1, "dave")})};
  Recording::seen().clear();
  Simulation sim(s, kRecording, make_seeded_rng(1, "recording"));
  sim.run();
  EXPECT_EQ(Recording::seen(), (std::vector<std::string>{"alice", "bob", "dave"}));
  // Every party is still a column of the report, and the idle ones read nothing.
  const ProtocolResult r = sim.close();
  EXPECT_TRUE(r.column("carol").has_value());
  EXPECT_FALSE(r.find(1, "carol")->readable);
}

// The same readings with and without the idle parties, for every model:
// leaving them out of provisioning changes no reading and no explanation.
TEST(Provisioning, IdlePartiesChangeNoReadingOfAnyModel) {
  for (const ModelInfo& m : all_models()) {
    SCOPED_TRACE(std::string(m.name));
    Scenario s = testing::conversation({std::string(m.name)});
    s.parties[0].settings.icloud_backup = true;
    s.adversaries = {testing::adversary("us-gov", "US", {testing::power(PowerKind::kCompel, 2)})};
    Scenario crowded = s;
    for (const char* name : {"carol", "dave"}) {
      crowded.parties.push_back(testing::party(name));
      crowded.parties.back().settings.icloud_backup = true;
    }
    auto run = [&](const Scenario& sc) {
      Simulation sim(sc, m, make_seeded_rng(7, m.name));
      sim.run();
      return sim.close();
    };
    const ProtocolResult alone = run(s), with_idle = run(crowded);
    for (int msg = 1; msg <= 3; ++msg)
      for (const std::string actor : {"alice", "bob", "us-gov", "apple"}) {
        const auto a = alone.find(msg, actor), b = with_idle.find(msg, actor);
        ASSERT_EQ(a.has_value(), b.has_value()) << actor;
        if (a) {
          EXPECT_EQ(a->readable, b->readable) << msg << " " << actor;
          EXPECT_EQ(a->how, b->how) << msg << " " << actor;
        }
      }
  }
}

}  // namespace
}  // namespace msgsim
