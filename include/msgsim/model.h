// msgsim/model.h: what a protocol model is, and what the engine offers it.
//
// A model is one folder in protocols/ and one row in the registry
// (protocols/registry.h). It fills in hooks; the engine does the
// bookkeeping once for all models: routing, evidence journals, adversary
// observers, the closure and the explanations. The engine never looks inside
// a model's artifacts: it only calls the Openers the model registers.
//
// A model keeps its own working state (device keys, sessions) the way the
// real software does, and mirrors into the world what a device or server
// actually stores, with Context::store / Context::remove. That mirror is what
// a seizure, an exploit or a subpoena finds, so it must be faithful: a key
// the real app deletes after use must be removed here too.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "msgsim/crypto.h"
#include "msgsim/evidence.h"
#include "msgsim/scenario.h"
#include "msgsim/world.h"

namespace msgsim {

// The engine's side of the contract, handed to every hook.
class Context {
 public:
  virtual ~Context() = default;
  virtual const Scenario& scenario() const = 0;
  virtual const World& world() const = 0;
  // The run's randomness (seeded or system). Models draw every key from it.
  virtual Rng& rng() = 0;
  // The current tick.
  virtual std::int64_t now() const = 0;
  // The parties a model provisions, in file order: those that send or
  // receive a message, and those a power targets (a seizure, an exploit).
  // Any other party holds nothing that could open a message, so its keys
  // could change no reading: leaving it out makes a scenario cost what its
  // conversations need, not what its list of parties holds.
  virtual const std::vector<const Party*>& parties_to_provision() const = 0;

  // `node` keeps `a` in storage from now on, until remove().
  virtual void store(NodeId node, ArtifactPtr a) = 0;
  // `node` deletes `a` from storage (no-op if it does not hold it).
  virtual void remove(NodeId node, const ArtifactPtr& a) = 0;
  // `node` has `a` in memory now without storing it (a key used and wiped).
  virtual void handle(NodeId node, ArtifactPtr a) = 0;
  // Sends `a` from `from` to `to` over the world's links, inside transport
  // encryption (a fresh key per connection, discarded: forward-secret TLS).
  // Both endpoints handle `a`; a server endpoint has relayed it.
  virtual void transmit(NodeId from, NodeId to, ArtifactPtr a) = 0;
  // Sends `a` with no transport encryption (an SMS through a carrier's
  // network): every link on the route carries `a` itself, so a tap there
  // captures exactly what the endpoints see.
  virtual void transmit_in_clear(NodeId from, NodeId to, ArtifactPtr a) = 0;
  // `node` opens `sealed` with `keys` (one per entry of sealed.needs) by
  // running the registered Opener, as a device does when it receives a
  // message. Returns what the opening yields (empty when decryption fails).
  // The result is remembered for the closure, which would run the very same
  // pure function on the very same bytes: an opening is computed once.
  // Nothing is added to the node's evidence; store what the device keeps.
  virtual std::vector<ArtifactPtr> open(NodeId node, const ArtifactPtr& sealed,
                                        const std::vector<ArtifactPtr>& keys) = 0;
  // A sentence for the report ("message 2 was not delivered to bob: ...").
  virtual void note(std::string text) = 0;
  // Message `message_id` reached party `recipient` over `channel` ("SMS")
  // instead of the protocol's own: the recipient's cell says "sent as SMS".
  virtual void delivered_as(int message_id, std::string_view recipient, std::string channel) = 0;
  // Message `message_id` reached no device of party `recipient`: the
  // recipient's cell says "not delivered", and `why` is the report's note
  // ("message 2 was not delivered to bob: ...").
  virtual void not_delivered(int message_id, std::string_view recipient, std::string why) = 0;
};

// A [[change]] as a model sees it, once the world shows the new settings:
// what they were just before, for the party and for each of its devices.
struct SettingsChange {
  const Party& party;
  PartySettings before;                      // the party's (World::party_settings)
  std::vector<PartySettings> devices_before;  // in World::devices_of order (Node::settings)
};

class Model {
 public:
  virtual ~Model() = default;
  // Openers for every sealed artifact type this model emits.
  virtual void register_openers(OpenerRegistry& registry) const = 0;
  // Tick 0, before anything else: keys, directories, stores.
  virtual void provision(Context& ctx) = 0;
  // One scenario message at ctx.now().
  virtual void send(Context& ctx, const Message& message) = 0;
  // A party changed settings ([[change]]), after the messages of the tick
  // and before its end: the model does what the real software does then
  // (registers or deregisters a device, rolls a key, starts or stops a
  // backup). The world already shows the new values.
  virtual void settings_changed(Context& ctx, const SettingsChange& change) = 0;
  // After the messages and changes of a tick (backups, rotations).
  virtual void end_of_tick(Context& ctx) { (void)ctx; }
};

// A registry row: what the engine, the loader and `msgsim list` need to know
// of a model, and a factory. The engine never names an app: what it must
// know of one is declared here.
struct ModelInfo {
  std::string_view name;     // "imessage": protocols = ["imessage"]
  std::string_view summary;  // one line
  std::string_view details;  // how it works, sources, every simplification (plain text)
  // The built-in providers whose servers it uses (world.h): they are built
  // into its world and are actors of the report.
  std::vector<std::string_view> providers;
  // The attack surfaces its app exposes on a device. A surface is there
  // whichever protocol a run plays (an iPhone runs iMessage while its owner
  // talks on Signal): an exploit `via` a surface any registered model
  // declares reaches the devices the declaration names.
  std::vector<AttackSurface> surfaces;
  // The settings (settings.h) it reads. A setting no registered model reads
  // and no surface switches is "not supported yet".
  std::vector<std::string_view> settings;
  std::unique_ptr<Model> (*make)();
};

}  // namespace msgsim
