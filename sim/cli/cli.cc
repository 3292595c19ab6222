// The msgsim command line: one table of subcommands, hand-written usage,
// errors that teach (one error line, a `hint:` line, exit code 2).
//
// CLI11 parses each subcommand's options; unknown options and stray
// arguments are collected (allow_extras) and reported here, so that every
// mistake gets a "did you mean" instead of CLI11's generic wording.
#include "sim/cli/cli.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fcntl.h>
#include <unistd.h>

#include <pthread.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <climits>
#include <csignal>
#include <charconv>
#include <cstdint>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <chrono>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "msgsim/engine.h"
#include "msgsim/generate.h"
#include "msgsim/loader.h"
#include "msgsim/report.h"
#include "msgsim/scenario.h"
#include "msgsim/settings.h"
#include "msgsim/world.h"
#include "protocols/registry.h"
#include "sim/text.h"

#ifndef MSGSIM_VERSION
#error "MSGSIM_VERSION must be defined by the build (sim/CMakeLists.txt)"
#endif

namespace msgsim {
namespace {

namespace fs = std::filesystem;

// A command-line mistake: printed as "msgsim: error: ..." and "hint: ...".
struct UsageError {
  std::string message;
  std::string hint;
};

struct Io {
  CliStreams streams;
  std::istream& in() const { return streams.in; }
  std::ostream& out() const { return streams.out; }
  std::ostream& err() const { return streams.err; }
};

// An argument or a name from the command line, in a message: quoted, cut
// and with anything that could drive the terminal escaped (sim/text.h).
std::string quote_arg(std::string_view s) { return text::quote(s); }
// A file's name in a message: escaped the same way, never cut.
std::string shown_path(std::string_view path) { return text::printable(path); }

int fail(const Io& io, const UsageError& e) {
  io.err() << "msgsim: error: " << e.message << "\n";
  if (!e.hint.empty()) io.err() << "hint: " << e.hint << "\n";
  return kExitUsage;
}

using text::join;
using text::wrap;

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}


// ---------------------------------------------------------------------------
// Usage texts, written by hand.

constexpr std::string_view kMainUsage = R"usage(msgsim: who can read your messages? Compare secure messengers on a scenario.

Usage:
  msgsim run FILE [options]     run a scenario: who can read each message, and how
  msgsim validate FILE          check a scenario file without running it
  msgsim list [--details]       list the protocol models (and the settings, powers, providers)
  msgsim generate --parties N --messages M --seed S [options]
                                write a random, valid scenario of any size (performance work)
  msgsim help [COMMAND]         show this help, or a command's
  msgsim --version              print the version

FILE is a scenario in TOML (see docs/scenario-format.md); "-" reads it from
standard input.

Examples:
  msgsim run scenarios/02-alice-backup-on.toml
  msgsim run scenarios/02-alice-backup-on.toml --format markdown -o article.md
  msgsim run lesson.toml --protocol imessage --seed 7 --format json
  msgsim validate lesson.toml
  msgsim list --details
  msgsim generate --parties 1000 --messages 1000000 --seed 1 -o big.toml

Exit status: 0 done and every expectation holds, 1 an expectation failed,
2 invalid scenario or command line, the output cannot be written, or the run
ran out of memory.
)usage";

constexpr std::string_view kRunUsage = R"usage(Usage: msgsim run FILE [options]

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

constexpr std::string_view kValidateUsage = R"usage(Usage: msgsim validate FILE

Loads the scenario and reports the first problem with its file:line:column,
or "FILE: ok (...)". Nothing is simulated.

Examples:
  msgsim validate lesson.toml
  cat lesson.toml | msgsim validate -

Exit status: 0 the scenario is valid, 2 it is not.
)usage";

constexpr std::string_view kListUsage = R"usage(Usage: msgsim list [--details]

Lists the protocol models a scenario can name in `protocols = [...]`.

Options:
  -d, --details   also how each model works and what it simplifies, the party
                  settings, the adversary powers and the built-in providers
  -h, --help      show this help

Examples:
  msgsim list
  msgsim list --details | less
)usage";

constexpr std::string_view kGenerateUsage = R"usage(Usage: msgsim generate --parties N --messages M --seed S [options]

Writes a random scenario that msgsim loads: N parties p0001, p0002, ...
(devices, iCloud settings and countries at random), M messages between random
pairs, about ten per tick, and four adversaries (US authorities who compel and
intercept, French authorities who compel, a spyware vendor exploiting one
party, the police seizing one party's devices). No expectations. The same
options write the same bytes; the file names the command that made it.

Options:
      --parties N           number of parties, 2 to 100000
      --messages M          number of messages, 0 to 1000000
      --seed S              the randomness, written as the scenario's seed (0 to 2^63-1)
      --protocols A,B,...   the scenario's protocols (default: imessage,imessage-icloud,signal)
  -o, --output FILE         write the scenario to FILE instead of standard output
  -h, --help                show this help

Examples:
  msgsim generate --parties 3 --messages 4 --seed 1
  msgsim generate --parties 1000 --messages 1000000 --seed 1 -o big.toml
  msgsim generate --parties 50 --messages 500 --seed 7 --protocols signal | msgsim run - -q

Exit status: 0 written, 2 invalid options or FILE cannot be written.
)usage";

