// What the subcommands share: errors, the table of subcommands, parsing.
#include "sim/cli/command.h"

#include <fmt/format.h>

#include <charconv>
#include <iostream>
#include <utility>

#include "protocols/registry.h"
#include "sim/text.h"

namespace msgsim::cli {

int fail(const Io& io, const UsageError& e) {
  io.err() << "msgsim: error: " << e.message << "\n";
  if (!e.hint.empty()) io.err() << "hint: " << e.hint << "\n";
  return kExitUsage;
}

std::string quote_arg(std::string_view s) { return text::quote(s); }
std::string shown_path(std::string_view path) { return text::printable(path); }

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

// ---------------------------------------------------------------------------
// The table of subcommands

namespace {

constexpr const Command* kCommands[] = {&kRunCommand, &kValidateCommand, &kListCommand, &kGenerateCommand,
                                        &kHelpCommand};

std::vector<std::string> command_names() {
  std::vector<std::string> out;
  for (const Command* c : kCommands) out.emplace_back(c->name);
  return out;
}

}  // namespace

const Command* find_command(std::string_view name) {
  for (const Command* c : kCommands)
    if (c->name == name) return c;
  return nullptr;
}

UsageError unknown_command(std::string_view name) {
  const std::string guess = closest_match(name, command_names());
  const std::string commands = fmt::format("commands: {}", text::join(command_names(), ", "));
  return {fmt::format("unknown command {}", quote_arg(name)),
          guess.empty() ? fmt::format("{}; see 'msgsim --help'", commands)
                        : fmt::format("did you mean '{}'? ({})", guess, commands)};
}

// ---------------------------------------------------------------------------
// A subcommand's command line

namespace {

// How many times `args` give the option named `option` ("--format"), in any
// spelling: -f json, -fjson, --format json, --format=json.
std::size_t occurrences(const CLI::App& app, const std::string& option, const Args& args) {
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

}  // namespace

CommandLine::CommandLine(const Command& command) : command_(command) {
  app_.set_help_flag();  // -h/--help print the hand-written usage instead
  app_.add_flag("-h,--help", help_);
}

CLI::Option* CommandLine::suggested(CLI::Option* option) {
  suggestions_.push_back("--" + option->get_lnames().front());
  return option;
}

std::optional<int> CommandLine::parse(const Args& args, const Io& io) {
  if (auto e = parse_error(args)) return fail(io, *e);
  if (!help_) return std::nullopt;
  io.out() << command_.usage;
  return kExitOk;
}

// Unknown options become "did you mean" errors against the declared
// options; stray arguments, "unexpected argument" errors.
std::optional<UsageError> CommandLine::parse_error(const Args& args) {
  app_.allow_extras();
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  const std::string see = fmt::format("see 'msgsim {} --help'", command_.name);
  try {
    app_.parse(reversed);
  } catch (const CLI::ArgumentMismatch& e) {
    // "--format: 1 required TEXT missing" or "--format: At Most 1 required
    // but received 2": name the option, not CLI11's type.
    const std::string what = e.what();
    const std::string option = what.substr(0, what.find(':'));
    if (const std::size_t n = occurrences(app_, option, args); n > 1)
      return UsageError{fmt::format("option '{}' is given {} times", option, n), "give it once; " + see};
    return UsageError{fmt::format("option '{}' needs a value", option), see};
  } catch (const CLI::ParseError& e) {
    return UsageError{e.what(), see};
  }
  std::vector<std::string> option_names = suggestions_;
  option_names.emplace_back("--help");
  bool after_dashes = false;
  std::vector<std::string> extras = app_.remaining();
  // Unknown options first: a misspelt option also leaves its value stray.
  for (const auto& x : extras) {
    if (x == "--") {
      after_dashes = true;
      continue;
    }
    if (!after_dashes && x.size() > 1 && x[0] == '-') {
      const std::string name = x.substr(0, x.find('='));
      const std::string guess = closest_match(name, option_names);
      return UsageError{fmt::format("unknown option {} for 'msgsim {}'", quote_arg(name), command_.name),
                        guess.empty() ? see : fmt::format("did you mean '{}'? ({})", guess, see)};
    }
  }
  for (const auto& x : extras)
    if (x != "--") return UsageError{fmt::format("unexpected argument {}", quote_arg(x)), see};
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// Values and scenarios

std::optional<std::uint64_t> parse_whole_number(std::string_view s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

UsageError missing_file(std::string_view command) {
  return UsageError{fmt::format("'msgsim {}' needs a scenario FILE", command),
                    fmt::format("msgsim {} lesson.toml (or '-' for standard input); see 'msgsim {} --help'",
                                command, command)};
}

// The process's own standard input is read as a file, so that a read error
// (a directory, a closed descriptor) is reported with its reason; a stream
// given to run_cli (the tests) through load_scenario_stream.
LoadResult load(const Io& io, const std::string& path) {
  const LoadOptions options = load_options();
  if (path != "-" || &io.in() == &std::cin) return load_scenario_file(path, options);
  return load_scenario_stream(io.in(), path, options);
}

}  // namespace msgsim::cli
