// The engine: one protocol played over the world, its timeline, the
// evidence journals and the adversaries' observers, and the closing pass
// that hands each actor's evidence to the closure (closure.cc: who opens
// what). The runner (runner.cc) schedules several protocols on threads.
#include "msgsim/engine.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "closing.h"
#include "closure.h"
#include "hidden_evidence.h"
#include "numbering.h"
#include "msgsim/world.h"

namespace msgsim {

namespace {

// What happened to an artifact at a node: the node's journal line.
// (A deletion is not journaled: what a node deleted it still saw, and what a
// snapshot finds is the store, which forgets it.)
enum class Event { kStored, kHandled, kSent, kReceived, kRelayed };

// One capture of an adversary: which artifact (its sequence number), how it
// came (a description's number) and when (the number of the tick among the
// run's ticks). 12 bytes: a large run has millions of them.
struct Entry {
  static constexpr std::uint32_t kNoTick = UINT32_MAX;
  std::uint32_t tick = 0;
  std::uint32_t artifact = 0;
  std::uint32_t how = 0;
};
// One line of a node's journal: which artifact, and the tick's number and
// the Event in one word (a node's journal says how from the Event alone:
// "received by bob's iPhone"). 8 bytes: a large run has tens of millions.
struct Line {
  static constexpr unsigned kEventBits = 3;
  static constexpr std::uint32_t kMaxTicks = std::uint32_t{1} << (32 - kEventBits);
  std::uint32_t tick_event = 0;
  std::uint32_t artifact = 0;
  std::uint32_t tick() const { return tick_event >> kEventBits; }
  std::size_t event() const { return tick_event & ((1u << kEventBits) - 1); }
};
// Deques, not vectors: they grow by blocks, so a journal holds no spare
// capacity of up to its own size.
using Journal = std::deque<Line>;
using Captures = std::deque<Entry>;

// A live observer installed by a continuous power (intercept, tap, exploit).
struct Observer {
  // Every event a node journals: a compromised device gives away all it
  // stores and handles.
  static constexpr std::uint8_t kEverything = 0xff;
  // What passes through a server: what it relays and sends on. Not what it
  // stores for itself (an escrowed key, a backup taken before the order):
  // that takes legal compulsion.
  static constexpr std::uint8_t kTraffic = 1u << static_cast<unsigned>(Event::kSent) |
                                           1u << static_cast<unsigned>(Event::kRelayed) |
                                           1u << static_cast<unsigned>(Event::kReceived);
  std::size_t adversary = 0;
  std::int64_t from = 0;
  std::int64_t until = kEndOfScript;  // inclusive; kEndOfScript = no end
  std::uint32_t how = 0;              // "copied by us-gov from Apple's servers (real-time intercept)"
  std::uint8_t events = kEverything;  // the events it sees, one bit per Event
  bool active(std::int64_t tick) const { return tick >= from && (until == kEndOfScript || tick <= until); }
  bool sees(Event e) const { return (events >> static_cast<unsigned>(e) & 1u) != 0; }
};

std::string tick_text(std::int64_t t) { return fmt::format("t={}", t); }

}  // namespace

ProtocolResult empty_grid(std::string_view protocol, std::size_t messages, const std::vector<Actor>& actors) {
  std::vector<std::string> names;
  for (const Actor& a : actors) names.push_back(a.name);
  return ProtocolResult(std::string(protocol), messages, std::move(names));
}

namespace {


}  // namespace

// A tag per run, never 0 (0 marks an artifact no run has numbered yet).
static std::uint64_t next_run_tag() {
  static std::atomic<std::uint32_t> last{0};
  std::uint32_t t = ++last;
  if (t == 0) t = ++last;  // after 4 billion runs in one process
  return t;
}

struct Simulation::Impl final : Context {
  const Scenario& sc;
  const ModelInfo& info;
  std::unique_ptr<Model> model;
  std::unique_ptr<Rng> random;
  World w;
  OpenerRegistry openers;
  std::vector<Actor> actor_list;
  std::int64_t tick = 0;
  std::vector<std::int64_t> ticks;  // the run's ticks, in order: entries name them by number
  std::vector<std::string> notes;
  std::vector<Delivery> deliveries;
  std::vector<const Party*> provisioned;  // parties_to_provision()

