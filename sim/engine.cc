// The engine: the timeline, the evidence journals, the adversaries'
// observers, and the runner that ties a scenario to the models. The closure
// (who opens what) is in closure.cc.
#include "msgsim/engine.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <mutex>
#include <optional>
#include <thread>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <unordered_map>

#include <fmt/format.h>

#include "closure.h"
#include "hidden_evidence.h"
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

// A protocol's grid with nothing readable yet: one column per actor.
ProtocolResult empty_grid(std::string_view protocol, std::size_t messages, const std::vector<Actor>& actors) {
  std::vector<std::string> names;
  for (const Actor& a : actors) names.push_back(a.name);
  return ProtocolResult(std::string(protocol), messages, std::move(names));
}

// From how many messages a scenario's protocols play one at a time. A play
// holds its protocol's whole evidence, which grows with the messages: two
// plays side by side need twice the memory of one, and above this size that
// is what keeps a run within the memory targets (docs/performance.md).
// Below it the memory is small, and the time saved by playing side by side
// is worth it.
constexpr std::size_t kMessagesForOnePlayAtATime = 20'000;

// The run's tasks, done by a fixed number of threads. Tasks are taken kOutput
// first (freeing a closed protocol's evidence; writing results already
// final, which frees them), then kFirst, then kLater; and a kLater task
// starts only once no kFirst task is queued or running: a protocol's
// closures all end before another play starts, and at most `later_at_once`
// kLater tasks run together. A kOutput task holds back nothing: a play may
// start while it runs. The first exception stops the work and is rethrown
// by run().
class WorkQueue {
 public:
  enum Priority { kOutput, kFirst, kLater };

  explicit WorkQueue(std::size_t later_at_once) : later_at_once_(std::max<std::size_t>(1, later_at_once)) {}

  void push(Priority p, std::function<void()> task) {
    std::lock_guard lock(mutex_);
    queues_[p].push_back(std::move(task));
    ready_.notify_one();
  }

  void run(unsigned threads) {
    std::vector<std::thread> helpers;
    for (unsigned t = 1; t < threads; ++t) helpers.emplace_back([this] { work(); });
    work();
    for (auto& h : helpers) h.join();
    if (failure_) std::rethrow_exception(failure_);
  }

 private:
  // The queue to take from, if a task can start.
  std::optional<Priority> next() const {
    if (!queues_[kOutput].empty()) return kOutput;
    if (!queues_[kFirst].empty()) return kFirst;
    if (!queues_[kLater].empty() && busy_first_ == 0 && busy_later_ < later_at_once_) return kLater;
    return std::nullopt;
  }

  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ready_.wait(lock, [this] { return next() || busy_ == 0; });
      const std::optional<Priority> from = next();
      if (!from) {
        ready_.notify_all();  // nothing to start and nobody working: everyone stops
        return;
      }
      const bool first = *from == kFirst;
      const bool later = *from == kLater;
      std::function<void()> task = std::move(queues_[*from].front());
      queues_[*from].pop_front();
      ++busy_;
      if (first) ++busy_first_;
      if (later) ++busy_later_;
      lock.unlock();
      try {
        task();
      } catch (...) {
        lock.lock();
        if (!failure_) failure_ = std::current_exception();
        for (auto& q : queues_) q.clear();
        lock.unlock();
      }
      lock.lock();
      --busy_;
      if (first) --busy_first_;
      if (later) --busy_later_;
      ready_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::array<std::deque<std::function<void()>>, 3> queues_;  // by Priority
  std::size_t busy_ = 0;        // tasks running
  std::size_t busy_first_ = 0;  // of them, kFirst ones
  std::size_t busy_later_ = 0;  // of them, kLater ones
  const std::size_t later_at_once_;
  std::exception_ptr failure_;
};

}  // namespace