constexpr std::string_view kHelpUsage = R"usage(Usage: msgsim help [COMMAND]

Shows the overview, or the help of COMMAND (run, validate, list, generate).
)usage";

// ---------------------------------------------------------------------------
// Shared parsing

// How many times `args` give the option named `option` ("--format"), in any
// spelling: -f json, -fjson, --format json, --format=json.
std::size_t occurrences(const CLI::App& app, const std::string& option, const std::vector<std::string>& args) {
  const CLI::Option* opt = app.get_option_no_throw(option);
  if (opt == nullptr) return 0;
  std::size_t n = 0;
  for (const auto& arg : args) {
    if (arg == "--") break;
    const std::string name = arg.starts_with("--") ? arg.substr(0, arg.find('=')) : arg.substr(0, 2);
    if (arg.size() > 1 && arg[0] == '-' && opt->check_name(name)) ++n;
  }
  return n;
}

// Parses `args` with `app` (whose options are already bound). Unknown options
// become "did you mean" errors against `option_names`; stray arguments,
// "unexpected argument" errors.
std::optional<UsageError> parse(CLI::App& app, std::string_view command, const std::vector<std::string>& args,
                                const std::vector<std::string>& option_names) {
  app.allow_extras();
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  const std::string see = fmt::format("see 'msgsim {} --help'", command);
  try {
    app.parse(reversed);
  } catch (const CLI::ArgumentMismatch& e) {
    // "--format: 1 required TEXT missing" or "--format: At Most 1 required
    // but received 2": name the option, not CLI11's type.
    const std::string what = e.what();
    const std::string option = what.substr(0, what.find(':'));
    if (const std::size_t n = occurrences(app, option, args); n > 1)
      return UsageError{fmt::format("option '{}' is given {} times", option, n), "give it once; " + see};
    return UsageError{fmt::format("option '{}' needs a value", option), see};
  } catch (const CLI::ParseError& e) {
    return UsageError{e.what(), see};
  }
  bool after_dashes = false;
  std::vector<std::string> extras = app.remaining();
  // Unknown options first: a misspelt option also leaves its value stray.
  for (const auto& x : extras) {
    if (x == "--") {
      after_dashes = true;
      continue;
    }
    if (!after_dashes && x.size() > 1 && x[0] == '-') {
      const std::string name = x.substr(0, x.find('='));
      const std::string guess = closest_match(name, option_names);
      return UsageError{fmt::format("unknown option {} for 'msgsim {}'", quote_arg(name), command),
                        guess.empty() ? see : fmt::format("did you mean '{}'? ({})", guess, see)};
    }
  }
  for (const auto& x : extras)
    if (x != "--") return UsageError{fmt::format("unexpected argument {}", quote_arg(x)), see};
  return std::nullopt;
}

std::string describe_pos(const SourcePos& pos, const std::string& fallback_file) {
  const std::string file = shown_path(pos.file.empty() ? fallback_file : pos.file);
  if (pos.line == 0) return file;
  if (pos.column == 0) return fmt::format("{}:{}", file, pos.line);
  return fmt::format("{}:{}:{}", file, pos.line, pos.column);
}

// Reads the scenario: a file, or standard input for "-". The process's own
// standard input is read as a file, so that a read error (a directory, a
// closed descriptor) is reported with its reason; a stream given to
// run_cli (the tests) through load_scenario_stream.
LoadResult load(const Io& io, const std::string& path) {
  const LoadOptions options = load_options();
  if (path != "-" || &io.in() == &std::cin) return load_scenario_file(path, options);
  return load_scenario_stream(io.in(), path, options);
}

UsageError missing_file(std::string_view command) {
  return UsageError{fmt::format("'msgsim {}' needs a scenario FILE", command),
                    fmt::format("msgsim {} lesson.toml (or '-' for standard input); see 'msgsim {} --help'",
                                command, command)};
}

// ---------------------------------------------------------------------------
// Output: standard output and -o files. A write that fails is an error, and
// a user's file is never left empty or half-written.

// A stream buffer on a file descriptor that remembers why its first write
// failed, so that the error can say "No space left on device". After a
// failure every write fails (the stream goes bad and stays bad).
class FdWriter : public std::streambuf {
 public:
  explicit FdWriter(int fd) : fd_(fd) { setp(buffer_.data(), buffer_.data() + buffer_.size()); }
  FdWriter(const FdWriter&) = delete;
  FdWriter& operator=(const FdWriter&) = delete;

