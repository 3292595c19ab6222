// sim/cli/command.h: what the subcommands of msgsim share: the streams, the
// errors that teach (one error line, a `hint:` line, exit code 2), the one
// table of subcommands, and their command line (CLI11, with the options
// several commands take declared once).
//
// Each subcommand lives in its own file (run.cc, validate.cc, list.cc,
// generate.cc, help.cc) with its hand-written usage; cli.cc dispatches.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "msgsim/loader.h"
#include "sim/cli/cli.h"

namespace msgsim::cli {

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

// Prints `e` on standard error; returns kExitUsage.
int fail(const Io& io, const UsageError& e);

// An argument or a name from the command line, in a message: quoted, cut
// and with anything that could drive the terminal escaped (sim/text.h).
std::string quote_arg(std::string_view s);
// A file's name in a message: escaped the same way, never cut.
std::string shown_path(std::string_view path);

// "1 party", "2 parties".
std::string plural(std::size_t n, std::string_view one, std::string_view many);

// ---------------------------------------------------------------------------
// The table of subcommands

// A subcommand's arguments: what follows its name on the command line.
using Args = std::vector<std::string>;

struct Command {
  std::string_view name;   // "run"
  std::string_view usage;  // its help, written by hand
  int (*run)(const Args& args, const Io& io);
};

// Each defined in the subcommand's own file.
extern const Command kRunCommand;
extern const Command kValidateCommand;
extern const Command kListCommand;
extern const Command kGenerateCommand;
extern const Command kHelpCommand;

// The subcommand named `name`, or null.
const Command* find_command(std::string_view name);
// "unknown command 'rnu'", with a "did you mean".
UsageError unknown_command(std::string_view name);

// ---------------------------------------------------------------------------
// A subcommand's command line

// CLI11 parses a subcommand's options; unknown options and stray arguments
// are collected (allow_extras) and reported by parse(), so that every
// mistake gets a "did you mean" instead of CLI11's generic wording.
//
// The constructor declares -h/--help, which prints the command's
// hand-written usage. Options are checked in the order they are declared
// (of two options given twice, the first declared is reported); "did you
// mean" suggests them in that order too, --help last.
class CommandLine {
 public:
  explicit CommandLine(const Command& command);

  // An option or a flag of this command only.
  template <typename T>
  CLI::Option* option(const std::string& names, T& value) {
    return suggested(app_.add_option(names, value));
  }
  CLI::Option* flag(const std::string& names, bool& value) { return suggested(app_.add_flag(names, value)); }

  // The arguments and options several commands take, spelt here once.
  void file(std::string& path) { app_.add_option("file", path); }  // FILE, "-" for standard input
  CLI::Option* seed(std::string& value) { return option("--seed", value); }
  CLI::Option* output(std::string& path) { return option("-o,--output", path); }

  // For an option declared through app(): suggest it now.
  void suggest(std::string name) { suggestions_.push_back(std::move(name)); }
  CLI::App& app() { return app_; }

  // Parses `args`. When that is all the command does, the code it exits
  // with: kExitUsage after a mistake (reported), kExitOk after --help.
  std::optional<int> parse(const Args& args, const Io& io);

  // Whether `option` ("--seed") is on the command line.
  bool given(const std::string& option) const { return app_.count(option) > 0; }

 private:
  CLI::Option* suggested(CLI::Option* option);
  std::optional<UsageError> parse_error(const Args& args);

  const Command& command_;
  CLI::App app_;
  bool help_ = false;
  std::vector<std::string> suggestions_;  // long names, for "did you mean"
};

// ---------------------------------------------------------------------------
// Values and scenarios

// A whole number from 0 to 2^64-1, nothing around it: "7", not "+7" or "7x".
std::optional<std::uint64_t> parse_whole_number(std::string_view s);

// The error for a command that needs a scenario FILE and got none.
UsageError missing_file(std::string_view command);

// Reads the scenario: a file, or standard input for "-".
LoadResult load(const Io& io, const std::string& path);

}  // namespace msgsim::cli
