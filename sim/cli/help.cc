// msgsim help: the overview, or a command's usage.
#include <fmt/format.h>

#include <string_view>

#include "sim/cli/command.h"

namespace msgsim::cli {
namespace {

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

constexpr std::string_view kUsage = R"usage(Usage: msgsim help [COMMAND]

Shows the overview, or the help of COMMAND (run, validate, list, generate).
)usage";

// No arguments: the overview (also `msgsim --help`).
int cmd_help(const Args& args, const Io& io) {
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

}  // namespace

constinit const Command kHelpCommand{"help", kUsage, cmd_help};

}  // namespace msgsim::cli