  // Evidence. Each artifact gets a sequence number on first sight so that
  // every iteration is in a deterministic order; `artifacts` keeps them, by
  // number, for the journals and captures.
  // The number is kept in the artifact itself (engine_number(), sim/numbering.h,
  // tagged with this run); `seq` is only for an artifact some other run
  // numbered first (a model never shares one, but nothing forbids it).
  const std::uint64_t tag = next_run_tag();
  std::unordered_map<const Artifact*, std::uint32_t> seq;
  std::deque<ArtifactPtr> artifacts;  // a deque: millions of them, and no copy of all as it grows
  std::vector<std::map<std::uint32_t, ArtifactPtr>> stores;  // per node: what it holds now
  std::vector<Journal> journals;                             // per node: everything it saw
  std::vector<Captures> captured;                            // per adversary
  // The descriptions journals and captures name, each kept once (a deque:
  // its strings never move), and numbered.
  std::deque<std::string> texts;
  std::vector<std::string_view> hows;
  std::vector<std::array<std::uint32_t, 5>> journal_how;  // per node, per Event: "received by bob's iPhone"
  std::vector<std::vector<Observer>> node_observers;      // per node
  std::vector<std::vector<Observer>> link_observers;      // per link
  std::map<const Power*, std::vector<NodeId>> exploit_targets;  // found once, when observers are installed
  // Openings done by devices during the run, reused by the closure. The
  // artifacts they name stay alive, so that no address in the cache can be
  // reused by another artifact: in `artifacts`, or, for one this run never
  // numbered, in `opened_inputs` (results are held by the cache itself).
  OpeningCache cache;
  std::vector<ArtifactPtr> opened_inputs;

  Impl(const Scenario& s, const ModelInfo& mi, std::unique_ptr<Rng> r)
      : sc(s), info(mi), model(mi.make()), random(std::move(r)) {
    w = World::build(sc, {mi.providers.begin(), mi.providers.end()});
    model->register_openers(openers);
    cache.index_by_sealed();
    stores.resize(w.node_count());
    journals.resize(w.node_count());
    node_observers.resize(w.node_count());
    link_observers.resize(w.link_count());
    static constexpr const char* kVerb[] = {"stored on", "handled by", "sent by", "received by", "relayed by"};
    for (NodeId n = 0; n < w.node_count(); ++n) {
      std::array<std::uint32_t, 5> how{};
      for (std::size_t e = 0; e < how.size(); ++e) how[e] = text(fmt::format("{} {}", kVerb[e], w.node(n).label));
      journal_how.push_back(how);
    }
    captured.resize(sc.adversaries.size());
    actor_list = scenario_actors(sc, {&mi});
    std::set<std::string_view> involved;
    for (const Message& m : sc.messages) {
      involved.insert(m.from);
      involved.insert(m.to.begin(), m.to.end());
    }
    for (const Adversary& a : sc.adversaries)
      for (const Power& p : a.powers)
        if (!p.target.empty()) involved.insert(p.target);
    for (const Party& p : sc.parties)
      if (involved.contains(p.name)) provisioned.push_back(&p);
  }

  // ---- Context --------------------------------------------------------
  const Scenario& scenario() const override { return sc; }
  const World& world() const override { return w; }
  Rng& rng() override { return *random; }
  std::int64_t now() const override { return tick; }
  const std::vector<const Party*>& parties_to_provision() const override { return provisioned; }
  void note(std::string text) override { notes.push_back(std::move(text)); }
  void delivered_as(int message_id, std::string_view recipient, std::string channel) override {
    if (channel.empty()) throw std::logic_error("delivered_as needs a channel");
    record_delivery({message_id, std::string(recipient), std::move(channel)});
  }
  void not_delivered(int message_id, std::string_view recipient, std::string why) override {
    record_delivery({message_id, std::string(recipient), {}});
    note(std::move(why));
  }
  void record_delivery(Delivery d) {
    if (sc.find_party(d.recipient) == nullptr || d.message < 1 ||
        static_cast<std::size_t>(d.message) > sc.messages.size())
      throw std::logic_error(fmt::format("delivery of message {} to {}: no such message or party", d.message,
                                         d.recipient));
    deliveries.push_back(std::move(d));
  }

