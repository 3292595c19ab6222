// msgsim run: runs a scenario and prints who can read each message, and how.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "msgsim/engine.h"
#include "msgsim/report.h"
#include "msgsim/scenario.h"
#include "protocols/registry.h"
#include "sim/cli/command.h"
#include "sim/cli/output.h"
#include "sim/text.h"

namespace msgsim::cli {
namespace {

constexpr std::string_view kUsage = R"usage(Usage: msgsim run FILE [options]

Runs the scenario under each of its protocols and prints, for every message,
which actors (parties, providers, adversaries) can read it, and how.

Options:
  -f, --format FORMAT   table (default), markdown, csv or json
  -p, --protocol NAME   only this protocol of the scenario (repeatable)
      --seed N          use seed N instead of the scenario's (same seed, same output)
  -o, --output FILE     write the report to FILE instead of standard output
      --no-color        no colours (also off when NO_COLOR is set or output is not a terminal)
      --no-explain      table and markdown: leave out the step-by-step explanations
  -q, --quiet           print no report, only failed expectations and errors
  -j, --jobs N          work on N threads (default: every core; same output for any N)
  -h, --help            show this help

Examples:
  msgsim run scenarios/02-alice-backup-on.toml
  msgsim run scenarios/02-alice-backup-on.toml --protocol imessage --no-explain
  msgsim run lesson.toml --format csv -o lesson.csv
  msgsim run - --format json --seed 1 < lesson.toml

Exit status: 0 every expectation holds, 1 an expectation failed (each failure
is printed on stderr with its file:line:column), 2 invalid scenario or options,
the report cannot be written, or the run ran out of memory (-o FILE keeps its
previous content).
)usage";

const std::vector<std::string> kFormatNames{"table", "markdown", "csv", "json"};

struct RunArgs {
  std::string file;
  Format format = Format::kTable;
  std::vector<std::string> protocols;
  std::optional<std::uint64_t> seed;
  std::string output;
  bool no_color = false;
  bool no_explain = false;
  bool quiet = false;
  unsigned jobs = 0;  // 0: every core
};

// Progress on a terminal's stderr: messages played (per protocol), the rate
// and the time left, redrawn in place; silent for runs under a second.
// The callback comes from worker threads, hence the mutex.
class ProgressLine {
 public:
  explicit ProgressLine(std::ostream& err) : err_(err), start_(std::chrono::steady_clock::now()) {}
  ~ProgressLine() {
    if (shown_) err_ << "\r\033[K" << std::flush;  // leave a clean line for what follows
  }

  // Playing the messages and closing the actors count for half the work each
  // (in a large run they take comparable times).
  void update(const Progress& p) {
    std::lock_guard lock(mutex_);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (elapsed < 1.0) return;
    const auto fraction = [](std::size_t done, std::size_t total) {
      return total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
    };
    const double done = (fraction(p.played, p.to_play) + fraction(p.closed, p.to_close)) / 2;
    const double rate = static_cast<double>(p.played) / elapsed;
    const double left = done > 0 ? elapsed * (1 - done) / done : 0;
    err_ << fmt::format("\r\033[Kmsgsim: {} of {} messages played ({:.0f}/s), {} of {} readers worked out, about {:.0f} s left",
                        p.played, p.to_play, rate, p.closed, p.to_close, left)
         << std::flush;
    shown_ = true;
  }

 private:
  std::ostream& err_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  bool shown_ = false;
};

// Thrown out of a run whose report can no longer be written (a streamed
// protocol's cells failed), so that the run stops there.
struct OutputFailed {};

std::optional<unsigned> parse_jobs(std::string_view s) {
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v == 0 || v > 1024) return std::nullopt;
  return v;
}

