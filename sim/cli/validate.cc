// msgsim validate: checks a scenario file without running it.
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <variant>

#include "msgsim/scenario.h"
#include "sim/cli/command.h"

namespace msgsim::cli {
namespace {

constexpr std::string_view kUsage = R"usage(Usage: msgsim validate FILE

Loads the scenario and reports the first problem with its file:line:column,
or "FILE: ok (...)". Nothing is simulated.

Examples:
  msgsim validate lesson.toml
  cat lesson.toml | msgsim validate -

Exit status: 0 the scenario is valid, 2 it is not.
)usage";

int cmd_validate(const Args& args, const Io& io) {
  CommandLine command_line(kValidateCommand);
  std::string file;
  command_line.file(file);
  if (auto done = command_line.parse(args, io)) return *done;
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

}  // namespace

constinit const Command kValidateCommand{"validate", kUsage, cmd_validate};

}  // namespace msgsim::cli
