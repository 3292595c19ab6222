// sim/closing.h (engine-private): closing a played Simulation one actor at
// a time, as the runner does on several threads.
#pragma once

#include <string_view>
#include <vector>

#include "closure.h"
#include "msgsim/results.h"

namespace msgsim {

class Simulation;  // msgsim/engine.h

// One closing pass over a played Simulation. The openings the actors'
// closures compute are shared through one thread-safe cache, so that
// several threads may close several actors of the pass at once; a party's
// own openings stay with it.
class ClosingPass {
 public:
  explicit ClosingPass(const Simulation& sim);
  ClosingPass(const ClosingPass&) = delete;
  ClosingPass& operator=(const ClosingPass&) = delete;
  // The closure of `actor`: a result with one column, `actor`.
  ProtocolResult close(const Actor& actor);

 private:
  const Simulation& sim_;
  OpeningCache shared_;
};

// A protocol's grid with nothing readable yet: one column per actor.
ProtocolResult empty_grid(std::string_view protocol, std::size_t messages, const std::vector<Actor>& actors);

}  // namespace msgsim
