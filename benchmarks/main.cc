// benchmarks/main.cc: msgsim_bench. Runs the floor benchmarks, then the
// whole-run ones, and prints the ratio whole / floor per case (also as the
// counters of each whole-run line). Options: Google Benchmark's own
// (--benchmark_filter=..., --benchmark_min_time=...) and --messages=N (the
// length of each conversation, default 400).
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "benchmarks/bench.h"
#include "msgsim/crypto.h"

namespace msgsim::bench {

std::string Case::name() const {
  return fmt::format("{}/{}/{}dev", model, alternating ? "alternating" : "one-way", devices);
}

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const char* m : {"imessage", "imessage-icloud", "signal", "imessage-classic"})
    for (bool alt : {false, true})
      for (int d : {1, 4}) out.push_back({m, alt, d});
  return out;
}

int& messages_per_run() {
  static int n = 400;
  return n;
}

double floor_per_message(const Case& c, const FloorTimes& f, int n) {
  const double d = c.devices;
  if (c.model == "imessage-classic") return d * f.classic_copy;
  // The ratchet models (signal; imessage and imessage-icloud, PQ3).
  // One-way: alice's chain to each of bob's devices only steps along.
  // Alternating: alice <-> bob's iPhone ratchets (a DH step every message);
  // the copies to bob's other devices (from alice, or from his iPhone) only
  // step along their chains. Sessions: alice -> each of bob's devices, and,
  // when bob writes, his iPhone -> each of his other devices.
  const bool pq3 = c.model != "signal";
  const double chain = pq3 ? f.imessage_chain : f.signal_chain;
  const double step = pq3 ? f.imessage_step : f.signal_step;
  const double setup = pq3 ? f.imessage_setup : f.signal_x3dh;
  const double sessions = c.alternating ? 2 * d - 1 : d;
  const double per_copy = c.alternating ? step + (d - 1) * chain : d * chain;
  return per_copy + sessions * setup / n;
}

std::string floor_formula(const Case& c) {
  if (c.model == "imessage-classic") return fmt::format("{} x copy", c.devices);
  const char* setup = c.model == "signal" ? "x3dh" : "setup";
  if (!c.alternating) return fmt::format("{} x chain + {} x {}/N", c.devices, c.devices, setup);
  if (c.devices == 1) return fmt::format("step + {}/N", setup);
  return fmt::format("step + {} x chain + {} x {}/N", c.devices - 1, 2 * c.devices - 1, setup);
}

namespace {

// The console reporter, plus: it keeps each benchmark's CPU time per
// iteration, and gives each whole-run line its per-message cost, floor and
// ratio as counters.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  explicit RatioReporter(bool color) : ConsoleReporter(color ? OO_ColorTabular : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    std::vector<Run> out = runs;
    for (Run& r : out) {
      if (r.run_type != Run::RT_Iteration || r.error_occurred || r.iterations == 0) continue;
      const std::string& name = r.run_name.function_name;
      Sum& s = sums_[name];
      s.seconds += r.cpu_accumulated_time;
      s.iterations += static_cast<double>(r.iterations);
      const Case* c = find_case(name);
      if (c == nullptr) continue;
      const int n = messages_per_run();
      const double whole = r.cpu_accumulated_time / static_cast<double>(r.iterations) * 1e6 / n;
      r.counters["us_per_msg"] = whole;
      const FloorTimes f = floors();
      if (f.complete()) {
        const double fl = floor_per_message(*c, f, n);
        r.counters["floor_us"] = fl;
        r.counters["ratio"] = whole / fl;
      }
    }
    ConsoleReporter::ReportRuns(out);
  }

  // CPU microseconds per iteration; 0 when the benchmark did not run.
  double micros(std::string_view name) const {
    auto it = sums_.find(std::string(name));
    return it == sums_.end() || it->second.iterations == 0 ? 0 : it->second.seconds / it->second.iterations * 1e6;
  }
  FloorTimes floors() const {
    return {micros(kFloorClassicCopy),  micros(kFloorSignalChain),   micros(kFloorSignalStep),
            micros(kFloorSignalX3dh),   micros(kFloorIMessageChain), micros(kFloorIMessageStep),
            micros(kFloorIMessageSetup)};
  }

 private:
  struct Sum {
    double seconds = 0;
    double iterations = 0;
  };
  const Case* find_case(std::string_view name) const {
    static const std::vector<Case> cases = all_cases();
    for (const Case& c : cases)
      if (name == "whole/" + c.name()) return &c;
    return nullptr;
  }
  std::map<std::string, Sum> sums_;
};

