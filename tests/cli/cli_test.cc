// The command line, run in-process through run_cli with string streams, and
// a few checks on the built binary itself (exit codes, no colour in a pipe).
#include "sim/cli/cli.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "msgsim/scenario.h"
#include "msgsim/settings.h"
#include "msgsim/world.h"
#include "protocols/registry.h"

namespace msgsim {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

Outcome run(const std::vector<std::string>& args, const std::string& input = "", bool terminal = false) {
  std::istringstream in(input);
  std::ostringstream out, err;
  Outcome o;
  o.code = run_cli(args, CliStreams{in, out, err, terminal});
  o.out = out.str();
  o.err = err.str();
  return o;
}

std::string data(const std::string& name) { return std::string(MSGSIM_SOURCE_DIR) + "/tests/cli/data/" + name; }

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// ---------------------------------------------------------------------------
// help, version, command-line errors

TEST(CliHelp, ListsCommandsAndExamples) {
  const Outcome o = run({"--help"});
  EXPECT_EQ(o.code, kExitOk);
  EXPECT_EQ(o.err, "");
  for (const char* s : {"Usage:", "msgsim run FILE", "msgsim validate FILE", "msgsim list [--details]",
                        "Examples:", "Exit status:"})
    EXPECT_NE(o.out.find(s), std::string::npos) << s;
  EXPECT_EQ(run({"-h"}).out, o.out);
  EXPECT_EQ(run({"help"}).out, o.out);
}

TEST(CliHelp, EachCommandHasItsOwnUsage) {
  for (const std::string command : {"run", "validate", "list", "generate"}) {
    const Outcome o = run({command, "--help"});
    EXPECT_EQ(o.code, kExitOk) << command;
    EXPECT_TRUE(o.out.starts_with("Usage: msgsim " + command)) << o.out;
    EXPECT_NE(o.out.find("Examples:"), std::string::npos) << command;
    EXPECT_EQ(run({"help", command}).out, o.out);
  }
  EXPECT_NE(run({"run", "--help"}).out.find("--format FORMAT"), std::string::npos);
}

TEST(CliVersion, PrintsTheProjectVersion) {
  const Outcome o = run({"--version"});
  EXPECT_EQ(o.code, kExitOk);
  EXPECT_EQ(o.out, "msgsim 0.1.0\n");
  EXPECT_EQ(o.err, "");
}

TEST(CliErrors, NoCommandIsAUsageError) {
  const Outcome o = run({});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err,
            "msgsim: error: no command given\n"
            "hint: try 'msgsim run FILE', 'msgsim list' or 'msgsim --help'\n");
}

