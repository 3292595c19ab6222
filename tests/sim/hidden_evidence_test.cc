// Hiding evidence from one actor, for one closure (sim/hidden_evidence.h).
#include "sim/hidden_evidence.h"

#include <gtest/gtest.h>

#include "msgsim/engine.h"
#include "protocols/imessage/imessage.h"
#include "tests/support/scenario_builder.h"

namespace msgsim {
namespace {

using testing::readers;
using Names = std::vector<std::string>;

TEST(HiddenEvidence, HidesFromOneActorOnThisThreadWhileItLives) {
  Scenario s = testing::conversation({"imessage"});
  s.adversaries = {testing::adversary("police", "US", {testing::power(PowerKind::kSeize, 3, "bob")})};
  Simulation sim(s, imessage_model_info(), make_seeded_rng(7, "imessage"));
  sim.run();
  ASSERT_EQ(readers(sim.close(), 1), (Names{"alice", "bob", "police"}));
  {
    std::size_t offered = 0;
    HiddenEvidence hide("police", [&](const Capture& c) {
      ++offered;
      return c.artifact->kind == ArtifactKind::kKey;
    });
    const ProtocolResult r = sim.close();
    EXPECT_GT(offered, 0u);
    for (int m = 1; m <= 3; ++m) EXPECT_EQ(readers(r, m), (Names{"alice", "bob"})) << "message " << m;
    {
      HiddenEvidence inner("bob", [](const Capture&) { return true; });
      EXPECT_EQ(readers(sim.close(), 1), (Names{"alice"})) << "both in force";
    }
    EXPECT_EQ(readers(sim.close(), 1), (Names{"alice", "bob"})) << "the outer one again";
  }
  EXPECT_EQ(readers(sim.close(), 1), (Names{"alice", "bob", "police"}));
}

}  // namespace
}  // namespace msgsim