  // The number of the current tick (the last in `ticks`).
  std::uint32_t tick_number() {
    if (ticks.empty() || ticks.back() != tick) {
      if (ticks.size() >= Line::kMaxTicks) throw std::length_error("more than 536 million ticks in one run");
      ticks.push_back(tick);
    }
    return static_cast<std::uint32_t>(ticks.size() - 1);
  }

  std::uint32_t text(std::string t) {
    hows.push_back(texts.emplace_back(std::move(t)));
    return static_cast<std::uint32_t>(hows.size() - 1);
  }

  std::uint32_t number(const ArtifactPtr& a) {
    if (artifacts.size() >= std::numeric_limits<std::uint32_t>::max())
      throw std::length_error("more than 4 billion artifacts in one run");
    const auto next = static_cast<std::uint32_t>(artifacts.size());
    std::uint64_t seen = 0;
    if (engine_number(*a).compare_exchange_strong(seen, tag << 32 | next)) {
      artifacts.push_back(a);
      return next;
    }
    if (seen >> 32 == tag) return static_cast<std::uint32_t>(seen);
    auto [it, inserted] = seq.emplace(a.get(), next);
    if (inserted) artifacts.push_back(a);
    return it->second;
  }

  // The number this run gave `a`, if it has seen it.
  std::optional<std::uint32_t> number_of(const Artifact& a) const {
    const std::uint64_t seen = engine_number(a).load();
    if (seen != 0 && seen >> 32 == tag) return static_cast<std::uint32_t>(seen);
    if (const auto it = seq.find(&a); it != seq.end()) return it->second;
    return std::nullopt;
  }

  // Numbers `a` (on first sight) and journals it; returns its number.
  std::uint32_t journal(NodeId node, const ArtifactPtr& a, Event e) {
    const std::uint32_t n = number(a);
    static_assert(static_cast<unsigned>(Event::kRelayed) < (1u << Line::kEventBits));
    journals.at(node).push_back({tick_number() << Line::kEventBits | static_cast<std::uint32_t>(e), n});
    for (const Observer& o : node_observers[node])
      if (o.active(tick) && o.sees(e)) captured[o.adversary].push_back({tick_number(), n, o.how});
    return n;
  }

  void store(NodeId node, ArtifactPtr a) override {
    const std::uint32_t n = journal(node, a, Event::kStored);
    // Numbers grow as artifacts are made: a new one goes at the end, and the
    // hint spares a descent through a server's millions of entries.
    auto& held = stores.at(node);
    held.emplace_hint(held.end(), n, std::move(a));
  }

  void remove(NodeId node, const ArtifactPtr& a) override {
    if (const std::optional<std::uint32_t> n = number_of(*a)) stores.at(node).erase(*n);
  }

  std::vector<ArtifactPtr> open(NodeId node, const ArtifactPtr& sealed,
                                const std::vector<ArtifactPtr>& keys) override {
    (void)node;  // the device's own opening; what it keeps, the model stores
    const Opener* opener = openers.find(sealed->type);
    if (opener == nullptr) throw std::logic_error("no opener for " + std::string(sealed->type));
    OpeningCache::Key key{sealed.get()};
    for (const ArtifactPtr& k : keys) key.push_back(k.get());
    if (const auto* hit = cache.find(key)) return *hit;
    // What this run numbered stays alive in `artifacts`; only the rest (an
    // artifact a model made but has not journaled yet) is kept here.
    if (!number_of(*sealed)) opened_inputs.push_back(sealed);
    for (const ArtifactPtr& k : keys)
      if (!number_of(*k)) opened_inputs.push_back(k);
    std::vector<ArtifactPtr> opened = (*opener)(*sealed, std::span<const Artifact* const>(key).subspan(1));
    return cache.put(std::move(key), std::move(opened));
  }

