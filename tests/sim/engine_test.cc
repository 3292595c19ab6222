// run_scenario as a whole: parallel protocols, progress, determinism.
#include "msgsim/engine.h"

#include <atomic>
#include <mutex>

#include <gtest/gtest.h>

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

TEST(RunScenario, ProgressCountsEveryProtocolMessageOnceAndEndsAtTheTotal) {
  const Scenario s = three_protocols();
  std::mutex m;
  std::vector<std::pair<std::size_t, std::size_t>> calls;
  RunOptions o;
  o.jobs = 3;
  o.progress = [&](std::size_t done, std::size_t total) {
    std::lock_guard lock(m);
    calls.emplace_back(done, total);
  };
  run_scenario(s, o, find_model);
  ASSERT_FALSE(calls.empty());
  for (const auto& [done, total] : calls) {
    EXPECT_EQ(total, 9u);
    EXPECT_LE(done, total);
  }
  EXPECT_EQ(std::max_element(calls.begin(), calls.end())->first, 9u);
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

}  // namespace
}  // namespace msgsim
