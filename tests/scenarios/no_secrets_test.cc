// Secrets never reach output: no key that exists anywhere in a run appears,
// in hex or raw, in any report format.
#include <set>
#include <variant>

#include <gtest/gtest.h>

#include "msgsim/engine.h"
#include "msgsim/loader.h"
#include "msgsim/report.h"
#include "protocols/registry.h"

namespace msgsim {
namespace {

TEST(Secrets, NoKeyBytesInAnyReportFormat) {
  LoadResult loaded =
      load_scenario_file(std::string(MSGSIM_SOURCE_DIR) + "/scenarios/article.toml", load_options());
  ASSERT_TRUE(std::holds_alternative<Scenario>(loaded));
  const Scenario& s = std::get<Scenario>(loaded);

  // Replay each protocol with the seed and stream run_scenario uses, and
  // collect every secret of every artifact any node ever held.
  std::set<std::string> secrets;
  for (const std::string& protocol : s.protocols) {
    Simulation sim(s, *find_model(protocol), make_seeded_rng(*s.seed, protocol));
    sim.run();
    sim.erase_evidence([&](const Artifact& a) {
      if (a.secret.size() >= 16) secrets.insert(to_string(a.secret.view()));
      return false;  // keep everything: this is only a visit
    });
  }
  ASSERT_GT(secrets.size(), 20u) << "the visit must have seen the run's keys";

  const Report report = run_scenario(s, {}, find_model);
  for (Format f : {Format::kTable, Format::kMarkdown, Format::kCsv, Format::kJson}) {
    const std::string out = render(report, f);
    for (const std::string& secret : secrets) {
      const ByteView bytes(reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size());
      EXPECT_EQ(out.find(hex(bytes.first(8))), std::string::npos) << "hex of a key in format " << static_cast<int>(f);
      EXPECT_EQ(out.find(secret.substr(0, 8)), std::string::npos) << "raw key bytes in format " << static_cast<int>(f);
    }
  }
}

}  // namespace
}  // namespace msgsim