// The protocols to run: the scenario's, restricted by --protocol.
std::variant<std::vector<std::string>, UsageError> select_protocols(const Scenario& scenario,
                                                                    const std::vector<std::string>& wanted) {
  for (const auto& name : wanted) {
    if (std::find(scenario.protocols.begin(), scenario.protocols.end(), name) != scenario.protocols.end()) continue;
    const std::string in_file = fmt::format("this scenario's protocols: {}", text::join(scenario.protocols, ", "));
    if (find_model(name) != nullptr)
      return UsageError{fmt::format("protocol '{}' is not in {}", name,
                                    scenario.path == "-" ? std::string("the scenario") : shown_path(scenario.path)),
                        fmt::format("{}; add \"{}\" to `protocols` in the file to compare it", in_file, name)};
    std::string guess = closest_match(name, scenario.protocols);
    if (guess.empty()) guess = closest_match(name, model_names());
    return UsageError{fmt::format("unknown protocol {}", quote_arg(name)),
                      guess.empty() ? in_file : fmt::format("did you mean '{}'? ({})", guess, in_file)};
  }
  std::vector<std::string> out;
  for (const auto& name : scenario.protocols)
    if (std::find(wanted.begin(), wanted.end(), name) != wanted.end()) out.push_back(name);
  return out;
}

std::string describe_pos(const SourcePos& pos, const std::string& fallback_file) {
  const std::string file = shown_path(pos.file.empty() ? fallback_file : pos.file);
  if (pos.line == 0) return file;
  if (pos.column == 0) return fmt::format("{}:{}", file, pos.line);
  return fmt::format("{}:{}:{}", file, pos.line, pos.column);
}

std::string names_or_nobody(const std::vector<std::string>& names) {
  return names.empty() ? std::string("nobody") : text::join(names, ", ");
}

// "extra: apple; missing: bob" for a failed expectation.
std::string difference(const ExpectationResult& e) {
  std::vector<std::string> extra, missing;
  std::set_difference(e.actual.begin(), e.actual.end(), e.expected.begin(), e.expected.end(),
                      std::back_inserter(extra));
  std::set_difference(e.expected.begin(), e.expected.end(), e.actual.begin(), e.actual.end(),
                      std::back_inserter(missing));
  std::vector<std::string> parts;
  if (!extra.empty()) parts.push_back("unexpected: " + text::join(extra, ", "));
  if (!missing.empty()) parts.push_back("missing: " + text::join(missing, ", "));
  return text::join(parts, "; ");
}