  int fd() const { return fd_; }
  int error() const { return error_; }  // errno of the first failed write, 0 if none

 protected:
  int_type overflow(int_type c) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }

  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (n <= epptr() - pptr()) {
      std::memcpy(pptr(), s, static_cast<std::size_t>(n));
      pbump(static_cast<int>(n));
      return n;
    }
    // More than the buffer holds: write what it has, then the rest directly.
    if (!drain() || !write_all(s, static_cast<std::size_t>(n))) return 0;
    return n;
  }

  int sync() override { return drain() ? 0 : -1; }

 private:
  bool drain() {
    const auto n = static_cast<std::size_t>(pptr() - pbase());
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    return n == 0 ? error_ == 0 : write_all(buffer_.data(), n);
  }

  bool write_all(const char* p, std::size_t n) {
    while (error_ == 0 && n > 0) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        error_ = w < 0 ? errno : EIO;
        break;
      }
      p += w;
      n -= static_cast<std::size_t>(w);
    }
    return error_ == 0;
  }

  int fd_;
  int error_ = 0;
  std::array<char, 1 << 16> buffer_{};
};

// Why `os` failed: its FdWriter's error if it has one, else "write error".
std::string write_error(const std::ostream& os) {
  const auto* writer = dynamic_cast<const FdWriter*>(os.rdbuf());
  return writer != nullptr && writer->error() != 0 ? std::strerror(writer->error()) : "write error";
}

// The error for standard output that could not be written, with a hint for
// the two usual causes.
int cannot_write_stdout(const Io& io) {
  const auto* writer = dynamic_cast<const FdWriter*>(io.out().rdbuf());
  const int error = writer != nullptr ? writer->error() : 0;
  io.err() << "msgsim: error: cannot write to standard output: " << write_error(io.out()) << "\n";
  if (error == ENOSPC) io.err() << "hint: the disk is full: free some space, or write elsewhere\n";
  if (error == EBADF) io.err() << "hint: standard output is closed: send it somewhere, e.g. > report.txt\n";
  return kExitUsage;
}

// Thrown out of a run whose report can no longer be written (a streamed
// protocol's cells failed), so that the run stops there.
struct OutputFailed {};

// The temporary file that a signal handler removes: one at a time, as a
// command writes one output. A fixed buffer, because the handler may use
// nothing but async-signal-safe calls (unlink, signal, raise).
char g_pending_path[PATH_MAX + 64];
volatile std::sig_atomic_t g_pending = 0;
constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP};

