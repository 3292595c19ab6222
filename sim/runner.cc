// The runner: a scenario's protocols played and closed on a fixed number of
// threads, their results handed over in protocol order, their evidence freed
// as soon as it is no longer needed. The engine (engine.cc) plays one
// protocol; the closure (closure.cc) finds what one actor opens; this file
// decides what runs when. Measured effects of these choices are in
// docs/performance.md ("The runner's schedule").
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "closing.h"
#include "msgsim/engine.h"
#include "work_queue.h"

namespace msgsim {

namespace {

// From how many messages a scenario's protocols play one at a time. A play
// holds its protocol's whole evidence, which grows with the messages: two
// plays side by side need twice the memory of one, and above this size that
// is what keeps a run within the memory targets. Below it the memory is
// small, and the time saved by playing side by side is worth it.
constexpr std::size_t kMessagesForOnePlayAtATime = 20'000;

// glibc keeps freed memory in the arena of the thread that allocated it
// unless asked to give it back, and the next play, on another thread's
// arena, could not reuse it: after a large free, give it back.
// Not under a sanitizer: it replaces the allocator, glibc's heap is never
// set up, and two threads trimming it first at once race in glibc's lazy
// set-up.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MSGSIM_SANITIZED_ALLOCATOR 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MSGSIM_SANITIZED_ALLOCATOR 1
#endif
void give_back_memory() {
#if defined(__GLIBC__) && !defined(MSGSIM_SANITIZED_ALLOCATOR)
  malloc_trim(0);
#endif
}

// The schedule, in named steps:
//   play(p)       build protocol p's world and play its timeline; queue its
//                 actors' closures (kFirst: before any play still waiting)
//   close(p, a)   one actor's closure, copied into p's grid; the last one
//                 calls finish(p)
//   finish(p)     p's results are final: queue free_evidence(p) and hand_over (kOutput)
//   free_evidence(p)  drop p's evidence, while the next play starts
//   hand_over()   every protocol final so far, in protocol order, to
//                 RunOptions::on_protocol_final, then forget its chains
// A waiting play starts only once every closure queued has ended (the
// WorkQueue's kLater rule): no more protocols' evidence is in memory at once
// than plays may run at once, one of them being freed.
class Runner {
 public:
  Runner(const Scenario& scenario, const RunOptions& options,
         const std::function<const ModelInfo*(std::string_view)>& find_model)
      : scenario_(scenario), options_(options) {
    report_.title = scenario.title;
    report_.description = scenario.description;
    report_.seed = options.seed ? options.seed : scenario.seed;
    report_.messages = scenario.messages;
    for (const std::string& name : scenario.protocols) {
      const auto& only = options.only_protocols;
      if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
      const ModelInfo* m = find_model(name);
      if (m == nullptr) throw std::invalid_argument("unknown protocol " + name);
      models_.push_back(m);
      report_.protocols.push_back(name);
    }
    report_.actors = scenario_actors(scenario, models_);
    report_.results.resize(models_.size());
    runs_ = std::vector<ProtocolRun>(models_.size());
    final_.assign(models_.size(), false);
    to_play_ = models_.size() * scenario.messages.size();
    to_close_ = models_.size() * report_.actors.size();
    progress_step_ = std::max<std::size_t>(1, to_play_ / 200);
    jobs_ = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  }

  Report run() && {
    WorkQueue work(plays_at_once());
    work_ = &work;
    for (std::size_t p = 0; p < models_.size(); ++p) work.push(WorkQueue::kLater, [this, p] { play(p); });
    work.run(jobs_);
    work_ = nullptr;
    progress(true);
    report_.expectations = check_expectations(scenario_, report_.results);
    return std::move(report_);
  }

 private:
  // Each protocol has its own world, its own random stream and its own
  // grid; its actors' closures are independent of one another.
  struct ProtocolRun {
    std::unique_ptr<Simulation> sim;
    std::unique_ptr<ClosingPass> pass;
    std::mutex result_mutex;
    ProtocolResult result;  // each actor's column is copied in as soon as it is closed
    std::atomic<std::size_t> left{0};  // actors not closed yet
  };

  // Each play holds its protocol's whole evidence until its closures end:
  // in a large scenario plays go one at a time, so that a run needs the
  // memory of its largest protocol rather than of `jobs` of them (the
  // threads then share each protocol's closures). In a small one they go
  // side by side, one per thread.
  std::size_t plays_at_once() const {
    if (options_.plays_at_once != 0) return options_.plays_at_once;
    return scenario_.messages.size() > kMessagesForOnePlayAtATime ? 1 : jobs_;
  }

