// msgsim/results.h: what a run found, in the shape every report writer reads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "msgsim/scenario.h"

namespace msgsim {

enum class ActorKind { kParty, kProvider, kAdversary };
const char* to_string(ActorKind k);

struct Actor {
  std::string name;
  std::string label;
  ActorKind kind = ActorKind::kParty;
  std::string country;
};

// One (protocol, message, actor) cell.
struct Reading {
  int message = 0;  // 1-based scenario message id
  std::string actor;
  bool readable = false;
  // When readable: the chain, in order, from what reached the actor to the
  // plaintext. Plain sentences; never key bytes.
  std::vector<std::string> how;
};

struct ProtocolResult {
  std::string protocol;
  std::vector<Reading> readings;  // one per (message, actor), messages in id order, actors in Report order
  std::vector<std::string> notes; // what the run wants the reader to know (undelivered messages...)
  const Reading* find(int message, std::string_view actor) const;
};

struct ExpectationResult {
  std::string protocol;
  int message = 0;  // an expectation covering several messages gives one result per message
  bool ok = false;
  std::vector<std::string> expected;  // sorted
  std::vector<std::string> actual;    // sorted
  SourcePos pos;
};

struct Report {
  std::string title;
  std::string description;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> protocols;
  std::vector<Actor> actors;  // parties (file order), providers (sorted), adversaries (file order)
  std::vector<Message> messages;
  std::vector<ProtocolResult> results;  // in `protocols` order
  std::vector<ExpectationResult> expectations;
  bool all_expectations_hold() const;
};

}  // namespace msgsim