extern "C" void remove_pending_output(int sig) {
  if (g_pending != 0) ::unlink(g_pending_path);
  // Then die of the signal, as without the handler (the shell sees it).
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// -o FILE. The output goes to a temporary file beside FILE, which replaces
// FILE (rename) only once it is complete and on disk, so that until then
// FILE keeps its previous content, whatever stops msgsim: an error, Ctrl-C,
// SIGTERM, running out of memory. The temporary file is removed on every
// failure, and by a handler of SIGINT, SIGTERM and SIGHUP; only SIGKILL
// (the kernel's out-of-memory killer among others) leaves it behind, named
// ".FILE.msgsim-XXXXXX", with FILE intact. A symbolic link is followed (the
// link stays), the new file takes the old one's permissions, and a FILE
// that is not a regular file (/dev/null, a FIFO) is written directly.
class OutputFile {
 public:
  OutputFile() = default;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile() { abandon(); }

  // Prepares the output; on failure, the reason ("Permission denied").
  std::optional<std::string> open(const std::string& path) {
    std::error_code ec;
    fs::path target = path;
    struct stat st {};
    const bool exists = ::stat(path.c_str(), &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) return std::string(std::strerror(EISDIR));
    if (exists && !S_ISREG(st.st_mode)) {
      fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd_ < 0) return std::string(std::strerror(errno));
      return start();
    }
    if (exists) {
      // Refuse at once what the old code's open would have refused, rather
      // than after a long run (rename would replace a read-only file).
      if (::access(path.c_str(), W_OK) != 0) return std::string(std::strerror(errno));
      target = fs::canonical(path, ec);  // through symbolic links: replace the file, keep the link
      if (ec) return ec.message();
    }
    target = fs::absolute(target, ec);
    if (ec) return ec.message();
    const fs::path temp = target.parent_path() / ("." + target.filename().string() + ".msgsim-XXXXXX");
    if (temp.native().size() >= sizeof g_pending_path) return std::string(std::strerror(ENAMETOOLONG));
    std::string name = temp.native();
    // The handlers first, then the file, with the signals held back while
    // the handler's path is set: no moment when a signal leaves it behind.
    install_handlers();
    {
      const BlockedSignals blocked;
      fd_ = ::mkostemp(name.data(), O_CLOEXEC);
      if (fd_ >= 0) {
        std::memcpy(g_pending_path, name.c_str(), name.size() + 1);
        g_pending = 1;
      }
    }
    if (fd_ < 0) {
      const int error = errno;
      restore_handlers();
      return std::string(std::strerror(error));
    }
    temp_ = name;
    target_ = target.native();
    // mkostemp makes the file 0600: give it the mode FILE has, or the one a
    // new file gets (0666 less the umask, which can only be read by setting
    // it; msgsim has no other thread yet).
    mode_t mode = 0;
    if (exists) {
      mode = st.st_mode & 07777;
      if (::fchown(fd_, st.st_uid, st.st_gid) != 0) {
        // Not the owner's to give (msgsim runs as another user): the file
        // becomes this user's, as a new one would.
      }
    } else {
      const mode_t mask = ::umask(0);
      ::umask(mask);
      mode = 0666 & ~mask;
    }
    if (::fchmod(fd_, mode) != 0) return std::string(std::strerror(errno));
    return start();
  }

  std::ostream& stream() { return *stream_; }

  // Writes the rest out and puts the file in place; on failure, the reason,
  // and FILE keeps its previous content.
  std::optional<std::string> commit() {
    stream_->flush();
    if (!*stream_) return write_error(*stream_);
    if (!temp_.empty() && ::fsync(fd_) != 0) return std::string(std::strerror(errno));
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return std::string(std::strerror(errno));
    if (temp_.empty()) return std::nullopt;
    if (::rename(temp_.c_str(), target_.c_str()) != 0) return std::string(std::strerror(errno));
    forget_temp();
    return std::nullopt;
  }

 private:
  std::optional<std::string> start() {
    writer_.emplace(fd_);
    stream_.emplace(&*writer_);
    return std::nullopt;
  }

  // Removes the temporary file unless commit() put it in place.
  void abandon() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (temp_.empty()) return;
    ::unlink(temp_.c_str());
    forget_temp();
  }

  void forget_temp() {
    {
      const BlockedSignals blocked;
      g_pending = 0;
    }
    temp_.clear();
    restore_handlers();
  }

  void restore_handlers() {
    for (std::size_t i = 0; i < std::size(kCleanupSignals); ++i)
      ::sigaction(kCleanupSignals[i], &previous_[i], nullptr);
  }

  void install_handlers() {
    struct sigaction action {};
    action.sa_handler = remove_pending_output;
    sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < std::size(kCleanupSignals); ++i) {
      // A signal the caller ignores (nohup) stays ignored.
      ::sigaction(kCleanupSignals[i], nullptr, &previous_[i]);
      if (previous_[i].sa_handler != SIG_IGN) ::sigaction(kCleanupSignals[i], &action, nullptr);
    }
  }

  // Holds the cleanup signals back for its lifetime.
  class BlockedSignals {
   public:
    BlockedSignals() {
      sigset_t set;
      sigemptyset(&set);
      for (int sig : kCleanupSignals) sigaddset(&set, sig);
      ::pthread_sigmask(SIG_BLOCK, &set, &saved_);
    }
    ~BlockedSignals() { ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
    BlockedSignals(const BlockedSignals&) = delete;
    BlockedSignals& operator=(const BlockedSignals&) = delete;

   private:
    sigset_t saved_;
  };

  int fd_ = -1;
  std::string temp_;    // the temporary file, empty when writing FILE directly or done
  std::string target_;  // what it replaces
  std::optional<FdWriter> writer_;
  std::optional<std::ostream> stream_;
  struct sigaction previous_[std::size(kCleanupSignals)] {};
};

// The scenario's file, whose report must not replace it: `input`, or for
// "-" the file the process's standard input reads, if it is one.
std::optional<struct stat> scenario_file(const std::string& input, bool input_is_stdin) {
  struct stat st {};
  const int read = input == "-" ? (input_is_stdin ? ::fstat(STDIN_FILENO, &st) : -1) : ::stat(input.c_str(), &st);
  if (read != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return st;
}

// True when `output` is that file, in any spelling (a symbolic or hard link
// included).
bool is_the_scenario(const std::optional<struct stat>& scenario, const struct stat& output) {
  return scenario && scenario->st_dev == output.st_dev && scenario->st_ino == output.st_ino;
}

// ---------------------------------------------------------------------------
// msgsim run

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

std::optional<unsigned> parse_jobs(std::string_view s) {
  unsigned v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v == 0 || v > 1024) return std::nullopt;
  return v;
}

