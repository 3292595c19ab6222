// msgsim/results.h: what a run found, in the shape every report writer reads.
//
// A run has one cell per (protocol, message, actor): 100,000 messages and 54
// actors under three protocols are 16 million cells, so a protocol's cells
// are kept compactly, as a grid of chain numbers, and the chains' lines are
// kept once each (the line that says where a device's key came from explains
// every message that key opens). `Reading` is the cell spelled out, for
// tests and small tools.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
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

// One (protocol, message, actor) cell, spelled out.
struct Reading {
  int message = 0;  // 1-based scenario message id
  std::string actor;
  bool readable = false;
  // When readable: the chain, in order, from what reached the actor to the
  // plaintext. Plain sentences; never key bytes.
  std::vector<std::string> how;
};

// How a message reached one of its recipients when the protocol's own
// channel did not carry it: sent instead over another channel ("SMS"), or
// not delivered at all. The model that sent it says so (Context::delivered_as,
// Context::not_delivered); the report shows it in the recipient's cell. It
// says nothing of who reads: that is the closure's alone.
struct Delivery {
  int message = 0;
  std::string recipient;  // a party name
  std::string channel;    // "SMS"; empty when not delivered
  bool delivered() const { return !channel.empty(); }
  // "sent as SMS" or "not delivered": what the cell says, in every format.
  std::string text() const;
  friend bool operator==(const Delivery&, const Delivery&) = default;
};

class ChainBook;  // sim/chain_book.h: the chains' lines, each kept once

// A protocol's cells: rows are messages (ids 1..messages, scenario order),
// columns are `actors` (report order).
class ProtocolResult {
 public:
  std::string protocol;
  std::vector<std::string> notes;  // what the run wants the reader to know (undelivered messages...)
  std::vector<Delivery> deliveries;  // sorted by (message, recipient); one at most for each

  // The delivery of `message` to `actor`, if it did not go by the protocol's own channel.
  const Delivery* delivery(int message, std::string_view actor) const;

  ProtocolResult();
  ProtocolResult(std::string protocol, std::size_t messages, std::vector<std::string> actors);
  ProtocolResult(const ProtocolResult& other);
  ProtocolResult& operator=(const ProtocolResult& other);
  ProtocolResult(ProtocolResult&& other) noexcept;
  ProtocolResult& operator=(ProtocolResult&& other) noexcept;
  ~ProtocolResult();

  std::size_t message_count() const { return messages_; }
  const std::vector<std::string>& actors() const { return actors_; }
  // Index of an actor's column, if it has one.
  std::optional<std::size_t> column(std::string_view actor) const;

  // Marks a cell readable, with its chain; or unreadable again.
  void set_readable(int message, std::size_t column, std::span<const std::string> how);
  void set_unreadable(int message, std::size_t column);
  // Column `from_column` of `from` (same messages) becomes column `column` here.
  void copy_column(std::size_t column, const ProtocolResult& from, std::size_t from_column);

  bool readable(int message, std::size_t column) const { return find_cell(message, column) != nullptr; }
  // The chain of a readable cell (empty for an unreadable one).
  std::vector<std::string> how(int message, std::size_t column) const;

  // Spelled out (copies): one cell, a cell by actor name, every cell (message-major).
  Reading at(int message, std::size_t column) const;
  std::optional<Reading> find(int message, std::string_view actor) const;
  std::vector<Reading> readings() const;

  // Names of the actors who read `message`, in column order.
  std::vector<std::string> readers(int message) const;

  // Forgets the chains once they have been written out, keeping which cells
  // are readable (a run's expectations need no more): at 100,000 messages
  // the chains are most of a protocol's results. how() then throws
  // std::logic_error for a readable cell rather than answer wrongly.
  void release_chains();
  bool chains_released() const { return chains_released_; }

  // How many distinct lines the chains hold (each is kept once).
  std::size_t distinct_chain_lines() const;

 private:
  // A readable cell. Most cells are not (at 100,000 messages, 54 actors,
  // about 4% are), so each column keeps only its readable cells, in
  // message order: 8 bytes a readable cell, not 4 bytes every cell.
  struct Cell {
    std::uint32_t message = 0;
    std::uint32_t chain = 0;  // the chain's number in chains_; meaningless once the chains are released
  };
  // Throws std::logic_error once the chains are released.
  void check_writable() const;
  // The chains, made on first use.
  ChainBook& book();
  // Checks that the cell exists (std::out_of_range otherwise).
  void check(int message, std::size_t column) const;
  // The readable cell (message, column), or null.
  const Cell* find_cell(int message, std::size_t column) const;

  std::size_t messages_ = 0;
  std::vector<std::string> actors_;
  std::vector<std::vector<Cell>> columns_;  // per column, sorted by message
  std::unique_ptr<ChainBook> chains_;  // null until a chain is added, and once released
  bool chains_released_ = false;
};

struct ExpectationResult {
  std::string protocol;
  int message = 0;  // an expectation covering several messages gives one result per message
  bool ok = false;
  std::vector<std::string> expected;  // sorted
  std::vector<std::string> actual;    // sorted
  SourcePos pos;
};

// Each expectation of `scenario` against `results` (in the scenario's
// protocol order; an expectation naming a protocol not among them checks
// nothing): one result per (expectation, protocol, message) it covers.
std::vector<ExpectationResult> check_expectations(const Scenario& scenario, std::span<const ProtocolResult> results);

struct Report {
  std::string title;
  std::string description;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> protocols;
  std::vector<Actor> actors;  // parties (file order), providers (sorted), adversaries (file order)
  std::vector<Message> messages;
  std::vector<ProtocolResult> results;  // in `protocols` order, columns = `actors`
  std::vector<ExpectationResult> expectations;
  bool all_expectations_hold() const;
};

}  // namespace msgsim