// After a large free. glibc keeps freed memory in the arena of the thread
// that allocated it unless asked to give it back, and the next play, on
// another thread's arena, cannot reuse it: the process would only grow (at
// 100,000 generated messages, -j 2, without the call after a hand-over:
// 1,252 and 1,305 MiB instead of 935-945 MiB).
// Not under a sanitizer: it replaces the allocator, glibc's heap is never
// set up, and two threads trimming it first at once race in glibc's lazy
// set-up (an AddressSanitizer build crashed there, reading address 0x8).
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MSGSIM_SANITIZED_ALLOCATOR 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MSGSIM_SANITIZED_ALLOCATOR 1
#endif
static void give_back_memory() {
#if defined(__GLIBC__) && !defined(MSGSIM_SANITIZED_ALLOCATOR)
  malloc_trim(0);
#endif
}

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

  // Evidence. Each artifact gets a sequence number on first sight so that
  // every iteration is in a deterministic order; `artifacts` keeps them, by
  // number, for the journals and captures.
  // The number is kept in the artifact itself (Artifact::engine_number,
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
    w = World::build(sc, model->providers());
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
  }

  // ---- Context --------------------------------------------------------
  const Scenario& scenario() const override { return sc; }
  const World& world() const override { return w; }
  Rng& rng() override { return *random; }
  std::int64_t now() const override { return tick; }
  void note(std::string text) override { notes.push_back(std::move(text)); }

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
    if (a->engine_number.compare_exchange_strong(seen, tag << 32 | next)) {
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
    const std::uint64_t seen = a.engine_number.load();
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

  void transmit(NodeId from, NodeId to, ArtifactPtr a) override {
    journal(from, a, Event::kSent);
    journal(to, a, w.node(to).kind == NodeKind::kServer ? Event::kRelayed : Event::kReceived);
    // The wire form: the artifact inside a transport-encryption record under
    // a fresh key that both endpoints discard (forward-secret TLS). Nobody
    // ever stores that key, so a tap holds bytes it cannot open. The record
    // is evidence only for a tap on its route: where nobody listens, its
    // bytes reach nobody, so it is not built (it could change no result).
    const std::vector<LinkId>& route = w.route(from, to);
    const bool tapped = std::any_of(route.begin(), route.end(), [&](LinkId l) {
      return std::any_of(link_observers[l].begin(), link_observers[l].end(),
                         [&](const Observer& o) { return o.active(tick); });
    });
    if (!tapped) return;
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
    const std::uint32_t record_number = number(on_wire);
    for (LinkId l : route)
      for (const Observer& o : link_observers[l])
        if (o.active(tick)) captured[o.adversary].push_back({tick_number(), record_number, o.how});
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
      const PartySettings& on = w.node(d).settings;
      const bool surface_on = p.via == "imessage" ? on.imessage : on.facetime;
      if (is_apple(w.node(d).device) && surface_on) out.push_back(d);
    }
    if (out.empty())
      note(fmt::format("{}'s exploit via {} (t={}) found no device of {} exposing that surface: {} is switched "
                       "off or absent on every device, so the exploit got nothing.",
                       adv.name, p.via, p.at, p.target, p.via == "imessage" ? "iMessage" : "FaceTime"));
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
          case PowerKind::kExploit:
            for (NodeId d : exploit_targets[&p] = exploitable(adv, p))
              node_observers[d].push_back({i, p.at, p.until,
                                           text(fmt::format("taken from {} by {}'s exploit via {} while it ran",
                                                            w.node(d).label, adv.name, p.via))});
            break;
          case PowerKind::kCompel:
          case PowerKind::kSeize:
            break;
        }
      }
    }
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
                                         adv.name, p.via, when));
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
    for (std::int64_t t : timeline) {
      tick = t;
      for (const Message* m : by_tick[t]) {
        model->send(*this, *m);
        if (on_message) on_message();
      }
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
  // A fresh cache per close() (evidence may have been erased since the last
  // one), backed by the openings the devices did during the run.
  const auto cache = opening_cache();
  for (std::size_t column = 0; column < actors.size(); ++column)
    result.copy_column(column, close_one(actors[column], *cache), 0);
  return result;
}

std::vector<std::string> Simulation::notes() const {
  std::vector<std::string> out = impl_->notes;
  std::sort(out.begin(), out.end());
  return out;
}

std::unique_ptr<OpeningCache> Simulation::opening_cache() const {
  return std::make_unique<OpeningCache>(&impl_->cache);
}