std::optional<std::uint64_t> parse_seed(std::string_view s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// The protocols to run: the scenario's, restricted by --protocol.
std::variant<std::vector<std::string>, UsageError> select_protocols(const Scenario& scenario,
                                                                    const std::vector<std::string>& wanted) {
  for (const auto& name : wanted) {
    if (std::find(scenario.protocols.begin(), scenario.protocols.end(), name) != scenario.protocols.end()) continue;
    const std::string in_file = fmt::format("this scenario's protocols: {}", join(scenario.protocols, ", "));
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

std::string names_or_nobody(const std::vector<std::string>& names) {
  return names.empty() ? std::string("nobody") : join(names, ", ");
}

// "extra: apple; missing: bob" for a failed expectation.
std::string difference(const ExpectationResult& e) {
  std::vector<std::string> extra, missing;
  std::set_difference(e.actual.begin(), e.actual.end(), e.expected.begin(), e.expected.end(),
                      std::back_inserter(extra));
  std::set_difference(e.expected.begin(), e.expected.end(), e.actual.begin(), e.actual.end(),
                      std::back_inserter(missing));
  std::vector<std::string> parts;
  if (!extra.empty()) parts.push_back("unexpected: " + join(extra, ", "));
  if (!missing.empty()) parts.push_back("missing: " + join(missing, ", "));
  return join(parts, "; ");
}

int cmd_run(const std::vector<std::string>& args, const Io& io) {
  CLI::App app;
  app.set_help_flag();  // -h/--help print the hand-written usage instead
  bool help = false;
  RunArgs a;
  std::string format = "table";
  std::string seed;
  std::string jobs;
  app.add_flag("-h,--help", help);
  app.add_option("file", a.file);
  app.add_option("-j,--jobs", jobs);
  app.add_option("-f,--format", format);
  app.add_option("-p,--protocol", a.protocols)->allow_extra_args(false);
  app.add_option("--seed", seed);
  app.add_option("-o,--output", a.output);
  app.add_flag("--no-color", a.no_color);
  app.add_flag("--no-explain", a.no_explain);
  app.add_flag("-q,--quiet", a.quiet);
  if (auto e = parse(app, "run", args,
                     {"--format", "--protocol", "--seed", "--output", "--no-color", "--no-explain", "--quiet",
                      "--jobs", "--help"}))
    return fail(io, *e);
  if (help) {
    io.out() << kRunUsage;
    return kExitOk;
  }
  if (a.file.empty()) return fail(io, missing_file("run"));
  if (auto f = parse_format(format)) {
    a.format = *f;
  } else {
    const std::string guess = closest_match(format, kFormatNames);
    const std::string formats = fmt::format("formats: {}", join(kFormatNames, ", "));
    return fail(io, {fmt::format("unknown format {}", quote_arg(format)),
                     guess.empty() ? formats : fmt::format("did you mean '{}'? ({})", guess, formats)});
  }
  if (app.count("--seed") > 0) {
    a.seed = parse_seed(seed);
    if (!a.seed)
      return fail(io, {fmt::format("--seed {} is not a number", quote_arg(seed)),
                       "a seed is a whole number from 0 to 18446744073709551615, e.g. --seed 7"});
  }

  if (app.count("--jobs") > 0) {
    const auto j = parse_jobs(jobs);
    if (!j)
      return fail(io, {fmt::format("--jobs {} is not a number of threads", quote_arg(jobs)), "use 1 to 1024, e.g. -j 2"});
    a.jobs = *j;
  }

  // The report must not replace the scenario, whatever the spelling.
  const bool to_stdout = a.output.empty() || a.output == "-";
  const auto scenario_stat = scenario_file(a.file, &io.in() == &std::cin);
  struct stat output_stat {};
  if (!to_stdout && ::stat(a.output.c_str(), &output_stat) == 0 && is_the_scenario(scenario_stat, output_stat))
    return fail(io, {fmt::format("the output '{}' is the scenario itself: the report would replace it",
                                 shown_path(a.output)),
                     "write the report to another file, e.g. -o report.txt"});
  const auto* stdout_writer = dynamic_cast<const FdWriter*>(io.out().rdbuf());
  if (to_stdout && stdout_writer != nullptr && ::fstat(stdout_writer->fd(), &output_stat) == 0 &&
      is_the_scenario(scenario_stat, output_stat))
    return fail(io, {"standard output is the scenario itself: the report would be written into it",
                     "the shell empties a file named after '>' before msgsim starts; if the scenario is empty now, "
                     "restore it, and send the report elsewhere, e.g. > report.txt"});

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
  const auto cannot_write = [&](const std::string& why, std::string hint) {
    return fail(io, {fmt::format("cannot write the report to '{}': {}", shown_path(a.output), why), std::move(hint)});
  };
  OutputFile file;
  if (!to_stdout)
    if (auto why = file.open(a.output)) return cannot_write(*why, "check that the folder exists and that you may write there");

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
    return to_stdout ? cannot_write_stdout(io) : cannot_write(write_error(out), "");
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
    if (auto why = file.commit()) return cannot_write(*why, "");
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

// ---------------------------------------------------------------------------
// msgsim validate

int cmd_validate(const std::vector<std::string>& args, const Io& io) {
  CLI::App app;
  app.set_help_flag();  // -h/--help print the hand-written usage instead
  bool help = false;
  std::string file;
  app.add_flag("-h,--help", help);
  app.add_option("file", file);
  if (auto e = parse(app, "validate", args, {"--help"})) return fail(io, *e);
  if (help) {
    io.out() << kValidateUsage;
    return kExitOk;
  }
  if (file.empty()) return fail(io, missing_file("validate"));
  LoadResult loaded = load(io, file);
  if (const auto* error = std::get_if<LoadError>(&loaded)) {
    io.err() << error->format() << "\n";
    return kExitUsage;
  }
  const Scenario& s = std::get<Scenario>(loaded);
  io.out() << fmt::format("{}: ok ({}, {}, {})\n", shown_path(file), plural(s.parties.size(), "party", "parties"),
                          plural(s.messages.size(), "message", "messages"),
                          plural(s.protocols.size(), "protocol", "protocols"));
  return kExitOk;
}

// ---------------------------------------------------------------------------
// msgsim list

std::string setting_values(const SettingSpec& s) {
  switch (s.type) {
    case SettingType::kBool: return "true or false";
    case SettingType::kTicks: return "ticks, 0 or more";
    case SettingType::kEnum: {
      std::vector<std::string> choices;
      for (auto c : s.choices) choices.push_back(fmt::format("\"{}\"", c));
      return "one of " + join(choices, ", ");
    }
  }
  return "";
}

constexpr std::size_t kWrapColumns = 78;

int cmd_list(const std::vector<std::string>& args, const Io& io) {
  CLI::App app;
  app.set_help_flag();  // -h/--help print the hand-written usage instead
  bool help = false;
  bool details = false;
  app.add_flag("-h,--help", help);
  app.add_flag("-d,--details", details);
  if (auto e = parse(app, "list", args, {"--details", "--help"})) return fail(io, *e);
  if (help) {
    io.out() << kListUsage;
    return kExitOk;
  }
  std::ostream& out = io.out();
  const auto models = all_models();
  std::size_t width = 0;
  for (const auto& m : models) width = std::max(width, m.name.size());

  out << "Protocol models (names for `protocols = [...]` in a scenario):\n";
  for (const auto& m : models) out << fmt::format("  {:<{}}  {}\n", m.name, width, m.summary);
  if (!details) {
    out << "\nSettings, adversary powers, providers and each model's simplifications: msgsim list --details\n";
    return kExitOk;
  }

  for (const auto& m : models) {
    out << fmt::format("\n{}: {}\n", m.name, m.summary);
    // Details are prose with paragraphs: wrap each paragraph, keep the breaks.
    std::string_view rest = m.details;
    while (!rest.empty()) {
      const std::size_t br = rest.find("\n\n");
      const std::string_view para = rest.substr(0, br);
      // Lines starting with "- " are list items: keep each on its own.
      std::size_t start = 0;
      std::string item;
      auto flush = [&] {
        if (!item.empty()) out << wrap(item, kWrapColumns, "  ", item.starts_with("- ") ? "    " : "  ");
        item.clear();
      };
      while (start <= para.size()) {
        const std::size_t nl = para.find('\n', start);
        const std::string_view line = para.substr(start, nl == std::string_view::npos ? para.npos : nl - start);
        if (line.starts_with("- ")) flush();
        if (!item.empty()) item += ' ';
        item += line;
        if (nl == std::string_view::npos) break;
        start = nl + 1;
      }
      flush();
      if (br == std::string_view::npos) break;
      rest.remove_prefix(br + 2);
      if (!rest.empty()) out << "\n";
    }
    // What the model declares to the engine (its registry row).
    std::vector<std::string> surfaces;
    for (const AttackSurface& s : m.surfaces) surfaces.emplace_back(s.name);
    const auto listed = [](const auto& names) {
      return names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", "));
    };
    out << "\n"
        << wrap(fmt::format("Providers: {}. Attack surfaces: {}. Settings it reads: {}.", listed(m.providers),
                            listed(surfaces), listed(m.settings)),
                kWrapColumns, "  ");
  }

  const std::vector<std::string> supported = supported_settings();
  out << "\nParty settings (keys of [[party]]; \"later\" ones are rejected for now):\n";
  out << wrap("A \"device\" setting may also be set on one device, as in devices = [\"iphone\", { kind = \"ipad\", "
              "icloud_backup = true }]; the party's value is its devices' default.",
              kWrapColumns, "  ");
  for (const auto& s : settings_table()) {
    out << fmt::format("  {} = {}  ({}){}{}\n", s.name, s.default_value, setting_values(s),
                       s.scope == SettingScope::kDevice ? "  [device]" : "",
                       std::find(supported.begin(), supported.end(), s.name) != supported.end() ? "" : "  [later]");
    out << wrap(s.help, kWrapColumns, "      ");
  }

  out << "\nAdversary powers (powers = [{ power = \"...\", ... }] in [[adversary]]):\n";
  for (const PowerInfo& p : powers()) {
    out << fmt::format("  {}: {}\n", p.name, fmt::join(p.keys, ", "));
    out << wrap(p.meaning, kWrapColumns, "      ");
  }
  std::vector<std::string> surfaces;
  for (const AttackSurface& s : attack_surfaces()) surfaces.push_back(fmt::format("{} ({})", s.name, s.label));
  out << wrap(fmt::format("Attack surfaces the models declare, for an exploit's `via`: {}.", fmt::join(surfaces, ", ")),
              kWrapColumns, "  ");

  out << "\nBuilt-in providers (override the country with [[provider]]; default country US):\n";
  for (const auto& p : builtin_providers()) {
    out << fmt::format("  {} ({})\n", p.name, p.label);
    out << wrap(p.description, kWrapColumns, "      ");
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------
// msgsim generate

// The value of a whole-number option, or the error that says what it takes.
std::variant<std::uint64_t, UsageError> parse_count(std::string_view option, const std::string& value,
                                                    std::string_view range, std::string_view example) {
  if (auto v = parse_seed(value)) return *v;
  return UsageError{fmt::format("{} {} is not a number", option, quote_arg(value)),
                    fmt::format("{} takes a whole number from {}, e.g. {} {}", option, range, option, example)};
}

int cmd_generate(const std::vector<std::string>& args, const Io& io) {
  CLI::App app;
  app.set_help_flag();  // -h/--help print the hand-written usage instead
  bool help = false;
  std::string parties, messages, seed, protocols, output;
  app.add_flag("-h,--help", help);
  app.add_option("--parties", parties);
  app.add_option("--messages", messages);
  app.add_option("--seed", seed);
  app.add_option("--protocols", protocols);
  app.add_option("-o,--output", output);
  if (auto e = parse(app, "generate", args, {"--parties", "--messages", "--seed", "--protocols", "--output", "--help"}))
    return fail(io, *e);
  if (help) {
    io.out() << kGenerateUsage;
    return kExitOk;
  }
  GenerateOptions options;
  struct Count {
    std::string_view option;
    const std::string& value;
    std::uint64_t& target;
    std::string_view range;
    std::string_view example;
  };
  const std::string parties_range = fmt::format("2 to {}", kMaxGeneratedParties);
  const std::string messages_range = fmt::format("0 to {}", kMaxGeneratedMessages);
  for (const Count& c : {Count{"--parties", parties, options.parties, parties_range, "100"},
                         Count{"--messages", messages, options.messages, messages_range, "1000"},
                         Count{"--seed", seed, options.seed, "0 to 9223372036854775807", "1"}}) {
    if (app.count(std::string(c.option)) == 0)
      return fail(io, {fmt::format("'msgsim generate' needs {}", c.option),
                       "e.g. msgsim generate --parties 100 --messages 1000 --seed 1; see 'msgsim generate --help'"});
    auto v = parse_count(c.option, c.value, c.range, c.example);
    if (const auto* e = std::get_if<UsageError>(&v)) return fail(io, *e);
    c.target = std::get<std::uint64_t>(v);
  }
  if (app.count("--protocols") > 0) {
    options.protocols.clear();
    std::string_view rest = protocols;
    while (true) {
      const std::size_t comma = rest.find(',');
      options.protocols.emplace_back(rest.substr(0, comma));
      if (options.protocols.back().empty())
        return fail(io, {fmt::format("--protocols {} has an empty name", quote_arg(protocols)),
                         "separate the names with single commas, e.g. --protocols imessage,signal"});
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (auto e = check_generate_options(options, model_names())) return fail(io, {e->message, e->hint});

  if (output.empty() || output == "-") {
    generate_scenario(options, io.out());
    io.out() << std::flush;
    return io.out() ? kExitOk : cannot_write_stdout(io);
  }
  const auto cannot_write = [&](const std::string& why, std::string hint) {
    return fail(io, {fmt::format("cannot write the scenario to '{}': {}", shown_path(output), why), std::move(hint)});
  };
  OutputFile file;  // replaces FILE only once complete
  if (auto why = file.open(output)) return cannot_write(*why, "check that the folder exists and that you may write there");
  generate_scenario(options, file.stream());
  if (auto why = file.commit()) return cannot_write(*why, "");
  return kExitOk;
}

// ---------------------------------------------------------------------------
// The table of subcommands

struct Command {
  std::string_view name;
  std::string_view usage;
  int (*run)(const std::vector<std::string>& args, const Io& io);
};

int cmd_help(const std::vector<std::string>& args, const Io& io);

constexpr Command kCommands[] = {
    {"run", kRunUsage, cmd_run},
    {"validate", kValidateUsage, cmd_validate},
    {"list", kListUsage, cmd_list},
    {"generate", kGenerateUsage, cmd_generate},
    {"help", kHelpUsage, cmd_help},
};

std::vector<std::string> command_names() {
  std::vector<std::string> out;
  for (const auto& c : kCommands) out.emplace_back(c.name);
  return out;
}

const Command* find_command(std::string_view name) {
  for (const auto& c : kCommands)
    if (c.name == name) return &c;
  return nullptr;
}

UsageError unknown_command(std::string_view name) {
  const std::string guess = closest_match(name, command_names());
  const std::string commands = fmt::format("commands: {}", join(command_names(), ", "));
  return {fmt::format("unknown command {}", quote_arg(name)),
          guess.empty() ? fmt::format("{}; see 'msgsim --help'", commands)
                        : fmt::format("did you mean '{}'? ({})", guess, commands)};
}

int cmd_help(const std::vector<std::string>& args, const Io& io) {
  if (args.empty()) {
    io.out() << kMainUsage;
    return kExitOk;
  }
  if (args.size() > 1) return fail(io, {fmt::format("unexpected argument {}", quote_arg(args[1])), "msgsim help COMMAND"});
  const Command* c = find_command(args[0]);
  if (c == nullptr) return fail(io, unknown_command(args[0]));
  io.out() << c->usage;
  return kExitOk;
}

int dispatch(const std::vector<std::string>& args, const Io& io) {
  if (args.empty())
    return fail(io, {"no command given", "try 'msgsim run FILE', 'msgsim list' or 'msgsim --help'"});
  const std::string& first = args[0];
  if (first == "-h" || first == "--help") return cmd_help({}, io);
  if (first == "--version" || first == "-V") {
    io.out() << "msgsim " << MSGSIM_VERSION << "\n";
    return kExitOk;
  }
  if (first.size() > 1 && first[0] == '-') {
    const std::string name = first.substr(0, first.find('='));
    const std::string guess = closest_match(name, {"--help", "--version"});
    return fail(io, {fmt::format("unknown option {}", quote_arg(name)),
                     guess.empty() ? "options go after the command, e.g. 'msgsim run FILE --format json'; see 'msgsim --help'"
                                   : fmt::format("did you mean '{}'?", guess)});
  }
  const Command* c = find_command(first);
  if (c == nullptr) return fail(io, unknown_command(first));
  return c->run(std::vector<std::string>(args.begin() + 1, args.end()), io);
}

}  // namespace

int run_cli(const std::vector<std::string>& args, CliStreams streams) {
  const Io io{streams};
  try {
    const int code = dispatch(args, io);
    // What a command printed must have reached standard output (unless the
    // command failed and said why already).
    io.out().flush();
    if (code != kExitUsage && !io.out()) return cannot_write_stdout(io);
    return code;
  } catch (const std::bad_alloc&) {
    // Not a bug: the scenario is too large for the memory msgsim may use.
    // (No formatting here: it would allocate.) A -o file keeps its
    // previous content (OutputFile).
    io.err() << "msgsim: error: ran out of memory\n"
             << "hint: this scenario needs more memory than msgsim may use here; try fewer messages or parties, one "
                "protocol at a time (--protocol), or --jobs 1\n";
    return kExitOutOfMemory;
  } catch (const std::exception& e) {
    io.err() << "msgsim: internal error: " << e.what() << "\n"
             << "hint: this is a bug in msgsim; please report it with the scenario file\n";
  } catch (...) {
    io.err() << "msgsim: internal error: unknown exception\n"
             << "hint: this is a bug in msgsim; please report it with the scenario file\n";
  }
  return kExitInternalError;
}

namespace {

// A standard descriptor that is closed (msgsim run - <&-) is opened on
// /dev/null the wrong way round (gnulib's stdopen does the same): the next
// file msgsim opens cannot take its number (the -o file would become
// "standard output"), and every use of it still fails as on a closed
// descriptor (EBADF), which msgsim reports.
void occupy_closed_standard_descriptors() {
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int opened = ::open("/dev/null", (fd == STDIN_FILENO ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
    if (opened >= 0 && opened != fd) {
      ::dup2(opened, fd);  // dup2 clears O_CLOEXEC on fd
      ::close(opened);
    } else if (opened == fd) {
      ::fcntl(fd, F_SETFD, 0);
    }
  }
}

}  // namespace

int cli_main(int argc, char** argv) {
  occupy_closed_standard_descriptors();
  // Standard output through an FdWriter, which knows why a write failed.
  FdWriter out_buffer(STDOUT_FILENO);
  std::ostream out(&out_buffer);
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  const char* no_color = std::getenv("NO_COLOR");
  const bool color = isatty(STDOUT_FILENO) == 1 && (no_color == nullptr || *no_color == '\0');
  const bool progress = isatty(STDERR_FILENO) == 1;
  return run_cli(args, CliStreams{std::cin, out, std::cerr, color, progress});
}

}  // namespace msgsim