  void play(std::size_t p) {
    const ModelInfo* m = models_[p];
    ProtocolRun& run = runs_[p];
    auto rng = report_.seed ? make_seeded_rng(*report_.seed, m->name) : make_system_rng();
    run.sim = std::make_unique<Simulation>(scenario_, *m, std::move(rng));
    run.sim->run([this] {
      ++played_;
      progress(false);
    });
    run.pass = std::make_unique<ClosingPass>(*run.sim);
    // Columns are the report's actors, which may include providers this
    // protocol does not use: nothing reaches them, so they read nothing.
    run.result = empty_grid(m->name, scenario_.messages.size(), report_.actors);
    run.left = report_.actors.size();
    if (report_.actors.empty()) finish(p);
    // Adversaries and providers first: they hold the most evidence, and the
    // longest tasks should start early.
    for (std::size_t a = report_.actors.size(); a-- > 0;)
      work_->push(WorkQueue::kFirst, [this, p, a] { close(p, a); });
  }

  void close(std::size_t p, std::size_t a) {
    ProtocolRun& run = runs_[p];
    const ProtocolResult column = run.pass->close(report_.actors[a]);
    {
      // Whatever the order the columns arrive in, the grid is the same: a
      // column's place is its actor's, and chains are text.
      std::lock_guard lock(run.result_mutex);
      run.result.copy_column(a, column, 0);
    }
    ++closed_;
    progress(true);
    if (--run.left == 0) finish(p);
  }

  // Neither freeing the evidence nor handing the results over holds the next
  // play back (each takes seconds at scale); with one thread both come first.
  void finish(std::size_t p) {
    ProtocolRun& run = runs_[p];
    run.result.notes = run.sim->notes();
    run.result.deliveries = run.sim->deliveries();
    report_.results[p] = std::move(run.result);
    work_->push(WorkQueue::kOutput, [this, p] { free_evidence(p); });
    if (options_.on_protocol_final) {
      {
        std::lock_guard lock(final_mutex_);
        final_[p] = true;
      }
      work_->push(WorkQueue::kOutput, [this] { hand_over(); });
    }
  }

  void free_evidence(std::size_t p) {
    ProtocolRun& run = runs_[p];
    run.pass.reset();
    run.sim.reset();
    give_back_memory();
  }

  // The next protocol to hand over, if it is final.
  std::optional<std::size_t> next_to_hand_over() {
    std::lock_guard lock(final_mutex_);
    if (handed_over_ < final_.size() && final_[handed_over_]) return handed_over_;
    return std::nullopt;
  }

  // Hands every protocol now final, in order, to on_protocol_final; nothing
  // more once a hand-over failed (the run is stopping, with its error).
  void hand_over() {
    std::lock_guard lock(output_mutex_);
    while (const std::optional<std::size_t> p = hand_over_failed_ ? std::nullopt : next_to_hand_over()) {
      try {
        options_.on_protocol_final(report_, *p);
      } catch (...) {
        hand_over_failed_ = true;
        throw;
      }
      report_.results[*p].release_chains();
      give_back_memory();
      std::lock_guard done(final_mutex_);
      ++handed_over_;
    }
  }

  // Cheap and thread-safe: a message played reports every progress_step_
  // messages; a closure, or the end, always.
  void progress(bool force) {
    const std::size_t p = played_.load();
    if (options_.progress && (force || p % progress_step_ == 0))
      options_.progress({p, to_play_, closed_.load(), to_close_});
  }

  const Scenario& scenario_;
  const RunOptions& options_;
  Report report_;
  std::vector<const ModelInfo*> models_;  // the protocols run, in report order
  std::vector<ProtocolRun> runs_;         // by protocol
  unsigned jobs_ = 1;
  WorkQueue* work_ = nullptr;  // during run()

  std::size_t to_play_ = 0, to_close_ = 0, progress_step_ = 1;
  std::atomic<std::size_t> played_{0}, closed_{0};

  std::mutex final_mutex_;      // guards final_ and handed_over_
  std::vector<bool> final_;     // by protocol: closed, results final
  std::size_t handed_over_ = 0; // protocols handed over, in order
  std::mutex output_mutex_;     // one hand_over at a time
  bool hand_over_failed_ = false;  // guarded by output_mutex_
};

}  // namespace

Report run_scenario(const Scenario& scenario, const RunOptions& options,
                    const std::function<const ModelInfo*(std::string_view)>& find_model) {
  return Runner(scenario, options, find_model).run();
}

}  // namespace msgsim
