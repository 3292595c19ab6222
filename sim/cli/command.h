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
// Parses `args` with `app` (whose options are already bound). Unknown options
// become "did you mean" errors against `option_names`; stray arguments,
// "unexpected argument" errors.
std::optional<UsageError> parse(CLI::App& app, std::string_view command, const Args& args,
                                const std::vector<std::string>& option_names);

// ---------------------------------------------------------------------------
// Values and scenarios

// A whole number from 0 to 2^64-1, nothing around it: "7", not "+7" or "7x".
std::optional<std::uint64_t> parse_whole_number(std::string_view s);

// The error for a command that needs a scenario FILE and got none.
UsageError missing_file(std::string_view command);

// Reads the scenario: a file, or standard input for "-".
LoadResult load(const Io& io, const std::string& path);

}  // namespace msgsim::cli
