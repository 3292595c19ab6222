// The msgsim command line: dispatch to the subcommands (sim/cli/command.h
// has their table; each lives in its own file), and the process's entry.
#include "sim/cli/cli.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "msgsim/loader.h"
#include "sim/cli/command.h"
#include "sim/cli/output.h"

#ifndef MSGSIM_VERSION
#error "MSGSIM_VERSION must be defined by the build (sim/CMakeLists.txt)"
#endif

namespace msgsim {
namespace {

using cli::fail;
using cli::Io;

int dispatch(const std::vector<std::string>& args, const Io& io) {
  if (args.empty())
    return fail(io, {"no command given", "try 'msgsim run FILE', 'msgsim list' or 'msgsim --help'"});
  const std::string& first = args[0];
  if (first == "-h" || first == "--help") return cli::kHelpCommand.run({}, io);
  if (first == "--version" || first == "-V") {
    io.out() << "msgsim " << MSGSIM_VERSION << "\n";
    return kExitOk;
  }
  if (first.size() > 1 && first[0] == '-') {
    const std::string name = first.substr(0, first.find('='));
    const std::string guess = closest_match(name, {"--help", "--version"});
    return fail(io, {fmt::format("unknown option {}", cli::quote_arg(name)),
                     guess.empty() ? "options go after the command, e.g. 'msgsim run FILE --format json'; see 'msgsim --help'"
                                   : fmt::format("did you mean '{}'?", guess)});
  }
  const cli::Command* c = cli::find_command(first);
  if (c == nullptr) return fail(io, cli::unknown_command(first));
  return c->run(std::vector<std::string>(args.begin() + 1, args.end()), io);
}

}  // namespace

int run_cli(const std::vector<std::string>& args, CliStreams streams) {
  const Io io{streams};
  try {
    const int code = dispatch(args, io);
    // What a command printed must have reached standard output (unless the
    // command failed and said why already).
    io.out().flush();
    if (code != kExitUsage && !io.out()) return cli::cannot_write_stdout(io);
    return code;
  } catch (const std::bad_alloc&) {
    // Not a bug: the scenario is too large for the memory msgsim may use.
    // (No formatting here: it would allocate.) A -o file keeps its
    // previous content (OutputFile).
    io.err() << "msgsim: error: ran out of memory\n"
             << "hint: this scenario needs more memory than msgsim may use here; try fewer messages or parties, one "
                "protocol at a time (--protocol), or --jobs 1\n";
    return kExitOutOfMemory;
  } catch (const std::exception& e) {
    io.err() << "msgsim: internal error: " << e.what() << "\n"
             << "hint: this is a bug in msgsim; please report it with the scenario file\n";
  } catch (...) {
    io.err() << "msgsim: internal error: unknown exception\n"
             << "hint: this is a bug in msgsim; please report it with the scenario file\n";
  }
  return kExitInternalError;
}

namespace {

// A standard descriptor that is closed (msgsim run - <&-) is opened on
// /dev/null the wrong way round (gnulib's stdopen does the same): the next
// file msgsim opens cannot take its number (the -o file would become
// "standard output"), and every use of it still fails as on a closed
// descriptor (EBADF), which msgsim reports.
void occupy_closed_standard_descriptors() {
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int opened = ::open("/dev/null", (fd == STDIN_FILENO ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
    if (opened >= 0 && opened != fd) {
      ::dup2(opened, fd);  // dup2 clears O_CLOEXEC on fd
      ::close(opened);
    } else if (opened == fd) {
      ::fcntl(fd, F_SETFD, 0);
    }
  }
}

}  // namespace

int cli_main(int argc, char** argv) {
  occupy_closed_standard_descriptors();
  // Standard output through an FdWriter, which knows why a write failed.
  cli::FdWriter out_buffer(STDOUT_FILENO);
  std::ostream out(&out_buffer);
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  const char* no_color = std::getenv("NO_COLOR");
  const bool color = isatty(STDOUT_FILENO) == 1 && (no_color == nullptr || *no_color == '\0');
  const bool progress = isatty(STDERR_FILENO) == 1;
  return run_cli(args, CliStreams{std::cin, out, std::cerr, color, progress});
}

}  // namespace msgsim
