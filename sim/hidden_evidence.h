// sim/hidden_evidence.h (engine-private, for tests): one actor's evidence
// without some of it.
//
// Simulation::erase_evidence removes an artifact from every store, journal
// and capture: from everyone. To ask what one actor reads had it not
// obtained one key (the proof that a reading rests on that key), a test hides
// captures from that actor only. While a HiddenEvidence lives, the closures
// that Simulation::close() and close_one() start on the same thread for the
// actor named `actor` leave out every capture `hide` matches; other actors
// and other threads are untouched. Several may live at once (nested), each
// in force. `hide` also sees every capture of the actor, so returning false
// lists the actor's starting evidence.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "closure.h"

namespace msgsim {

class HiddenEvidence {
 public:
  HiddenEvidence(std::string actor, std::function<bool(const Capture&)> hide);
  ~HiddenEvidence();
  HiddenEvidence(const HiddenEvidence&) = delete;
  HiddenEvidence& operator=(const HiddenEvidence&) = delete;

  // True when one alive on this thread hides `capture` from `actor`.
  static bool hidden(std::string_view actor, const Capture& capture);
  // True when one alive on this thread is about `actor` (a closure that
  // finds none need not ask of each capture).
  static bool any_for(std::string_view actor);

 private:
  std::string actor_;
  std::function<bool(const Capture&)> hide_;
  const HiddenEvidence* outer_;  // alive before this one, on this thread
};

}  // namespace msgsim
