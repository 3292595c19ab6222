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
  // `on_message`, if set, is called after each message is played.
  void run(const std::function<void()>& on_message = {});

  // Deletes every artifact matching `pred` from every store, journal and
  // adversary capture, as if it had never existed. For experiments and tests
  // (removing one key from one backup, say); call between run() and close().
  // Returns how many artifact references were removed.
  std::size_t erase_evidence(const std::function<bool(const Artifact&)>& pred);

  // The closure for every actor: one cell per (message, actor). Columns are
  // `columns` when given (an actor this run knows nothing of reads nothing),
  // else actors().
  ProtocolResult close(const std::vector<Actor>* columns = nullptr) const;

  // What the run wants the reader to know, sorted.
  std::vector<std::string> notes() const;
  // How messages reached recipients the protocol's own channel did not
  // (Context::delivered_as, not_delivered), sorted by (message, recipient).
  std::vector<Delivery> deliveries() const;

  // Actors of this run, in report order.
  const std::vector<Actor>& actors() const;

 private:
  friend class ClosingPass;  // the runner's closing of one actor at a time (sim/closing.h)
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The actors of a scenario: parties, the providers the chosen protocols use,
// adversaries.
std::vector<Actor> scenario_actors(const Scenario& scenario, const std::vector<const ModelInfo*>& models);

// How far a run is: messages played (per protocol, so out of protocols x
// messages), then actors' closures done (out of protocols x actors).
struct Progress {
  std::size_t played = 0, to_play = 0;
  std::size_t closed = 0, to_close = 0;
};
// Called from worker threads, possibly at once: it must be thread-safe and
// cheap (it is called at most a few hundred times a run).
using ProgressFn = std::function<void(const Progress&)>;

struct RunOptions {
  std::vector<std::string> only_protocols;  // empty: every protocol of the scenario
  std::optional<std::uint64_t> seed;        // overrides the scenario's seed
  // Work runs on this many threads; 0 = every core. Protocols play in
  // parallel (up to one per thread, one at a time in a large scenario; a
  // protocol played is closed before the next play starts), and the actors'
  // closures of a protocol run in parallel. The report is the same for
  // every value: each protocol has its own world and its own random stream,
  // and results are assembled in protocol and actor order.
  unsigned jobs = 0;
  // How many protocols may play at once; 0 = decided by the run: one per
  // thread, or one at a time in a large scenario, whose plays would hold
  // several protocols' evidence at once (sim/engine.cc,
  // kMessagesForOnePlayAtATime). The report is the same for every value.
  unsigned plays_at_once = 0;
  ProgressFn progress;  // optional
  // Optional: called once per protocol, in protocol order, as soon as that
  // protocol and every one before it are closed, with the report's head set
  // and report.results[protocol] final (other results must not be read: they
  // may be changing). Never two calls at once; from a worker thread, while
  // other protocols may be playing or closing. After it returns, the
  // result's chains are released (readability stays, for the expectations):
  // hand them to a StreamingReport here.
  std::function<void(const Report& report, std::size_t protocol)> on_protocol_final;
};

// Runs every protocol and checks the expectations. Protocol names must be
// known to `find_model`.
Report run_scenario(const Scenario& scenario, const RunOptions& options,
                    const std::function<const ModelInfo*(std::string_view)>& find_model);

}  // namespace msgsim
