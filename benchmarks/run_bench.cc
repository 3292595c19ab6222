// benchmarks/run_bench.cc: msgsim's whole cost per message. A scenario built
// in code, run by msgsim::run_scenario under one protocol, rendered as JSON;
// the time per iteration divided by the number of messages.
#include <benchmark/benchmark.h>

#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "benchmarks/bench.h"
#include "msgsim/engine.h"
#include "msgsim/report.h"
#include "msgsim/scenario.h"
#include "protocols/registry.h"

namespace msgsim::bench {
namespace {

Party party(std::string name, std::vector<DeviceKind> devices) {
  Party p;
  p.name = name;
  p.label = std::move(name);
  p.devices.assign(devices.begin(), devices.end());
  return p;
}

Scenario conversation(const Case& c, int n) {
  Scenario s;
  s.path = "benchmark";
  s.title = "benchmark: " + c.name();
  s.seed = 1;
  s.protocols = {c.model};
  s.parties.push_back(party("alice", {DeviceKind::kIphone}));
  s.parties.push_back(party("bob", c.devices == 1 ? std::vector<DeviceKind>{DeviceKind::kIphone}
                                                  : std::vector<DeviceKind>{DeviceKind::kIphone, DeviceKind::kIpad,
                                                                            DeviceKind::kMac, DeviceKind::kMac}));
  for (int i = 1; i <= n; ++i) {
    Message m;
    m.id = i;
    m.at = i;
    const bool from_bob = c.alternating && i % 2 == 0;
    m.from = from_bob ? "bob" : "alice";
    m.to = {from_bob ? "alice" : "bob"};
    m.text = fmt::format("message {} of a long conversation", i);
    s.messages.push_back(std::move(m));
  }
  return s;
}

void BM_Whole(benchmark::State& state, const Case& c) {
  const int n = messages_per_run();
  const Scenario s = conversation(c, n);
  const auto find = [](std::string_view name) { return find_model(name); };
  // One thread: the benchmark's CPU time is its thread's, and the question is
  // the work per message, not how it spreads over cores.
  RunOptions one_thread;
  one_thread.jobs = 1;
  std::size_t json_bytes = 0;
  for (auto _ : state) {
    Report report = run_scenario(s, one_thread, find);
    std::string json = render(report, Format::kJson);
    json_bytes = json.size();
    benchmark::DoNotOptimize(json.data());
  }
  state.counters["msgs"] = n;
  state.counters["json_bytes"] = static_cast<double>(json_bytes);
}

}  // namespace

void register_run_benchmarks() {
  for (const Case& c : all_cases())
    benchmark::RegisterBenchmark(("whole/" + c.name()).c_str(), BM_Whole, c)->Unit(benchmark::kMillisecond);
}

}  // namespace msgsim::bench
