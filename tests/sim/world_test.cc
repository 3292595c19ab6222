#include "msgsim/world.h"

#include <gtest/gtest.h>

#include "tests/support/scenario_builder.h"

namespace msgsim {
namespace {

TEST(World, BuildsDevicesServersAndOneBackbonePerCountry) {
  Scenario s = testing::conversation({"imessage"});
  s.parties[0].country = "FR";
  s.parties[1].devices = {DeviceKind::kIphone, DeviceKind::kMac, DeviceKind::kIphone};
  Provider apple;
  apple.name = "apple";
  apple.country = "IE";
  s.providers = {apple};
  const World w = World::build(s, {"apple", "signal"});
  ASSERT_EQ(w.devices_of("bob").size(), 3u);
  EXPECT_EQ(w.node(w.devices_of("bob")[2]).name, "bob/iphone2");
  EXPECT_EQ(w.provider_country("apple"), "IE");
  EXPECT_EQ(w.provider_country("signal"), "US");
  // 4 devices + 2 servers + 3 backbones (FR, US, IE).
  EXPECT_EQ(w.node_count(), 9u);
  // 4 access links + 2 datacentre links + 3 international links.
  EXPECT_EQ(w.link_count(), 9u);
}

TEST(World, RoutesCrossTheCountriesBetweenTheEnds) {
  Scenario s = testing::conversation({"imessage"});
  s.parties[0].country = "FR";
  const World w = World::build(s, {"apple"});
  const NodeId alice = w.devices_of("alice")[0];
  const NodeId apple = *w.server("apple");
  const auto& path = w.route(alice, apple);
  ASSERT_EQ(path.size(), 3u);
  EXPECT_EQ(w.link(path[0]).countries, (std::vector<std::string>{"FR"}));
  EXPECT_EQ(w.link(path[1]).countries, (std::vector<std::string>{"FR", "US"}));
  EXPECT_EQ(w.link(path[2]).countries, (std::vector<std::string>{"US"}));
  EXPECT_EQ(w.route(apple, w.devices_of("bob")[0]).size(), 2u) << "bob and Apple are both in the US";
}

}  // namespace
}  // namespace msgsim
