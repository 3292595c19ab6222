// msgsim/engine.h: running a scenario under each protocol model.
//
// For one protocol, a Simulation builds the world, lets the model provision
// its keys, plays the timeline (within a tick: messages in file order, then
// end-of-tick work such as backups, then adversary actions), and finally
// computes, for every actor, the closure of what reached it: every artifact
// it can open with the keys it holds, repeatedly, until nothing new opens.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "msgsim/crypto.h"
#include "msgsim/evidence.h"
#include "msgsim/model.h"
#include "msgsim/results.h"
#include "msgsim/scenario.h"

namespace msgsim {

class Simulation {
 public:
  // `rng` supplies every random byte of this run.
  Simulation(const Scenario& scenario, const ModelInfo& model, std::unique_ptr<Rng> rng);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Provision, then play the timeline and the adversary actions.
  void run();

  // Deletes every artifact matching `pred` from every store, journal and
  // adversary capture, as if it had never existed. For experiments and tests
  // (removing one key from one backup, say); call between run() and close().
  // Returns how many artifact references were removed.
  std::size_t erase_evidence(const std::function<bool(const Artifact&)>& pred);

  // The closure for every actor: one Reading per (message, actor).
  ProtocolResult close() const;

  // Actors of this run, in report order.
  const std::vector<Actor>& actors() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The actors of a scenario: parties, the providers the chosen protocols use,
// adversaries.
std::vector<Actor> scenario_actors(const Scenario& scenario, const std::vector<const ModelInfo*>& models);

struct RunOptions {
  std::vector<std::string> only_protocols;  // empty: every protocol of the scenario
  std::optional<std::uint64_t> seed;        // overrides the scenario's seed
};

// Runs every protocol and checks the expectations. Protocol names must be
// known to `find_model`.
Report run_scenario(const Scenario& scenario, const RunOptions& options,
                    const std::function<const ModelInfo*(std::string_view)>& find_model);

}  // namespace msgsim
