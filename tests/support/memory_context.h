// tests/support: a Context without an engine, to drive a model, or the parts
// of one (a key agreement and its sessions), step by step in a test.
//
// It keeps what the engine would need to be checked against: what each node
// stores now, every transmission and every opening a device did (with the
// message the model was sending at the time), and the notes. Openings run
// the Openers given (the model's) every time: nothing is cached.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "msgsim/model.h"
#include "msgsim/results.h"
#include "msgsim/world.h"

namespace msgsim::testing {

class MemoryContext final : public Context {
 public:
  struct Transmission {
    NodeId from, to;
    ArtifactPtr artifact;
    int message;  // the message being sent (0: provisioning, end of tick)
    bool in_clear = false;  // transmit_in_clear: no transport encryption
  };
  struct Opening {
    NodeId node;
    ArtifactPtr sealed;
    std::vector<ArtifactPtr> keys;
    std::vector<ArtifactPtr> result;
    int message;
  };

  // `scenario` must outlive this.
  MemoryContext(const Scenario& scenario, const std::vector<std::string>& providers, std::unique_ptr<Rng> rng)
      : scenario_(scenario), world_(World::build(scenario, providers)), rng_(std::move(rng)) {
    stores_.resize(world_.node_count());
    for (const Party& party : scenario.parties) parties_.push_back(&party);
  }

  // A model played on a MemoryContext, as the engine plays it: provision,
  // then each tick's messages (file order) and the end of that tick.
  struct Played {
    std::unique_ptr<MemoryContext> ctx;
    std::unique_ptr<Model> model;  // its state, for more steps
  };
  static Played play(const ModelInfo& info, const Scenario& scenario, std::unique_ptr<Rng> rng) {
    Played p{nullptr, info.make()};
    p.ctx = std::make_unique<MemoryContext>(scenario, std::vector<std::string>(info.providers.begin(), info.providers.end()),
                                            std::move(rng));
    MemoryContext& ctx = *p.ctx;
    p.model->register_openers(ctx.openers_);
    p.model->provision(ctx);
    std::vector<std::int64_t> ticks{0};
    for (const Message& m : scenario.messages) ticks.push_back(m.at);
    std::sort(ticks.begin(), ticks.end());
    ticks.erase(std::unique(ticks.begin(), ticks.end()), ticks.end());
    for (std::int64_t t : ticks) {
      ctx.tick_ = t;
      for (const Message& m : scenario.messages) {
        if (m.at != t) continue;
        ctx.message_ = m.id;
        p.model->send(ctx, m);
        ctx.message_ = 0;
      }
      p.model->end_of_tick(ctx);
    }
    return p;
  }

  OpenerRegistry& openers() { return openers_; }
  const OpenerRegistry& openers() const { return openers_; }
  // What `node` stores now, oldest first.
  const std::vector<ArtifactPtr>& stored(NodeId node) const { return stores_.at(node); }
  const std::vector<Transmission>& transmissions() const { return transmissions_; }
  const std::vector<Opening>& openings() const { return openings_; }
  const std::vector<std::string>& notes() const { return notes_; }
  void set_now(std::int64_t tick) { tick_ = tick; }

  // ---- Context --------------------------------------------------------
  const Scenario& scenario() const override { return scenario_; }
  const World& world() const override { return world_; }
  Rng& rng() override { return *rng_; }
  std::int64_t now() const override { return tick_; }
  // Every party: a MemoryContext plays the model directly, with no engine to choose.
  const std::vector<const Party*>& parties_to_provision() const override { return parties_; }
  void store(NodeId node, ArtifactPtr a) override {
    auto& held = stores_.at(node);
    if (std::find(held.begin(), held.end(), a) == held.end()) held.push_back(std::move(a));
  }
  void remove(NodeId node, const ArtifactPtr& a) override { std::erase(stores_.at(node), a); }
  void handle(NodeId, ArtifactPtr) override {}
  void transmit(NodeId from, NodeId to, ArtifactPtr a) override {
    transmissions_.push_back({from, to, std::move(a), message_});
  }
  std::vector<ArtifactPtr> open(NodeId node, const ArtifactPtr& sealed, const std::vector<ArtifactPtr>& keys) override {
    const Opener* opener = openers_.find(sealed->type);
    if (opener == nullptr) throw std::logic_error("no opener for " + std::string(sealed->type));
    std::vector<const Artifact*> raw;
    for (const ArtifactPtr& k : keys) raw.push_back(k.get());
    std::vector<ArtifactPtr> result = (*opener)(*sealed, raw);
    openings_.push_back({node, sealed, keys, result, message_});
    return result;
  }
  void transmit_in_clear(NodeId from, NodeId to, ArtifactPtr a) override {
    transmissions_.push_back({from, to, std::move(a), message_, true});
  }
  void note(std::string text) override { notes_.push_back(std::move(text)); }
  void delivered_as(int message_id, std::string_view recipient, std::string channel) override {
    deliveries_.push_back({message_id, std::string(recipient), std::move(channel)});
  }
  void not_delivered(int message_id, std::string_view recipient, std::string why) override {
    deliveries_.push_back({message_id, std::string(recipient), {}});
    note(std::move(why));
  }
  // What delivered_as and not_delivered were told, in order.
  const std::vector<Delivery>& deliveries() const { return deliveries_; }

 private:
  const Scenario& scenario_;
  World world_;
  std::unique_ptr<Rng> rng_;
  OpenerRegistry openers_;
  std::int64_t tick_ = 0;
  std::vector<const Party*> parties_;
  int message_ = 0;
  std::vector<std::vector<ArtifactPtr>> stores_;
  std::vector<Transmission> transmissions_;
  std::vector<Opening> openings_;
  std::vector<std::string> notes_;
  std::vector<Delivery> deliveries_;
};

}  // namespace msgsim::testing
