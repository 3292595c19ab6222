// sim/cli/cli.h: the msgsim command line, callable in-process.
//
// main() is one line that calls cli_main(); tests call run_cli() with string
// streams and get exactly what a user would see, plus the exit code.
//
// Exit codes (the contract in docs/scenario-format.md):
//   0  done, and every expectation of the scenario holds
//   1  an expectation failed (each failure is printed on stderr with its
//      file:line:column, expected and actual readers)
//   2  invalid scenario or command line (one error line, then a `hint:` line
//      when a fix is likely), or the report cannot be written (-o FILE or
//      standard output), or the run ran out of memory ("msgsim: error: ran
//      out of memory", the hint says what to cut): the contract
//      (docs/scenario-format.md) keeps every other code for a bug
//   70 a bug in msgsim ("msgsim: internal error: ..."), EX_SOFTWARE
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace msgsim {

inline constexpr int kExitOk = 0;
inline constexpr int kExitExpectationFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInternalError = 70;
inline constexpr int kExitOutOfMemory = kExitUsage;  // the scenario or options must ask for less

struct CliStreams {
  std::istream& in;   // the scenario when FILE is "-"
  std::ostream& out;  // reports, listings, help
  std::ostream& err;  // errors, failed expectations
  // True when `out` is a terminal that accepts ANSI colours; --no-color and
  // -o FILE still turn colours off.
  bool color_terminal = false;
  // True when `err` is a terminal: a run that lasts more than a second shows
  // its progress there (and nothing when it is a file or a pipe).
  bool progress_terminal = false;
};

// Runs `msgsim ARGS...` (ARGS without the program name); returns the exit code.
// Never throws: an unexpected exception is reported as an internal error.
int run_cli(const std::vector<std::string>& args, CliStreams io);

// The real entry point: standard input, output and error; colours only
// when standard output is a terminal and NO_COLOR is unset or empty
// (https://no-color.org).
int cli_main(int argc, char** argv);

}  // namespace msgsim