  void handle(NodeId node, ArtifactPtr a) override { journal(node, a, Event::kHandled); }

  // Journals a transmission at both ends; returns its route when a tap
  // listens on some link of it (empty otherwise).
  std::span<const LinkId> send_and_receive(NodeId from, NodeId to, const ArtifactPtr& a) {
    journal(from, a, Event::kSent);
    journal(to, a, w.node(to).kind == NodeKind::kServer ? Event::kRelayed : Event::kReceived);
    const std::vector<LinkId>& route = w.route(from, to);
    const bool tapped = std::any_of(route.begin(), route.end(), [&](LinkId l) {
      return std::any_of(link_observers[l].begin(), link_observers[l].end(),
                         [&](const Observer& o) { return o.active(tick); });
    });
    return tapped ? std::span<const LinkId>(route) : std::span<const LinkId>();
  }

  // Every active tap on `route` captures the artifact numbered `n`.
  void capture_on(std::span<const LinkId> route, std::uint32_t n) {
    for (LinkId l : route)
      for (const Observer& o : link_observers[l])
        if (o.active(tick)) captured[o.adversary].push_back({tick_number(), n, o.how});
  }

  void transmit_in_clear(NodeId from, NodeId to, ArtifactPtr a) override {
    const std::span<const LinkId> route = send_and_receive(from, to, a);
    if (!route.empty()) capture_on(route, number(a));
  }

  void transmit(NodeId from, NodeId to, ArtifactPtr a) override {
    // The wire form: the artifact inside a transport-encryption record under
    // a fresh key that both endpoints discard (forward-secret TLS). Nobody
    // ever stores that key, so a tap holds bytes it cannot open. The record
    // is evidence only for a tap on its route: where nobody listens, its
    // bytes reach nobody, so it is not built (it could change no result).
    const std::span<const LinkId> route = send_and_receive(from, to, a);
    if (route.empty()) return;
    Bytes inner;
    append_framed(inner, to_bytes(a->type));
    append_framed(inner, a->data);
    const SecretBytes session = random->secret(crypto::kKeySize);
    const Bytes record = crypto::aead_encrypt(*random, session, inner, to_bytes("msgsim.transport"));
    const KeyId session_id = make_key_id("msgsim.transport-session", random->bytes(16));
    ArtifactPtr on_wire = make_sealed(
        "transport.tls",
        fmt::format("transport-encrypted traffic {} -> {} ({} bytes)", w.node(from).label, w.node(to).label,
                    record.size()),
        {session_id}, record);
    capture_on(route, number(on_wire));
  }

  // ---- Adversaries ----------------------------------------------------
  std::vector<NodeId> provider_nodes(const Adversary& adv, const Power& p) const {
    std::vector<NodeId> out;
    for (const std::string& name : w.providers()) {
      const bool named = std::find(p.providers.begin(), p.providers.end(), name) != p.providers.end();
      if (p.providers.empty() ? w.provider_country(name) == adv.country : named) out.push_back(*w.server(name));
    }
    return out;
  }

  // How a compel or intercept reached the provider at `server`, for its
  // description: nothing for the adversary's own courts; the foreign path
  // otherwise (the loader refused a foreign provider without one).
  std::string legal_path(const Adversary& adv, const Power& p, NodeId server) const {
    const std::string& country = w.node(server).country;
    if (country == adv.country) return {};
    switch (p.path) {
      case LegalPath::kMlat: return fmt::format(", through a mutual legal assistance request to the {} authorities", country);
      case LegalPath::kCloudAct: return fmt::format(", through a CLOUD Act agreement between {} and {}", adv.country, country);
      case LegalPath::kDirect: break;
    }
    throw std::logic_error(fmt::format("{} reaches a provider in {} with no legal path", adv.name, country));
  }

