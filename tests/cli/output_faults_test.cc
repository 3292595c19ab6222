// Faults around msgsim's output: a user's files are never lost, and a write
// that fails is never silent. The built binary is run as a user runs it
// (signals, a full disk, a closed standard output, a memory limit); the
// first comment line of each test says what broke before.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sim/cli/cli.h"
#include "tests/support/sanitizers.h"

namespace msgsim {
namespace {

namespace fs = std::filesystem;

const std::string kBinary = MSGSIM_BINARY;

std::string data(const std::string& name) { return std::string(MSGSIM_SOURCE_DIR) + "/tests/cli/data/" + name; }

std::string slurp(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_file(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// A fresh directory per test, removed after it.
class OutputFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / fmt::format("msgsim_{}_{}", info->name(), ::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path path(const std::string& name) const { return dir_ / name; }

  // The names in the directory, sorted: no temporary file may be left.
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(dir_)) out.push_back(entry.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  // A scenario whose run lasts seconds (thousands of messages).
  fs::path long_scenario() const {
    const fs::path scenario = path("long.toml");
    const int code = std::system(fmt::format("{} generate --parties 50 --messages 5000 --seed 1 -o {}", kBinary,
                                             scenario.string())
                                     .c_str());
    EXPECT_EQ(code, 0);
    return scenario;
  }

  fs::path dir_;
};

struct Shell {
  int code = -1;
  std::string out;  // what the command wrote to the pipe
};

// Runs `command` with /bin/sh; its standard output is captured.
Shell shell(const std::string& command) {
  Shell s;
  FILE* f = ::popen(command.c_str(), "r");
  if (f == nullptr) return s;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) s.out.append(buf, n);
  const int status = ::pclose(f);
  s.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return s;
}

// ---------------------------------------------------------------------------
// -o FILE: replaced only by a complete report

TEST_F(OutputFaults, AnInterruptedRunLeavesThePreviousReportIntact) {
  // -o FILE was truncated as soon as the scenario loaded: Ctrl-C or SIGTERM
  // left an empty or half-written file where the previous report was.
  const fs::path scenario = long_scenario();
  const fs::path report = path("report.json");
  for (const int sig : {SIGTERM, SIGINT, SIGHUP}) {
    write_file(report, "the previous report\n");
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::execl(kBinary.c_str(), kBinary.c_str(), "run", scenario.c_str(), "--format", "json", "-j", "1", "-o",
              report.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Wait until the run has its output open (a temporary file beside the
    // report, or the report itself touched), then stop it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (files().size() == 2 && slurp(report) == "the previous report\n" &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ::kill(pid, sig);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig) << "signal " << sig << ", status " << status;
    EXPECT_EQ(slurp(report), "the previous report\n") << "signal " << sig;
    EXPECT_EQ(files(), (std::vector<std::string>{"long.toml", "report.json"})) << "signal " << sig;
  }
}

TEST_F(OutputFaults, ACompleteReportReplacesTheFileAndKeepsItsMode) {
  const fs::path report = path("report.md");
  write_file(report, "old");
  ::chmod(report.c_str(), 0640);
  const Shell s = shell(fmt::format("{} run {} --format markdown -o {} 2>&1", kBinary, data("two_messages.toml"),
                                    report.string()));
  EXPECT_EQ(s.code, 0) << s.out;
  EXPECT_EQ(s.out, "");
  EXPECT_TRUE(slurp(report).starts_with("# Alice and Bob on iMessage\n"));
  struct stat st {};
  ASSERT_EQ(::stat(report.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(files(), std::vector<std::string>{"report.md"});

  // Through a symbolic link: the link stays, the file it names is replaced.
  fs::create_symlink("report.md", path("link.md"));
  EXPECT_EQ(shell(fmt::format("{} run {} --format csv -o {}", kBinary, data("two_messages.toml"),
                              path("link.md").string()))
                .code,
            0);
  EXPECT_TRUE(fs::is_symlink(path("link.md")));
  EXPECT_TRUE(slurp(report).starts_with("protocol,message,"));
  EXPECT_EQ(files(), (std::vector<std::string>{"link.md", "report.md"}));

  // Not a regular file: written as it is (nothing to replace).
  EXPECT_EQ(shell(fmt::format("{} run {} -o /dev/null", kBinary, data("two_messages.toml"))).code, 0);
  // generate -o as well.
  const fs::path generated = path("g.toml");
  EXPECT_EQ(shell(fmt::format("{} generate --parties 3 --messages 4 --seed 1 -o {}", kBinary, generated.string())).code,
            0);
  EXPECT_TRUE(slurp(generated).starts_with("# Written by: msgsim generate"));
}

TEST_F(OutputFaults, AnOutputThatIsTheScenarioIsRefused) {
  // run s.toml -o s.toml replaced the scenario with its report and exited 0.
  const std::string lesson = slurp(data("two_messages.toml"));
  const fs::path scenario = path("s.toml");
  write_file(scenario, lesson);
  fs::create_symlink("s.toml", path("link.toml"));
  fs::create_hard_link(scenario, path("hard.toml"));
  const std::string hint = "hint: write the report to another file, e.g. -o report.txt\n";
  for (const std::string& output : {scenario.string(), path("link.toml").string(), path("hard.toml").string(),
                                    (dir_ / "." / "s.toml").string()}) {
    const Shell s = shell(fmt::format("{} run {} -o {} 2>&1", kBinary, scenario.string(), output));
    EXPECT_EQ(s.code, 2) << output;
    EXPECT_EQ(s.out, fmt::format("msgsim: error: the output '{}' is the scenario itself: the report would replace it\n",
                                 output) +
                         hint)
        << output;
    EXPECT_EQ(slurp(scenario), lesson) << output;
  }
  // The scenario read from standard input is that file too.
  const Shell s = shell(fmt::format("{} run - -o {} < {} 2>&1", kBinary, scenario.string(), scenario.string()));
  EXPECT_EQ(s.code, 2);
  EXPECT_EQ(s.out, fmt::format("msgsim: error: the output '{}' is the scenario itself: the report would replace it\n",
                               scenario.string()) +
                       hint);
  EXPECT_EQ(slurp(scenario), lesson);
  // Standard output appended to the scenario: the report went into it.
  const Shell appended = shell(fmt::format("{} run {} 2>&1 >> {}", kBinary, scenario.string(), scenario.string()));
  EXPECT_EQ(appended.code, 2);
  EXPECT_EQ(appended.out,
            "msgsim: error: standard output is the scenario itself: the report would be written into it\n"
            "hint: the shell empties a file named after '>' before msgsim starts; if the scenario is empty now, "
            "restore it, and send the report elsewhere, e.g. > report.txt\n");
  EXPECT_EQ(slurp(scenario), lesson);
  EXPECT_EQ(files(), (std::vector<std::string>{"hard.toml", "link.toml", "s.toml"}));
}

// ---------------------------------------------------------------------------
// Standard output: a failed write is an error

TEST_F(OutputFaults, AFailedWriteToStandardOutputIsAnError) {
  // `run ... > /dev/full`, or with standard output closed, exited 0 having
  // written nothing; so did generate, list and validate.
  const std::vector<std::string> commands = {
      "run " + data("two_messages.toml"),
      "run " + data("two_messages.toml") + " --format json",
      "run " + data("two_messages.toml") + " --format csv -o -",
      "validate " + data("two_messages.toml"),
      "list",
      "list --details",
      "generate --parties 3 --messages 4 --seed 1",
      "help run",
      "--version",
  };
  for (const auto& command : commands) {
    const Shell full = shell(fmt::format("{} {} 2>&1 >/dev/full", kBinary, command));
    EXPECT_EQ(full.code, 2) << command;
    EXPECT_EQ(full.out,
              "msgsim: error: cannot write to standard output: No space left on device\n"
              "hint: the disk is full: free some space, or write elsewhere\n")
        << command;
    const Shell closed = shell(fmt::format("{} {} 2>&1 >&-", kBinary, command));
    EXPECT_EQ(closed.code, 2) << command;
    EXPECT_EQ(closed.out,
              "msgsim: error: cannot write to standard output: Bad file descriptor\n"
              "hint: standard output is closed: send it somewhere, e.g. > report.txt\n")
        << command;
  }
  // A streamed report (written protocol by protocol during the run) stops
  // the run at the first failed write.
  const fs::path scenario = path("medium.toml");
  ASSERT_EQ(shell(fmt::format("{} generate --parties 10 --messages 300 --seed 1 -o {}", kBinary, scenario.string())).code,
            0);
  const Shell big = shell(fmt::format("{} run {} --format csv 2>&1 >/dev/full", kBinary, scenario.string()));
  EXPECT_EQ(big.code, 2);
  EXPECT_EQ(big.out,
            "msgsim: error: cannot write to standard output: No space left on device\n"
            "hint: the disk is full: free some space, or write elsewhere\n");
}

// A stream whose every write fails.
class FullBuffer : public std::streambuf {
 protected:
  int_type overflow(int_type) override { return traits_type::eof(); }
  std::streamsize xsputn(const char*, std::streamsize) override { return 0; }
};

TEST(OutputFaultsInProcess, AFailedWriteToTheOutputStreamIsAnError) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"run", data("two_messages.toml")}, {"validate", data("two_messages.toml")}, {"list"}}) {
    std::istringstream in;
    FullBuffer full;
    std::ostream out(&full);
    std::ostringstream err;
    EXPECT_EQ(run_cli(args, CliStreams{in, out, err}), kExitUsage) << args[0];
    EXPECT_EQ(err.str(), "msgsim: error: cannot write to standard output: write error\n") << args[0];
  }
}

// ---------------------------------------------------------------------------
// Running out of memory

TEST_F(OutputFaults, RunningOutOfMemorySaysWhatRanOut) {
  // Running out of memory mid-run said "this is a bug in msgsim" (exit 70),
  // and left a half-written -o file.
  if (testing::kUnderAddressSanitizer) GTEST_SKIP() << "ASan reserves terabytes of address space";
  const fs::path scenario = long_scenario();
  const fs::path report = path("report.json");
  write_file(report, "the previous report\n");
  // 40 MB of address space: enough to load the scenario, not to run it.
  const Shell s = shell(fmt::format("ulimit -v 40000; {} run {} --format json -j 1 -o {} 2>&1", kBinary,
                                    scenario.string(), report.string()));
  EXPECT_EQ(s.code, kExitOutOfMemory) << s.out;
  EXPECT_EQ(s.out,
            "msgsim: error: ran out of memory\n"
            "hint: this scenario needs more memory than msgsim may use here; try fewer messages or parties, one "
            "protocol at a time (--protocol), or --jobs 1\n");
  EXPECT_EQ(slurp(report), "the previous report\n");
  EXPECT_EQ(files(), (std::vector<std::string>{"long.toml", "report.json"}));
}

}  // namespace
}  // namespace msgsim
