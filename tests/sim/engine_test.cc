// run_scenario as a whole: parallel protocols, progress, determinism.
#include "msgsim/engine.h"

#include <atomic>
#include <mutex>
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

TEST(RunScenario, ProgressCountsEveryMessageAndEveryReaderOnceAndEndsAtTheTotals) {
  const Scenario s = three_protocols();  // 3 protocols, 3 messages; alice, bob, apple, signal, us-gov, nso
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
    EXPECT_EQ(p.to_close, 18u);
    EXPECT_LE(p.played, p.to_play);
    EXPECT_LE(p.closed, p.to_close);
  }
  EXPECT_EQ(calls.back().played, 9u);
  EXPECT_EQ(calls.back().closed, 18u);
}

// A model that fails while it plays.
class Failing final : public Model {
 public:
  std::string_view name() const override { return "failing"; }
  std::vector<std::string> providers() const override { return {}; }
  void register_openers(OpenerRegistry&) const override {}
  void provision(Context&) override {}
  void send(Context&, const Message& m) override {
    if (m.id == 2) throw std::runtime_error("failing: message 2");
  }
};
const ModelInfo kFailing{"failing", "fails", "fails", [] { return std::unique_ptr<Model>(new Failing()); }};

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
