// msgsim generate: writes a random, valid scenario of any size.
#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "msgsim/generate.h"
#include "protocols/registry.h"
#include "sim/cli/command.h"
#include "sim/cli/output.h"

namespace msgsim::cli {
namespace {

constexpr std::string_view kUsage = R"usage(Usage: msgsim generate --parties N --messages M --seed S [options]

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

// The value of a whole-number option, or the error that says what it takes.
std::variant<std::uint64_t, UsageError> parse_count(std::string_view option, const std::string& value,
                                                    std::string_view range, std::string_view example) {
  if (auto v = parse_whole_number(value)) return *v;
  return UsageError{fmt::format("{} {} is not a number", option, quote_arg(value)),
                    fmt::format("{} takes a whole number from {}, e.g. {} {}", option, range, option, example)};
}

int cmd_generate(const Args& args, const Io& io) {
  CommandLine command_line(kGenerateCommand);
  std::string parties, messages, seed, protocols, output;
  command_line.option("--parties", parties);
  command_line.option("--messages", messages);
  command_line.seed(seed);
  command_line.option("--protocols", protocols);
  command_line.output(output);
  if (auto done = command_line.parse(args, io)) return *done;
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
    if (!command_line.given(std::string(c.option)))
      return fail(io, {fmt::format("'msgsim generate' needs {}", c.option),
                       "e.g. msgsim generate --parties 100 --messages 1000 --seed 1; see 'msgsim generate --help'"});
    auto v = parse_count(c.option, c.value, c.range, c.example);
    if (const auto* e = std::get_if<UsageError>(&v)) return fail(io, *e);
    c.target = std::get<std::uint64_t>(v);
  }
  if (command_line.given("--protocols")) {
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
  const auto cannot_write_scenario = [&](const std::string& why, std::string_view hint) {
    return fail(io, cannot_write("scenario", output, why, hint));
  };
  OutputFile file;  // replaces FILE only once complete
  if (auto why = file.open(output)) return cannot_write_scenario(*why, kCannotOpenHint);
  generate_scenario(options, file.stream());
  if (auto why = file.commit()) return cannot_write_scenario(*why, "");
  return kExitOk;
}

}  // namespace

constinit const Command kGenerateCommand{"generate", kUsage, cmd_generate};

}  // namespace msgsim::cli