void print_table(const RatioReporter& rep) {
  const int n = messages_per_run();
  const FloorTimes f = rep.floors();
  const auto line = [](const char* what, double us) {
    if (us > 0)
      std::printf("  %-66s %9.2f\n", what, us);
    else
      std::printf("  %-66s %9s\n", what, "not run");
  };
  std::printf("\nFloor, CPU us per operation (both ends):\n");
  line("imessage-classic device copy (seal+AEAD+sign, verify+open+AEAD)", f.classic_copy);
  line("signal message, no DH step (encrypt+decrypt)", f.signal_chain);
  line("signal message, with DH step (encrypt+decrypt)", f.signal_step);
  line("signal X3DH session set-up (both sides)", f.signal_x3dh);
  line("imessage message, no DH step (encrypt+sign, verify+decrypt)", f.imessage_chain);
  line("imessage message, with DH step (encrypt+sign, verify+decrypt)", f.imessage_step);
  line("imessage PQ3 session set-up (both sides)", f.imessage_setup);
  std::printf("\nWhole run (run_scenario + JSON render) against the floor, N = %d messages, CPU us per message:\n", n);
  std::printf("  %-34s %-28s %10s %10s %8s  %s\n", "case", "floor = ", "floor", "whole", "ratio", "target <= 1.3");
  bool all_met = true;
  for (const Case& c : all_cases()) {
    const double whole = rep.micros("whole/" + c.name()) / n;
    if (whole == 0) continue;
    if (!f.complete()) {
      std::printf("  %-34s %-28s %10s %10.2f %8s\n", c.name().c_str(), "", "-", whole, "-");
      continue;
    }
    const double fl = floor_per_message(c, f, n);
    const double ratio = whole / fl;
    all_met = all_met && ratio <= 1.3;
    std::printf("  %-34s %-28s %10.2f %10.2f %8.2f  %s\n", c.name().c_str(), floor_formula(c).c_str(), fl, whole, ratio,
                ratio <= 1.3 ? "met" : "NOT met");
  }
  if (f.complete()) std::printf("\n%s\n", all_met ? "Every ratio is within 1.3." : "Target (ratio <= 1.3) not met.");
}

}  // namespace
}  // namespace msgsim::bench

int main(int argc, char** argv) {
  using namespace msgsim::bench;
  std::vector<char*> args;
  // Colours on a terminal only, and never with --benchmark_color=false (the
  // library applies its flag to its own reporter, not to this one).
  bool color = isatty(STDOUT_FILENO) != 0;
  for (int i = 0; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--benchmark_color=false" || a == "--benchmark_color=no") color = false;
    if (a.starts_with("--messages=")) {
      const int n = std::atoi(argv[i] + std::string_view("--messages=").size());
      if (n < 1) {
        std::fprintf(stderr, "msgsim_bench: --messages needs a positive number\n");
        return 2;
      }
      messages_per_run() = n;
    } else {
      args.push_back(argv[i]);
    }
  }
  int args_count = static_cast<int>(args.size());
  benchmark::Initialize(&args_count, args.data());
  if (benchmark::ReportUnrecognizedArguments(args_count, args.data())) return 2;
  msgsim::crypto::init();
  register_floor_benchmarks();
  register_run_benchmarks();
  RatioReporter reporter(color);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_table(reporter);
  benchmark::Shutdown();
  return 0;
}