  // Devices of the target that expose the exploit's surface.
  std::vector<NodeId> exploitable(const Adversary& adv, const Power& p) {
    std::vector<NodeId> out;
    for (NodeId d : w.devices_of(p.target)) {
      // Each device's own switch: iMessage off on the iPhone but on on the Mac leaves the Mac exposed.
      if (exposes(p.via, w.node(d).device, w.node(d).settings)) out.push_back(d);
    }
    if (out.empty())
      note(fmt::format("{}'s exploit via {} (t={}) found no device of {} exposing that surface: {} is switched "
                       "off or absent on every device, so the exploit got nothing.",
                       adv.name, p.via.name, p.at, p.target, p.via.label));
    return out;
  }

  // A snapshot's description says when; its entries carry no tick.
  void snapshot(std::size_t adv, NodeId node, std::string how) {
    const std::uint32_t kept = text(std::move(how));
    for (const auto& [n, a] : stores[node]) captured[adv].push_back({Entry::kNoTick, n, kept});
  }

  void install_observers() {
    for (std::size_t i = 0; i < sc.adversaries.size(); ++i) {
      const Adversary& adv = sc.adversaries[i];
      for (const Power& p : adv.powers) {
        switch (p.kind) {
          case PowerKind::kIntercept:
            for (NodeId n : provider_nodes(adv, p))
              node_observers[n].push_back({i, p.at, kEndOfScript,
                                           text(fmt::format("copied by {} from {} (real-time intercept{})", adv.name,
                                                            w.node(n).label, legal_path(adv, p, n))),
                                           Observer::kTraffic});
            break;
          case PowerKind::kTap:
            for (LinkId l = 0; l < w.link_count(); ++l) {
              const auto& cs = w.link(l).countries;
              if (std::find(cs.begin(), cs.end(), adv.country) != cs.end())
                link_observers[l].push_back(
                    {i, p.at, kEndOfScript, text(fmt::format("captured by {} on the link {}", adv.name, w.link(l).label))});
            }
            break;
          case PowerKind::kExploit:  // when it lands (land_exploits): the settings then decide
          case PowerKind::kCompel:
          case PowerKind::kSeize:
            break;
        }
      }
    }
  }

  // The exploits that land at `at_tick`, before its messages: each reaches
  // the devices of its target that expose its surface with the settings in
  // force then, and sees all they do until it ends.
  void land_exploits(std::int64_t at_tick) {
    for (std::size_t i = 0; i < sc.adversaries.size(); ++i) {
      const Adversary& adv = sc.adversaries[i];
      for (const Power& p : adv.powers) {
        if (p.kind != PowerKind::kExploit || p.at != at_tick) continue;
        for (NodeId d : exploit_targets[&p] = exploitable(adv, p))
          node_observers[d].push_back({i, p.at, p.until,
                                       text(fmt::format("taken from {} by {}'s exploit via {} while it ran",
                                                        w.node(d).label, adv.name, p.via.name))});
      }
    }
  }

  // A [[change]]: the world takes the new settings, then the model does
  // what the software does.
  void change_settings(const Change& c) {
    const Party& party = *sc.find_party(c.party);
    SettingsChange seen{party, w.party_settings(c.party), {}};
    for (NodeId d : w.devices_of(c.party)) seen.devices_before.push_back(w.node(d).settings);
    w.apply(c, party);
    model->settings_changed(*this, seen);
  }

