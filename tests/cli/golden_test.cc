// Golden transcripts: tests/cli/golden/*.txt each hold one command, its
// standard input (optional), and the exact stdout, stderr and exit code it
// must produce, run in-process from the source directory so that paths in
// messages are the relative ones written in the transcript.
//
//   # a comment saying what the transcript pins
//   $ msgsim run tests/cli/data/two_messages.toml --format csv
//   --- stdin            (optional; what "-" reads)
//   --- stdout
//   ...
//   --- stderr
//   ...
//   --- exit 0
//
// Arguments are separated by spaces; '...' quotes one containing spaces.
// MSGSIM_UPDATE_GOLDEN=1 rewrites every transcript with what the command
// prints now (review the diff before committing it). See docs/cli.md.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "sim/cli/cli.h"

namespace msgsim {
namespace {

namespace fs = std::filesystem;

const fs::path kGoldenDir = fs::path(MSGSIM_SOURCE_DIR) / "tests" / "cli" / "golden";

struct Transcript {
  std::string comments;  // the leading "# ..." lines, kept on update
  std::string command;   // after "$ "
  std::optional<std::string> stdin_text;
  std::string out;
  std::string err;
  int exit_code = -1;
};

std::string read_file(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Parses a transcript; on a malformed file returns nullopt and says why.
std::optional<Transcript> parse_transcript(const std::string& text, std::string& why) {
  Transcript t;
  std::istringstream in(text);
  std::string line;
  std::string* section = nullptr;
  bool have_command = false, have_exit = false;
  while (std::getline(in, line)) {
    if (!have_command) {
      if (line.starts_with("#") || line.empty()) {
        t.comments += line + "\n";
      } else if (line.starts_with("$ ")) {
        t.command = line.substr(2);
        have_command = true;
      } else {
        why = "expected '# comment' or '$ command' before: " + line;
        return std::nullopt;
      }
      continue;
    }
    if (line == "--- stdin") {
      t.stdin_text.emplace();
      section = &*t.stdin_text;
    } else if (line == "--- stdout") {
      section = &t.out;
    } else if (line == "--- stderr") {
      section = &t.err;
    } else if (line.starts_with("--- exit ")) {
      t.exit_code = std::atoi(line.c_str() + 9);
      have_exit = true;
      section = nullptr;
    } else if (section != nullptr) {
      *section += line + "\n";
    } else {
      why = "text outside a section: " + line;
      return std::nullopt;
    }
  }
  if (!have_command || !have_exit) {
    why = "a transcript needs a '$ msgsim ...' line and an '--- exit N' line";
    return std::nullopt;
  }
  return t;
}

std::string format_transcript(const Transcript& t) {
  std::string s = t.comments + "$ " + t.command + "\n";
  if (t.stdin_text) s += "--- stdin\n" + *t.stdin_text;
  s += "--- stdout\n" + t.out + "--- stderr\n" + t.err + "--- exit " + std::to_string(t.exit_code) + "\n";
  return s;
}

std::vector<std::string> split_command(const std::string& command) {
  std::vector<std::string> args;
  std::string current;
  bool quoted = false, any = false;
  for (char c : command) {
    if (c == '\'') {
      quoted = !quoted;
      any = true;
    } else if (c == ' ' && !quoted) {
      if (any) args.push_back(current);
      current.clear();
      any = false;
    } else {
      current += c;
      any = true;
    }
  }
  if (any) args.push_back(current);
  return args;
}

// Runs with the source directory as the working directory, restoring it after.
class InSourceDir {
 public:
  InSourceDir() : saved_(fs::current_path()) { fs::current_path(MSGSIM_SOURCE_DIR); }
  ~InSourceDir() { fs::current_path(saved_); }
  InSourceDir(const InSourceDir&) = delete;
  InSourceDir& operator=(const InSourceDir&) = delete;

 private:
  fs::path saved_;
};

std::vector<std::string> transcript_names() {
  std::vector<std::string> names;
  if (fs::exists(kGoldenDir))
    for (const auto& entry : fs::directory_iterator(kGoldenDir))
      if (entry.path().extension() == ".txt") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

class GoldenTranscript : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTranscript, MatchesExactly) {
  const fs::path path = kGoldenDir / (GetParam() + ".txt");
  std::string why;
  const auto expected = parse_transcript(read_file(path), why);
  ASSERT_TRUE(expected.has_value()) << path << ": " << why;

  std::vector<std::string> args = split_command(expected->command);
  ASSERT_FALSE(args.empty());
  ASSERT_EQ(args.front(), "msgsim") << path << ": the command must start with 'msgsim'";
  args.erase(args.begin());

  Transcript actual = *expected;
  {
    const InSourceDir cwd;
    std::istringstream in(expected->stdin_text.value_or(""));
    std::ostringstream out, err;
    actual.exit_code = run_cli(args, CliStreams{in, out, err, false});
    actual.out = out.str();
    actual.err = err.str();
  }
  const char* update = std::getenv("MSGSIM_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << format_transcript(actual);
    return;
  }
  EXPECT_EQ(actual.out, expected->out) << "stdout of: " << expected->command;
  EXPECT_EQ(actual.err, expected->err) << "stderr of: " << expected->command;
  EXPECT_EQ(actual.exit_code, expected->exit_code) << "exit code of: " << expected->command;
  // Every transcript must be representable: outputs end with a line break.
  EXPECT_TRUE(actual.out.empty() || actual.out.back() == '\n');
  EXPECT_TRUE(actual.err.empty() || actual.err.back() == '\n');
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Cli, GoldenTranscript, ::testing::ValuesIn(transcript_names()), test_name);

TEST(GoldenFormat, ParsesAndFormatsRoundTrip) {
  const std::string text =
      "# pins it\n$ msgsim run - --format 'a b'\n--- stdin\nx = 1\n--- stdout\nline\n\n--- stderr\n--- exit 2\n";
  std::string why;
  const auto t = parse_transcript(text, why);
  ASSERT_TRUE(t.has_value()) << why;
  EXPECT_EQ(t->comments, "# pins it\n");
  EXPECT_EQ(split_command(t->command), (std::vector<std::string>{"msgsim", "run", "-", "--format", "a b"}));
  EXPECT_EQ(t->stdin_text, "x = 1\n");
  EXPECT_EQ(t->out, "line\n\n");
  EXPECT_EQ(t->err, "");
  EXPECT_EQ(t->exit_code, 2);
  EXPECT_EQ(format_transcript(*t), text);
}

TEST(GoldenFormat, RejectsATranscriptWithoutExitCode) {
  std::string why;
  EXPECT_FALSE(parse_transcript("$ msgsim list\n--- stdout\n", why).has_value());
  EXPECT_NE(why.find("--- exit N"), std::string::npos);
  EXPECT_FALSE(parse_transcript("msgsim list\n", why).has_value());
}

TEST(GoldenFormat, EveryTranscriptIsUsed) {
  // A transcript directory emptied by mistake would make the suite pass vacuously.
  EXPECT_GE(transcript_names().size(), 10u);
}

}  // namespace
}  // namespace msgsim
