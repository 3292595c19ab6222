// sim/work_queue.h (engine-private): the runner's tasks, on a fixed number
// of threads, by priority.
#pragma once

#include <algorithm>
#include <array>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace msgsim {

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

}  // namespace msgsim