  // Actions that take a snapshot at one moment. `end` selects compel's
  // default (end of script).
  void act(std::int64_t at_tick, bool end) {
    for (std::size_t i = 0; i < sc.adversaries.size(); ++i) {
      const Adversary& adv = sc.adversaries[i];
      for (const Power& p : adv.powers) {
        const bool now_due = end ? p.at == kEndOfScript : p.at == at_tick;
        if (!now_due) continue;
        const std::string when = end ? "at the end" : tick_text(at_tick);
        switch (p.kind) {
          case PowerKind::kCompel:
            for (NodeId n : provider_nodes(adv, p))
              snapshot(i, n, fmt::format("handed over by {} to {} under legal compulsion{} ({})", w.node(n).label,
                                         adv.name, legal_path(adv, p, n), when));
            break;
          case PowerKind::kSeize:
            for (NodeId d : w.devices_of(p.target))
              snapshot(i, d, fmt::format("extracted by {} from the seized {} ({})", adv.name, w.node(d).label, when));
            break;
          case PowerKind::kExploit:
            for (NodeId d : exploit_targets.at(&p))
              snapshot(i, d, fmt::format("taken from {}'s storage by {}'s exploit via {} ({})", w.node(d).label,
                                         adv.name, p.via.name, when));
            break;
          case PowerKind::kIntercept:
          case PowerKind::kTap:
            break;
        }
      }
    }
  }

  void play(const std::function<void()>& on_message) {
    install_observers();
    tick = 0;
    land_exploits(0);  // an exploit at 0 sees the provisioning too
    model->provision(*this);
    std::set<std::int64_t> timeline{0};
    std::map<std::int64_t, std::vector<const Message*>> by_tick;  // file order within a tick
    for (const Message& m : sc.messages) {
      timeline.insert(m.at);
      by_tick[m.at].push_back(&m);
    }
    for (const Adversary& a : sc.adversaries)
      for (const Power& p : a.powers)
        if (p.at != kEndOfScript) timeline.insert(p.at);
    std::map<std::int64_t, std::vector<const Change*>> changes;  // file order within a tick
    for (const Change& c : sc.changes) {
      timeline.insert(c.at);
      changes[c.at].push_back(&c);
    }
    for (std::int64_t t : timeline) {
      tick = t;
      if (t != 0) land_exploits(t);
      for (const Message* m : by_tick[t]) {
        model->send(*this, *m);
        if (on_message) on_message();
      }
      for (const Change* c : changes[t]) change_settings(*c);
      model->end_of_tick(*this);
      act(t, false);
    }
    act(tick, true);
    release_play_state();
  }

  // Once the timeline is over the closures need only the journals, the
  // captures, the artifacts they name and the devices' openings. The model's
  // state (sessions, the contents of every file it ever wrote), the live
  // stores and the numbering index go: at scale they are a good part of
  // the run's memory.
  void release_play_state() {
    model.reset();
    decltype(seq)().swap(seq);
    decltype(stores)(stores.size()).swap(stores);
    for (auto& j : journals) j.shrink_to_fit();
    for (auto& c : captured) c.shrink_to_fit();
    opened_inputs.shrink_to_fit();
  }