TEST(CliErrors, UnknownCommandSuggestsTheClosest) {
  const Outcome o = run({"rnu", "x.toml"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err,
            "msgsim: error: unknown command 'rnu'\n"
            "hint: did you mean 'run'? (commands: run, validate, list, generate, help)\n");
  EXPECT_EQ(run({"valdate"}).err,
            "msgsim: error: unknown command 'valdate'\n"
            "hint: did you mean 'validate'? (commands: run, validate, list, generate, help)\n");
}

TEST(CliErrors, UnrelatedCommandListsTheCommands) {
  const Outcome o = run({"frobnicate"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_EQ(o.err,
            "msgsim: error: unknown command 'frobnicate'\n"
            "hint: commands: run, validate, list, generate, help; see 'msgsim --help'\n");
}

TEST(CliErrors, UnknownFormatListsTheFormats) {
  const Outcome o = run({"run", data("two_messages.toml"), "--format", "jsn"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err,
            "msgsim: error: unknown format 'jsn'\n"
            "hint: did you mean 'json'? (formats: table, markdown, csv, json)\n");
  EXPECT_EQ(run({"run", data("two_messages.toml"), "--format=html"}).err,
            "msgsim: error: unknown format 'html'\n"
            "hint: formats: table, markdown, csv, json\n");
}

TEST(CliErrors, UnknownOptionSuggestsTheClosest) {
  const Outcome o = run({"run", data("two_messages.toml"), "--fromat", "json"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_EQ(o.err,
            "msgsim: error: unknown option '--fromat' for 'msgsim run'\n"
            "hint: did you mean '--format'? (see 'msgsim run --help')\n");
  EXPECT_EQ(run({"list", "--detail"}).err,
            "msgsim: error: unknown option '--detail' for 'msgsim list'\n"
            "hint: did you mean '--details'? (see 'msgsim list --help')\n");
}

TEST(CliErrors, ArgumentsAreEchoedEscapedAndCut) {
  // U+202E (right-to-left override), a C1 CSI (U+009B) and ESC in an
  // argument reached stderr raw, and a long argument was echoed in full.
  EXPECT_EQ(run({"run", data("two_messages.toml"), "--format", "\xe2\x80\xaenosj\xc2\x9b" "31m\x1b[2J"}).err,
            "msgsim: error: unknown format '\\u202Enosj\\u009B31m\\x1b[2J'\n"
            "hint: formats: table, markdown, csv, json\n");
  EXPECT_EQ(run({"validate", "a.toml", std::string(100000, 'x')}).err,
            "msgsim: error: unexpected argument '" + std::string(48, 'x') + "...'\n"
            "hint: see 'msgsim validate --help'\n");
  EXPECT_EQ(run({"generate", "--parties", "3", "--messages", "4", "--seed", "1", "--protocols",
                 "signal," + std::string(1000, 'y')})
                .err,
            "msgsim: error: unknown protocol '" + std::string(48, 'y') + "...' in --protocols\n"
            "hint: protocols: " + fmt::format("{}", fmt::join(model_names(), ", ")) + "\n");
  // A file's name is shown escaped too, never cut.
  const Outcome o = run({"validate", "/nonexistent/\x1b]0;evil\x07" + std::string(60, 'z') + ".toml"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_TRUE(o.err.starts_with("/nonexistent/\\x1b]0;evil\\x07" + std::string(60, 'z') + ".toml: error: ")) << o.err;
}

TEST(CliErrors, OptionWithoutValue) {
  const Outcome o = run({"run", data("two_messages.toml"), "--format"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_EQ(o.err,
            "msgsim: error: option '--format' needs a value\n"
            "hint: see 'msgsim run --help'\n");
}

TEST(CliErrors, RepeatedOptionSaysSo) {
  // A repeated option said "needs a value".
  const Outcome o = run({"run", data("two_messages.toml"), "--format", "json", "-f", "csv"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_EQ(o.err,
            "msgsim: error: option '--format' is given 2 times\n"
            "hint: give it once; see 'msgsim run --help'\n");
  EXPECT_EQ(run({"generate", "--parties", "3", "--parties=4", "--messages", "1", "--seed", "1"}).err,
            "msgsim: error: option '--parties' is given 2 times\n"
            "hint: give it once; see 'msgsim generate --help'\n");
  // --protocol is the option made to be repeated.
  EXPECT_EQ(run({"run", data("two_protocols.toml"), "-p", "imessage", "-p", "imessage-icloud", "-q"}).code, kExitOk);
}

TEST(CliErrors, StrayArgument) {
  const Outcome o = run({"validate", data("two_messages.toml"), "extra.toml"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_EQ(o.err,
            "msgsim: error: unexpected argument 'extra.toml'\n"
            "hint: see 'msgsim validate --help'\n");
}

TEST(CliErrors, MissingFile) {
  const Outcome o = run({"run", "--format", "json"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_EQ(o.err,
            "msgsim: error: 'msgsim run' needs a scenario FILE\n"
            "hint: msgsim run lesson.toml (or '-' for standard input); see 'msgsim run --help'\n");
}

TEST(CliErrors, SeedMustBeAnUnsignedNumber) {
  for (const std::string seed : {"-1", "seven", "7x", "", "18446744073709551616"}) {
    const Outcome o = run({"run", data("two_messages.toml"), "--seed", seed});
    EXPECT_EQ(o.code, kExitUsage) << seed;
    EXPECT_TRUE(o.err.starts_with("msgsim: error: --seed '" + seed + "' is not a number\nhint: ")) << o.err;
  }
}

TEST(CliErrors, ProtocolOutsideTheScenario) {
  const std::string file = data("two_messages.toml");
  const Outcome o = run({"run", file, "--protocol", "imessage-icloud"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_EQ(o.err, "msgsim: error: protocol 'imessage-icloud' is not in " + file +
                       "\nhint: this scenario's protocols: imessage; add \"imessage-icloud\" to `protocols` in the "
                       "file to compare it\n");
}

TEST(CliErrors, UnknownProtocolSuggestsTheClosest) {
  const Outcome o = run({"run", data("two_messages.toml"), "-p", "imesage"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_EQ(o.err,
            "msgsim: error: unknown protocol 'imesage'\n"
            "hint: did you mean 'imessage'? (this scenario's protocols: imessage)\n");
}

// ---------------------------------------------------------------------------
// list

TEST(CliList, NamesEveryModelWithItsSummary) {
  const Outcome o = run({"list"});
  EXPECT_EQ(o.code, kExitOk);
  EXPECT_EQ(o.err, "");
  ASSERT_FALSE(all_models().empty());
  for (const auto& m : all_models()) {
    EXPECT_NE(o.out.find(std::string(m.name)), std::string::npos) << m.name;
    EXPECT_NE(o.out.find(std::string(m.summary)), std::string::npos) << m.summary;
  }
  EXPECT_EQ(o.out.find("icloud_backup"), std::string::npos);  // details only with --details
}

TEST(CliList, DetailsShowSettingsPowersAndProviders) {
  const Outcome o = run({"list", "--details"});
  EXPECT_EQ(o.code, kExitOk);
  for (const auto& s : settings_table()) {
    EXPECT_NE(o.out.find(fmt::format("  {} = {}", s.name, s.default_value)), std::string::npos) << s.name;
    // The first words of the help, wherever the line wraps.
    EXPECT_NE(o.out.find(std::string(s.help.substr(0, s.help.find(' ', 12)))), std::string::npos) << s.name;
  }
  EXPECT_NE(o.out.find("[later]"), std::string::npos);
  for (PowerKind k : {PowerKind::kCompel, PowerKind::kIntercept, PowerKind::kTap, PowerKind::kExploit,
                      PowerKind::kSeize})
    EXPECT_NE(o.out.find(fmt::format("\n  {}: ", to_string(k))), std::string::npos) << to_string(k);
  ASSERT_FALSE(builtin_providers().empty());
  for (const auto& p : builtin_providers())
    EXPECT_NE(o.out.find(fmt::format("\n  {} ({})\n", p.name, p.label)), std::string::npos) << p.name;
  for (const auto& m : all_models()) {
    EXPECT_NE(o.out.find(fmt::format("\n{}: {}\n", m.name, m.summary)), std::string::npos) << m.name;
  }
  for (const auto& line : [&] {
         std::vector<std::string> v;
         std::istringstream s(o.out);
         for (std::string l; std::getline(s, l);) v.push_back(l);
         return v;
       }()) {
    // Text msgsim wraps stays narrow; a model's one-line summary is printed as written.
    const bool summary = std::any_of(all_models().begin(), all_models().end(), [&](const ModelInfo& m) {
      return line.find(std::string(m.summary)) != std::string::npos;
    });
    if (!summary) {
      EXPECT_LE(line.size(), 80u) << "wrapped lines stay readable: " << line;
    }
  }
}

// ---------------------------------------------------------------------------
// validate

TEST(CliValidate, GoodFileSaysOkWithCounts) {
  const std::string file = data("two_messages.toml");
  const Outcome o = run({"validate", file});
  EXPECT_EQ(o.code, kExitOk);
  EXPECT_EQ(o.out, file + ": ok (2 parties, 2 messages, 1 protocol)\n");
  EXPECT_EQ(o.err, "");
}

TEST(CliValidate, BadFileGivesFileLineColumnAndExit2) {
  const std::string file = data("unknown_protocol.toml");
  const Outcome o = run({"validate", file});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_EQ(o.out, "");
  EXPECT_TRUE(o.err.starts_with(file + ":2:")) << o.err;
  EXPECT_NE(o.err.find("imessag"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("\nhint: "), std::string::npos) << o.err;
  EXPECT_EQ(o.err.back(), '\n');
}

TEST(CliValidate, MissingFileIsAnError) {
  const Outcome o = run({"validate", data("no_such_file.toml")});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_NE(o.err.find("no_such_file.toml"), std::string::npos) << o.err;
}

TEST(CliValidate, ReadsStandardInputForDash) {
  const Outcome o = run({"validate", "-"}, slurp(data("two_messages.toml")));
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "-: ok (2 parties, 2 messages, 1 protocol)\n");
}

// ---------------------------------------------------------------------------
// run

TEST(CliRun, ExpectationsHoldExit0) {
  const Outcome o = run({"run", data("two_messages.toml")});
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.err, "");
  EXPECT_TRUE(o.out.starts_with("Alice and Bob on iMessage\n")) << o.out;
  EXPECT_NE(o.out.find("Expectations: 2 hold, 0 failed"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find('\x1b'), std::string::npos);
}

TEST(CliRun, FailedExpectationExit1WithPositionOnStderr) {
  const std::string file = data("failing_expectation.toml");
  const Outcome o = run({"run", file});
  EXPECT_EQ(o.code, kExitExpectationFailed);
  EXPECT_NE(o.out.find("FAILED imessage #1"), std::string::npos) << o.out;  // the report still prints
  EXPECT_EQ(o.err, file + ":17:1: expectation failed: imessage message 1 is readable by alice, bob; expected alice "
                          "(unexpected: bob)\nmsgsim: 1 of 1 expectation failed\n");
}

TEST(CliRun, QuietPrintsOnlyFailures) {
  const Outcome ok = run({"run", data("two_messages.toml"), "--quiet"});
  EXPECT_EQ(ok.code, kExitOk);
  EXPECT_EQ(ok.out, "");
  EXPECT_EQ(ok.err, "");
  const Outcome failed = run({"run", data("failing_expectation.toml"), "-q"});
  EXPECT_EQ(failed.code, kExitExpectationFailed);
  EXPECT_EQ(failed.out, "");
  EXPECT_NE(failed.err.find("expectation failed"), std::string::npos);
}

TEST(CliRun, JsonIsByteIdenticalForTheSameSeed) {
  std::vector<std::string> files{data("two_protocols.toml")};
  const fs::path scenarios = fs::path(MSGSIM_SOURCE_DIR) / "scenarios";
  if (fs::exists(scenarios))
    for (const auto& entry : fs::directory_iterator(scenarios))
      if (entry.path().extension() == ".toml") files.push_back(entry.path().string());
  for (const auto& file : files) {
    const Outcome a = run({"run", file, "--format", "json", "--seed", "11"});
    const Outcome b = run({"run", file, "--format", "json", "--seed", "11"});
    ASSERT_LE(a.code, kExitExpectationFailed) << file << "\n" << a.err;
    EXPECT_EQ(a.code, b.code) << file;
    EXPECT_EQ(a.out, b.out) << file;
    const auto j = nlohmann::json::parse(a.out);
    EXPECT_EQ(j["seed"].get<std::uint64_t>(), 11u) << file;
    EXPECT_EQ(j["results"].size(), j["protocols"].size() * j["messages"].size() * j["actors"].size()) << file;
  }
}

TEST(CliRun, ProtocolRestrictsTheReport) {
  const std::string file = data("two_protocols.toml");
  const Outcome both = run({"run", file, "--format", "json"});
  ASSERT_EQ(both.code, kExitOk) << both.err;
  EXPECT_EQ(nlohmann::json::parse(both.out)["protocols"], nlohmann::json({"imessage", "imessage-icloud"}));
  const Outcome one = run({"run", file, "--format", "json", "--protocol", "imessage-icloud"});
  ASSERT_EQ(one.code, kExitOk) << one.err;
  const auto j = nlohmann::json::parse(one.out);
  EXPECT_EQ(j["protocols"], nlohmann::json({"imessage-icloud"}));
  for (const auto& r : j["results"]) EXPECT_EQ(r["protocol"].get<std::string>(), "imessage-icloud");
}

TEST(CliRun, EveryFormatPresentsTheSameCells) {
  const std::string file = data("two_protocols.toml");
  const Outcome csv = run({"run", file, "--format", "csv"});
  const Outcome md = run({"run", file, "--format", "markdown"});
  const Outcome table = run({"run", file, "--format", "table"});
  for (const auto* o : {&csv, &md, &table}) EXPECT_EQ(o->code, kExitOk) << o->err;
  EXPECT_TRUE(csv.out.starts_with("protocol,message,at,from,to,actor,actor_kind,readable,how,delivery\n"));
  const auto rows = static_cast<std::size_t>(std::count(csv.out.begin(), csv.out.end(), '\n'));
  // 2 protocols x 2 messages x (alice, bob, apple, carrier, us-gov), plus the header.
  EXPECT_EQ(rows, 1u + 2u * 2u * 5u) << csv.out;
  EXPECT_TRUE(md.out.starts_with("# Backup on or off\n")) << md.out;
  EXPECT_NE(md.out.find("\n## imessage-icloud\n"), std::string::npos);
  EXPECT_NE(table.out.find("Summary: messages each actor can read (out of 2)"), std::string::npos);
}

TEST(CliRun, OutputFileGetsTheReportAndNoColour) {
  const fs::path path = fs::temp_directory_path() / fmt::format("msgsim_cli_test_{}.md", ::getpid());
  const Outcome o = run({"run", data("two_messages.toml"), "--format", "markdown", "-o", path.string()}, "", true);
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "");
  const std::string written = slurp(path.string());
  fs::remove(path);
  EXPECT_EQ(written, run({"run", data("two_messages.toml"), "--format", "markdown"}).out);
}

TEST(CliRun, OutputFileThatCannotBeWritten) {
  const Outcome o = run({"run", data("two_messages.toml"), "-o", "/nonexistent-dir/report.txt"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_TRUE(o.err.starts_with("msgsim: error: cannot write the report to '/nonexistent-dir/report.txt': ")) << o.err;
}

TEST(CliRun, ColourOnlyOnATerminalAndNotWithNoColor) {
  const std::string file = data("two_messages.toml");
  EXPECT_NE(run({"run", file}, "", true).out.find("\x1b[32m✔ reads"), std::string::npos);
  EXPECT_EQ(run({"run", file, "--no-color"}, "", true).out.find('\x1b'), std::string::npos);
  EXPECT_EQ(run({"run", file}, "", false).out.find('\x1b'), std::string::npos);
  EXPECT_EQ(run({"run", file, "--format", "json"}, "", true).out.find('\x1b'), std::string::npos);
}

TEST(CliRun, InvalidScenarioExit2) {
  const std::string file = data("unknown_protocol.toml");
  const Outcome o = run({"run", file});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, run({"validate", file}).err);
}

TEST(CliRun, ReadsTheScenarioFromStandardInput) {
  const std::string text = slurp(data("two_messages.toml"));
  const Outcome from_stdin = run({"run", "-", "--format", "csv"}, text);
  EXPECT_EQ(from_stdin.code, kExitOk) << from_stdin.err;
  EXPECT_EQ(from_stdin.out, run({"run", data("two_messages.toml"), "--format", "csv"}).out);
}

// ---------------------------------------------------------------------------
// msgsim generate

TEST(CliGenerate, WritesAScenarioThatValidatesAndRuns) {
  const Outcome g = run({"generate", "--parties", "6", "--messages", "30", "--seed", "4"});
  EXPECT_EQ(g.code, kExitOk) << g.err;
  EXPECT_EQ(g.err, "");
  const Outcome v = run({"validate", "-"}, g.out);
  EXPECT_EQ(v.code, kExitOk) << v.err;
  EXPECT_EQ(v.out, "-: ok (6 parties, 30 messages, 3 protocols)\n");
  const Outcome r = run({"run", "-", "--format", "csv", "--protocol", "signal"}, g.out);
  EXPECT_EQ(r.code, kExitOk) << r.err;
}

TEST(CliGenerate, SameOptionsInAnyOrderGiveTheSameBytes) {
  const Outcome a = run({"generate", "--parties", "5", "--messages", "50", "--seed", "3", "--protocols", "signal"});
  const Outcome b = run({"generate", "--protocols=signal", "--seed", "3", "--messages", "50", "--parties", "5"});
  EXPECT_EQ(a.code, kExitOk) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out, run({"generate", "--parties", "5", "--messages", "50", "--seed", "4", "--protocols", "signal"}).out);
}

TEST(CliGenerate, OutputFileGetsTheScenario) {
  const fs::path path = fs::temp_directory_path() / fmt::format("msgsim_cli_test_{}.toml", ::getpid());
  const Outcome o = run({"generate", "--parties", "3", "--messages", "4", "--seed", "1", "-o", path.string()});
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "");
  const std::string written = slurp(path.string());
  fs::remove(path);
  EXPECT_EQ(written, run({"generate", "--parties", "3", "--messages", "4", "--seed", "1"}).out);
  const Outcome bad =
      run({"generate", "--parties", "3", "--messages", "4", "--seed", "1", "-o", "/nonexistent-dir/big.toml"});
  EXPECT_EQ(bad.code, kExitUsage);
  EXPECT_TRUE(bad.err.starts_with("msgsim: error: cannot write the scenario to '/nonexistent-dir/big.toml': "))
      << bad.err;
}

TEST(CliGenerate, BadOptionsExit2WithAHint) {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<Case> cases{
      {{"generate", "--parties", "3", "--messages", "4"},
       "msgsim: error: 'msgsim generate' needs --seed\n"
       "hint: e.g. msgsim generate --parties 100 --messages 1000 --seed 1; see 'msgsim generate --help'\n"},
      {{"generate", "--parties", "many", "--messages", "4", "--seed", "1"},
       "msgsim: error: --parties 'many' is not a number\n"
       "hint: --parties takes a whole number from 2 to 100000, e.g. --parties 100\n"},
      {{"generate", "--parties", "3", "--messages", "-4", "--seed", "1"},
       "msgsim: error: --messages '-4' is not a number\n"
       "hint: --messages takes a whole number from 0 to 1000000, e.g. --messages 1000\n"},
      {{"generate", "--parties", "1", "--messages", "4", "--seed", "1"},
       "msgsim: error: --parties must be at least 2, got 1\n"
       "hint: a message goes between two different parties, e.g. --parties 10\n"},
      {{"generate", "--parties", "3", "--messages", "4", "--seed", "1", "--protocols", "imessage,signl"},
       "msgsim: error: unknown protocol 'signl' in --protocols\n"
       "hint: did you mean 'signal'? (protocols: " + fmt::format("{}", fmt::join(model_names(), ", ")) + ")\n"},
      {{"generate", "--parties", "3", "--messages", "4", "--seed", "1", "--protocols", "signal,,imessage"},
       "msgsim: error: --protocols 'signal,,imessage' has an empty name\n"
       "hint: separate the names with single commas, e.g. --protocols imessage,signal\n"},
      {{"generate", "--parties", "3", "--messages", "4", "--seed", "1", "--mesages", "5"},
       "msgsim: error: unknown option '--mesages' for 'msgsim generate'\n"
       "hint: did you mean '--messages'? (see 'msgsim generate --help')\n"},
  };
  for (const auto& c : cases) {
    const Outcome o = run(c.args);
    EXPECT_EQ(o.code, kExitUsage) << fmt::format("{}", fmt::join(c.args, " "));
    EXPECT_EQ(o.out, "");
    EXPECT_EQ(o.err, c.err);
  }
}

// ---------------------------------------------------------------------------
// The built binary: exit codes reach the shell, and a pipe gets no colour.

struct Process {
  int code = -1;
  std::string out;
};

Process shell(const std::string& command) {
  Process p;
  FILE* f = ::popen(command.c_str(), "r");
  if (f == nullptr) return p;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) p.out.append(buf, n);
  const int status = ::pclose(f);
  p.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return p;
}

TEST(CliBinary, ExitCodesReachTheShell) {
  const std::string bin = MSGSIM_BINARY;
  EXPECT_EQ(shell(bin + " --version").out, "msgsim 0.1.0\n");
  EXPECT_EQ(shell(bin + " --version").code, 0);
  EXPECT_EQ(shell(bin + " rnu 2>/dev/null").code, 2);
  EXPECT_EQ(shell(bin + " run " + data("failing_expectation.toml") + " 2>/dev/null").code, 1);
  const Process piped = shell(bin + " run " + data("two_messages.toml"));
  EXPECT_EQ(piped.code, 0);
  EXPECT_NE(piped.out.find("✔ reads"), std::string::npos);
  EXPECT_EQ(piped.out.find('\x1b'), std::string::npos);
}

TEST(CliBinary, StandardInputThatCannotBeReadIsAnError) {
  // A closed standard input, or a directory, read as an empty file
  // ("missing required key 'title'").
  const std::string bin = MSGSIM_BINARY;
  const std::string hint = "hint: pipe the scenario in (msgsim validate - < lesson.toml), or give its file name\n";
  const Process directory = shell(bin + " validate - < / 2>&1");
  EXPECT_EQ(directory.code, 2);
  EXPECT_EQ(directory.out, "-: error: cannot read the scenario from standard input: Is a directory\n" + hint);
  const Process closed = shell(bin + " run - <&- 2>&1");
  EXPECT_EQ(closed.code, 2);
  EXPECT_EQ(closed.out, "-: error: cannot read the scenario from standard input: Bad file descriptor\n" + hint);
}

TEST(CliBinary, ATooLargeStandardInputIsRefused) {
  const Process p = shell("head -c 67200000 /dev/zero | tr '\\0' '#' | " + std::string(MSGSIM_BINARY) + " validate - 2>&1");
  EXPECT_EQ(p.code, 2);
  EXPECT_EQ(p.out, "-: error: file too large: more than 67108864 bytes, the limit is 67108864 bytes\n"
                   "hint: a scenario is a short hand-written file; is this the right file?\n");
}

}  // namespace
}  // namespace msgsim

namespace msgsim {
namespace {

struct JobsRun {
  int code;
  std::string out, err;
};

JobsRun run_with(const std::vector<std::string>& args, bool progress_terminal) {
  std::istringstream in;
  std::ostringstream out, err;
  const int code = run_cli(args, CliStreams{in, out, err, false, progress_terminal});
  return {code, out.str(), err.str()};
}

TEST(CliJobs, EveryThreadCountGivesTheSameReport) {
  const std::string lesson = std::string(MSGSIM_SOURCE_DIR) + "/scenarios/article.toml";
  const JobsRun one = run_with({"run", lesson, "--format", "json", "-j", "1"}, false);
  const JobsRun three = run_with({"run", lesson, "--format", "json", "--jobs", "3"}, false);
  EXPECT_EQ(one.code, 0);
  EXPECT_EQ(one.out, three.out);
}

TEST(CliJobs, ZeroOrNonNumericJobsIsAUsageError) {
  for (const std::string bad : {"0", "two", "-1", "5000"}) {
    const JobsRun r = run_with({"run", "x.toml", "-j", bad}, false);
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_EQ(r.err, fmt::format("msgsim: error: --jobs '{}' is not a number of threads\nhint: use 1 to 1024, e.g. -j 2\n", bad));
  }
}

TEST(CliProgress, AShortRunPrintsNoProgressEvenOnATerminal) {
  const JobsRun r = run_with({"run", std::string(MSGSIM_SOURCE_DIR) + "/scenarios/01-both-backups-off.toml", "-q"}, true);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err, "");
}

}  // namespace
}  // namespace msgsim