int cmd_run(const Args& args, const Io& io) {
  CommandLine command_line(kRunCommand);
  RunArgs a;
  std::string format = "table";
  std::string seed;
  std::string jobs;
  command_line.file(a.file);
  // --jobs is declared first, so that of it and another option both given
  // twice it is the one reported; "did you mean" suggests it after the
  // others, as the usage lists it.
  command_line.app().add_option("-j,--jobs", jobs);
  command_line.option("-f,--format", format);
  command_line.option("-p,--protocol", a.protocols)->allow_extra_args(false);
  command_line.seed(seed);
  command_line.output(a.output);
  command_line.flag("--no-color", a.no_color);
  command_line.flag("--no-explain", a.no_explain);
  command_line.flag("-q,--quiet", a.quiet);
  command_line.suggest("--jobs");
  if (auto done = command_line.parse(args, io)) return *done;
  if (a.file.empty()) return fail(io, missing_file("run"));
  if (auto f = parse_format(format)) {
    a.format = *f;
  } else {
    const std::string guess = closest_match(format, kFormatNames);
    const std::string formats = fmt::format("formats: {}", text::join(kFormatNames, ", "));
    return fail(io, {fmt::format("unknown format {}", quote_arg(format)),
                     guess.empty() ? formats : fmt::format("did you mean '{}'? ({})", guess, formats)});
  }
  if (command_line.given("--seed")) {
    a.seed = parse_whole_number(seed);
    if (!a.seed)
      return fail(io, {fmt::format("--seed {} is not a number", quote_arg(seed)),
                       "a seed is a whole number from 0 to 18446744073709551615, e.g. --seed 7"});
  }

  if (command_line.given("--jobs")) {
    const auto j = parse_jobs(jobs);
    if (!j)
      return fail(io, {fmt::format("--jobs {} is not a number of threads", quote_arg(jobs)), "use 1 to 1024, e.g. -j 2"});
    a.jobs = *j;
  }

  // The report must not replace the scenario, whatever the spelling.
  const bool to_stdout = a.output.empty() || a.output == "-";
  if (auto e = output_is_the_scenario(io, a.file, a.output)) return fail(io, *e);

  LoadResult loaded = load(io, a.file);
  if (const auto* error = std::get_if<LoadError>(&loaded)) {
    io.err() << error->format() << "\n";
    return kExitUsage;
  }
  const Scenario& scenario = std::get<Scenario>(loaded);

  RunOptions options;
  options.seed = a.seed;
  options.jobs = a.jobs;
  std::optional<ProgressLine> progress;
  if (io.streams.progress_terminal) {
    progress.emplace(io.err());
    options.progress = [&progress](const Progress& p) { progress->update(p); };
  }
  if (!a.protocols.empty()) {
    auto selected = select_protocols(scenario, a.protocols);
    if (const auto* e = std::get_if<UsageError>(&selected)) return fail(io, *e);
    options.only_protocols = std::get<std::vector<std::string>>(selected);
  }

  // The output file is opened before the run, so that a path that cannot be
  // written fails at once rather than after a long run; it replaces FILE
  // only once the report is complete (OutputFile).
  const auto cannot_write_report = [&](const std::string& why, std::string_view hint) {
    return fail(io, cannot_write("report", a.output, why, hint));
  };
  OutputFile file;
  if (!to_stdout)
    if (auto why = file.open(a.output)) return cannot_write_report(*why, kCannotOpenHint);

  // JSON and CSV are written protocol by protocol as the run goes, so that
  // a large run does not hold every protocol's results at once; not to a
  // terminal, where the progress line is being drawn.
  const bool writes = !to_stdout || !a.quiet;
  std::ostream& out = to_stdout ? io.out() : file.stream();
  std::optional<StreamingReport> stream;
  if (writes && StreamingReport::supports(a.format) && !(to_stdout && io.streams.color_terminal)) {
    stream.emplace(a.format, out);
    // A write that fails stops the run: its report cannot reach the user.
    options.on_protocol_final = [&stream, &out](const Report& r, std::size_t p) {
      stream->protocol(r, p);
      if (!out) throw OutputFailed{};
    };
  }
  const auto output_failed = [&] {
    return to_stdout ? cannot_write_stdout(io) : cannot_write_report(write_error(out), "");
  };

  std::optional<Report> ran;
  try {
    ran.emplace(run_scenario(scenario, options, find_model));
  } catch (const OutputFailed&) {
    progress.reset();
    return output_failed();
  }
  const Report& report = *ran;
  progress.reset();  // clears the progress line before the report

  RenderOptions render_options;
  render_options.color = to_stdout && io.streams.color_terminal && !a.no_color;
  render_options.explain = !a.no_explain;
  if (stream) stream->finish(report);
  else if (writes) render(report, a.format, render_options, out);
  if (!to_stdout) {
    if (auto why = file.commit()) return cannot_write_report(*why, "");
  } else if (writes) {
    io.out() << std::flush;
    if (!io.out()) return output_failed();
  }

  std::size_t failed = 0;
  for (const auto& e : report.expectations) {
    if (e.ok) continue;
    ++failed;
    io.err() << fmt::format("{}: expectation failed: {} message {} is readable by {}; expected {} ({})\n",
                            describe_pos(e.pos, scenario.path), e.protocol, e.message, names_or_nobody(e.actual),
                            names_or_nobody(e.expected), difference(e));
  }
  if (failed > 0) {
    io.err() << fmt::format("msgsim: {} of {} failed\n", failed, plural(report.expectations.size(), "expectation", "expectations"));
    return kExitExpectationFailed;
  }
  return kExitOk;
}

}  // namespace

constinit const Command kRunCommand{"run", kUsage, cmd_run};

}  // namespace msgsim::cli