  // What each actor starts from, handed to `add` one by one (less what a
  // test hides from it: hidden_evidence.h).
  void initial(const Actor& actor, const std::function<void(Capture)>& add_any) const {
    const bool hiding = HiddenEvidence::any_for(actor.name);
    const auto add = [&](Capture c) {
      if (!hiding || !HiddenEvidence::hidden(actor.name, c)) add_any(std::move(c));
    };
    auto from_journal = [&](NodeId node) {
      for (const Line& l : journals[node])
        add({artifacts[l.artifact], hows[journal_how[node][l.event()]], ticks[l.tick()]});
    };
    switch (actor.kind) {
      case ActorKind::kParty:
        for (NodeId d : w.devices_of(actor.name)) from_journal(d);
        break;
      case ActorKind::kProvider:
        if (auto s = w.server(actor.name)) from_journal(*s);
        break;
      case ActorKind::kAdversary:
        for (std::size_t i = 0; i < sc.adversaries.size(); ++i)
          if (sc.adversaries[i].name == actor.name)
            for (const Entry& e : captured[i])
              add({artifacts[e.artifact], hows[e.how], e.tick == Entry::kNoTick ? Capture::kNoTick : ticks[e.tick]});
        break;
    }
  }
};

Simulation::Simulation(const Scenario& scenario, const ModelInfo& model, std::unique_ptr<Rng> rng)
    : impl_(std::make_unique<Impl>(scenario, model, std::move(rng))) {}
Simulation::~Simulation() = default;

void Simulation::run(const std::function<void()>& on_message) { impl_->play(on_message); }

const std::vector<Actor>& Simulation::actors() const { return impl_->actor_list; }

std::size_t Simulation::erase_evidence(const std::function<bool(const Artifact&)>& pred) {
  std::size_t n = 0;
  auto drop = [&](auto& entries) {
    const auto before = entries.size();
    std::erase_if(entries, [&](const auto& e) {
      if constexpr (requires { e.artifact; }) return pred(*impl_->artifacts[e.artifact]);
      else return pred(*e.second);
    });
    n += before - entries.size();
  };
  for (auto& s : impl_->stores) drop(s);
  for (auto& j : impl_->journals) drop(j);
  for (auto& c : impl_->captured) drop(c);
  return n;
}

ProtocolResult Simulation::close(const std::vector<Actor>* columns) const {
  const std::vector<Actor>& actors = columns != nullptr ? *columns : impl_->actor_list;
  ProtocolResult result = empty_grid(impl_->info.name, impl_->sc.messages.size(), actors);
  result.notes = notes();
  result.deliveries = deliveries();
  // A fresh pass per close() (evidence may have been erased since the last one).
  ClosingPass pass(*this);
  for (std::size_t column = 0; column < actors.size(); ++column)
    result.copy_column(column, pass.close(actors[column]), 0);
  return result;
}

std::vector<Delivery> Simulation::deliveries() const {
  std::vector<Delivery> out = impl_->deliveries;
  std::sort(out.begin(), out.end(), [](const Delivery& a, const Delivery& b) {
    return std::tie(a.message, a.recipient) < std::tie(b.message, b.recipient);
  });
  const auto same = std::adjacent_find(out.begin(), out.end(), [](const Delivery& a, const Delivery& b) {
    return a.message == b.message && a.recipient == b.recipient;
  });
  if (same != out.end())
    throw std::logic_error(fmt::format("message {} to {} has two deliveries", same->message, same->recipient));
  return out;
}

std::vector<std::string> Simulation::notes() const {
  std::vector<std::string> out = impl_->notes;
  std::sort(out.begin(), out.end());
  return out;
}

// The pass's cache is backed by the openings the devices did during the run.
ClosingPass::ClosingPass(const Simulation& sim) : sim_(sim), shared_(&sim.impl_->cache) {}

ProtocolResult ClosingPass::close(const Actor& actor) {
  const Simulation::Impl& run = *sim_.impl_;
  ProtocolResult result(std::string(run.info.name), run.sc.messages.size(), {actor.name});
  // What a party opens is its own devices' evidence, which at most the one
  // adversary who seized or exploited that device shares: a party reads the
  // shared openings but keeps its own to itself, and they go with it.
  OpeningCache own(&shared_, /*keep_failures=*/false);
  Closure c(run.openers, actor.kind == ActorKind::kParty ? own : shared_, &run.cache);
  run.initial(actor, [&c](Capture cap) { c.add(std::move(cap)); });
  c.run();
  c.record(run.sc, 0, result);
  return result;
}

std::vector<Actor> scenario_actors(const Scenario& scenario, const std::vector<const ModelInfo*>& models) {
  std::vector<Actor> out;
  for (const Party& p : scenario.parties)
    out.push_back({p.name, p.label.empty() ? p.name : p.label, ActorKind::kParty, p.country});
  std::set<std::string> providers;
  for (const ModelInfo* m : models)
    providers.insert(m->providers.begin(), m->providers.end());
  for (const std::string& name : providers) {
    std::string label = name;
    for (const ProviderInfo& pi : builtin_providers())
      if (pi.name == name) label = std::string(pi.label);
    for (const Provider& o : scenario.providers)
      if (o.name == name && !o.label.empty()) label = o.label;
    out.push_back({name, label, ActorKind::kProvider, scenario.provider_country(name)});
  }
  for (const Adversary& a : scenario.adversaries)
    out.push_back({a.name, a.label.empty() ? a.name : a.label, ActorKind::kAdversary, a.country});
  return out;
}

}  // namespace msgsim