ProtocolResult Simulation::close_one(const Actor& actor, OpeningCache& shared) const {
  ProtocolResult result(std::string(impl_->info.name), impl_->sc.messages.size(), {actor.name});
  // What a party opens is its own devices' evidence, which at most the one
  // adversary who seized or exploited that device shares: a party reads the
  // shared openings but keeps its own to itself, and they go with it.
  OpeningCache own(&shared, /*keep_failures=*/false);
  Closure c(impl_->openers, actor.kind == ActorKind::kParty ? own : shared, &impl_->cache);
  impl_->initial(actor, [&c](Capture cap) { c.add(std::move(cap)); });
  c.run();
  c.record(impl_->sc, 0, result);
  return result;
}

std::vector<Actor> scenario_actors(const Scenario& scenario, const std::vector<const ModelInfo*>& models) {
  std::vector<Actor> out;
  for (const Party& p : scenario.parties)
    out.push_back({p.name, p.label.empty() ? p.name : p.label, ActorKind::kParty, p.country});
  std::set<std::string> providers;
  for (const ModelInfo* m : models)
    for (const std::string& name : m->make()->providers()) providers.insert(name);
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

Report run_scenario(const Scenario& scenario, const RunOptions& options,
                    const std::function<const ModelInfo*(std::string_view)>& find_model) {
  Report report;
  report.title = scenario.title;
  report.description = scenario.description;
  report.seed = options.seed ? options.seed : scenario.seed;
  report.messages = scenario.messages;
  std::vector<const ModelInfo*> models;
  for (const std::string& name : scenario.protocols) {
    if (!options.only_protocols.empty() &&
        std::find(options.only_protocols.begin(), options.only_protocols.end(), name) == options.only_protocols.end())
      continue;
    const ModelInfo* m = find_model(name);
    if (m == nullptr) throw std::invalid_argument("unknown protocol " + name);
    models.push_back(m);
    report.protocols.push_back(name);
  }
  report.actors = scenario_actors(scenario, models);
  report.results.resize(models.size());

  // Progress, shared by the workers.
  const std::size_t to_play = models.size() * scenario.messages.size();
  const std::size_t to_close = models.size() * report.actors.size();
  std::atomic<std::size_t> played{0}, closed{0};
  const std::size_t step = std::max<std::size_t>(1, to_play / 200);
  auto report_progress = [&](bool force) {
    const std::size_t p = played.load();
    if (options.progress && (force || p % step == 0)) options.progress({p, to_play, closed.load(), to_close});
  };

  // Each protocol has its own world, its own random stream and its own slot;
  // its actors' closures are independent of one another.
  struct ProtocolRun {
    std::unique_ptr<Simulation> sim;
    std::unique_ptr<OpeningCache> cache;
    std::mutex result_mutex;
    ProtocolResult result;  // the grid; each actor's column is copied in as soon as it is closed
    std::atomic<std::size_t> left{0};
  };
  std::vector<ProtocolRun> runs(models.size());
  const unsigned jobs = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  // Each play holds its protocol's whole evidence until its closures end:
  // for a large scenario, plays go one at a time, so that the memory a run
  // needs is that of its largest protocol rather than of `jobs` of them
  // (the threads then share each protocol's closures). For a small one
  // they go side by side, one per thread.
  WorkQueue work(options.plays_at_once != 0                                 ? options.plays_at_once
                 : scenario.messages.size() > kMessagesForOnePlayAtATime ? 1
                                                                         : jobs);

  // Protocols closed (`final`), and how many, in order, went to
  // on_protocol_final (`handed_over`, read and written by one hand_over at
  // a time).
  std::mutex final_mutex, output_mutex;
  std::vector<bool> final(models.size(), false);
  std::size_t handed_over = 0;
  auto next_to_hand_over = [&]() -> std::optional<std::size_t> {
    std::lock_guard lock(final_mutex);
    if (handed_over < final.size() && final[handed_over]) return handed_over;
    return std::nullopt;
  };
  // Hands every protocol now final, in order, to on_protocol_final; nothing
  // more once a hand-over failed (the run is stopping, with its error).
  bool hand_over_failed = false;  // guarded by output_mutex
  auto hand_over = [&] {
    std::lock_guard lock(output_mutex);
    while (const std::optional<std::size_t> i = hand_over_failed ? std::nullopt : next_to_hand_over()) {
      try {
        options.on_protocol_final(report, *i);
      } catch (...) {
        hand_over_failed = true;
        throw;
      }
      report.results[*i].release_chains();
      give_back_memory();
      std::lock_guard done(final_mutex);
      ++handed_over;
    }
  };

  // After the protocol's last closure its evidence goes and its results,
  // now final, go out, each as a kOutput task: the next play need not wait
  // for either (writing a protocol's results takes seconds at scale, and so
  // does freeing its evidence), but with one thread both come before it.
  auto finish = [&](std::size_t i) {
    ProtocolRun& run = runs[i];
    run.result.notes = run.sim->notes();
    report.results[i] = std::move(run.result);
    work.push(WorkQueue::kOutput, [&run] {
      run.cache.reset();
      run.sim.reset();
      give_back_memory();
    });
    if (options.on_protocol_final) {
      {
        std::lock_guard lock(final_mutex);
        final[i] = true;
      }
      work.push(WorkQueue::kOutput, hand_over);
    }
  };

  auto close_actor = [&](std::size_t i, std::size_t a) {
    ProtocolRun& run = runs[i];
    const ProtocolResult column = run.sim->close_one(report.actors[a], *run.cache);
    {
      // Whatever the order the columns arrive in, the grid is the same: a
      // column's place is its actor's, and chains are text.
      std::lock_guard lock(run.result_mutex);
      run.result.copy_column(a, column, 0);
    }
    ++closed;
    report_progress(true);
    if (--run.left == 0) finish(i);
  };

  // A protocol's closures go before any play still waiting, and a waiting
  // play starts only once every closure has ended: the first plays start
  // together, one per thread (one alone in a large scenario), and the
  // protocols played are closed (their results handed to be written) before
  // another play starts. A task of its
  // own then frees the evidence while the next play starts on another
  // thread (with one thread, before it): no more protocols' evidence is in
  // memory at once than there are threads, one of them going. (Letting plays
  // go first wins little time: at 100,000 generated messages, -j 2, 99 s and
  // 1.9 GB against 102 s and 1.4 GB this way, before the evidence shrank.
  // Making the next play wait for the freeing too was slower at 100,000:
  // 68.8-91.4 s, mean 80.6, against 67.8-83.1 s, mean 75.3, the same peak.)

  auto play = [&](std::size_t i) {
    const ModelInfo* m = models[i];
    ProtocolRun& run = runs[i];
    auto rng = report.seed ? make_seeded_rng(*report.seed, m->name) : make_system_rng();
    run.sim = std::make_unique<Simulation>(scenario, *m, std::move(rng));
    run.sim->run([&] {
      ++played;
      report_progress(false);
    });
    run.cache = run.sim->opening_cache();
    // Columns are the report's actors, which may include providers this
    // protocol does not use: nothing reaches them, so they read nothing.
    run.result = empty_grid(m->name, scenario.messages.size(), report.actors);
    run.left = report.actors.size();
    if (report.actors.empty()) finish(i);
    // Adversaries and providers first: they hold the most evidence, and the
    // longest tasks should start early.
    for (std::size_t a = report.actors.size(); a-- > 0;) work.push(WorkQueue::kFirst, [&, i, a] { close_actor(i, a); });
  };

  for (std::size_t i = 0; i < models.size(); ++i) work.push(WorkQueue::kLater, [&, i] { play(i); });
  work.run(jobs);
  report_progress(true);

  for (const Expectation& e : scenario.expectations) {
    for (const ProtocolResult& r : report.results) {
      if (e.protocol && *e.protocol != r.protocol) continue;
      for (const Message& msg : scenario.messages) {
        if (e.message && *e.message != msg.id) continue;
        ExpectationResult er;
        er.protocol = r.protocol;
        er.message = msg.id;
        er.expected = e.readable_by;
        std::sort(er.expected.begin(), er.expected.end());
        er.actual = r.readers(msg.id);
        std::sort(er.actual.begin(), er.actual.end());
        er.ok = er.expected == er.actual;
        er.pos = e.pos;
        report.expectations.push_back(std::move(er));
      }
    }
  }
  return report;
}

}  // namespace msgsim
