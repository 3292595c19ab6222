// Standard output and -o files: FdWriter, OutputFile and the check that the
// output is not the scenario.
#include "sim/cli/output.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace msgsim::cli {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------
// FdWriter

FdWriter::int_type FdWriter::overflow(int_type c) {
  if (!drain()) return traits_type::eof();
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

std::streamsize FdWriter::xsputn(const char* s, std::streamsize n) {
  if (n <= epptr() - pptr()) {
    std::memcpy(pptr(), s, static_cast<std::size_t>(n));
    pbump(static_cast<int>(n));
    return n;
  }
  // More than the buffer holds: write what it has, then the rest directly.
  if (!drain() || !write_all(s, static_cast<std::size_t>(n))) return 0;
  return n;
}

bool FdWriter::drain() {
  const auto n = static_cast<std::size_t>(pptr() - pbase());
  setp(buffer_.data(), buffer_.data() + buffer_.size());
  return n == 0 ? error_ == 0 : write_all(buffer_.data(), n);
}

bool FdWriter::write_all(const char* p, std::size_t n) {
  while (error_ == 0 && n > 0) {
    const ssize_t w = ::write(fd_, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      error_ = w < 0 ? errno : EIO;
      break;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return error_ == 0;
}

std::string write_error(const std::ostream& os) {
  const auto* writer = dynamic_cast<const FdWriter*>(os.rdbuf());
  return writer != nullptr && writer->error() != 0 ? std::strerror(writer->error()) : "write error";
}

int cannot_write_stdout(const Io& io) {
  const auto* writer = dynamic_cast<const FdWriter*>(io.out().rdbuf());
  const int error = writer != nullptr ? writer->error() : 0;
  io.err() << "msgsim: error: cannot write to standard output: " << write_error(io.out()) << "\n";
  if (error == ENOSPC) io.err() << "hint: the disk is full: free some space, or write elsewhere\n";
  if (error == EBADF) io.err() << "hint: standard output is closed: send it somewhere, e.g. > report.txt\n";
  return kExitUsage;
}

UsageError cannot_write(std::string_view what, const std::string& path, const std::string& why, std::string_view hint) {
  return {fmt::format("cannot write the {} to '{}': {}", what, shown_path(path), why), std::string(hint)};
}

// ---------------------------------------------------------------------------
// OutputFile

namespace {

// The temporary file that a signal handler removes: one at a time, as a
// command writes one output. A fixed buffer, because the handler may use
// nothing but async-signal-safe calls (unlink, signal, raise).
char g_pending_path[PATH_MAX + 64];
volatile std::sig_atomic_t g_pending = 0;

extern "C" void remove_pending_output(int sig) {
  if (g_pending != 0) ::unlink(g_pending_path);
  // Then die of the signal, as without the handler (the shell sees it).
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Holds the cleanup signals back for its lifetime.
class BlockedSignals {
 public:
  BlockedSignals() {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : OutputFile::kCleanupSignals) sigaddset(&set, sig);
    ::pthread_sigmask(SIG_BLOCK, &set, &saved_);
  }
  ~BlockedSignals() { ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;

 private:
  sigset_t saved_;
};

}  // namespace

std::optional<std::string> OutputFile::open(const std::string& path) {
  std::error_code ec;
  fs::path target = path;
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) return std::string(std::strerror(EISDIR));
  if (exists && !S_ISREG(st.st_mode)) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd_ < 0) return std::string(std::strerror(errno));
    return start();
  }
  if (exists) {
    // Refuse at once what the old code's open would have refused, rather
    // than after a long run (rename would replace a read-only file).
    if (::access(path.c_str(), W_OK) != 0) return std::string(std::strerror(errno));
    target = fs::canonical(path, ec);  // through symbolic links: replace the file, keep the link
    if (ec) return ec.message();
  }
  target = fs::absolute(target, ec);
  if (ec) return ec.message();
  const fs::path temp = target.parent_path() / ("." + target.filename().string() + ".msgsim-XXXXXX");
  if (temp.native().size() >= sizeof g_pending_path) return std::string(std::strerror(ENAMETOOLONG));
  std::string name = temp.native();
  // The handlers first, then the file, with the signals held back while
  // the handler's path is set: no moment when a signal leaves it behind.
  install_handlers();
  {
    const BlockedSignals blocked;
    fd_ = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd_ >= 0) {
      std::memcpy(g_pending_path, name.c_str(), name.size() + 1);
      g_pending = 1;
    }
  }
  if (fd_ < 0) {
    const int error = errno;
    restore_handlers();
    return std::string(std::strerror(error));
  }
  temp_ = name;
  target_ = target.native();
  // mkostemp makes the file 0600: give it the mode FILE has, or the one a
  // new file gets (0666 less the umask, which can only be read by setting
  // it; msgsim has no other thread yet).
  mode_t mode = 0;
  if (exists) {
    mode = st.st_mode & 07777;
    if (::fchown(fd_, st.st_uid, st.st_gid) != 0) {
      // Not the owner's to give (msgsim runs as another user): the file
      // becomes this user's, as a new one would.
    }
  } else {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0666 & ~mask;
  }
  if (::fchmod(fd_, mode) != 0) return std::string(std::strerror(errno));
  return start();
}

std::optional<std::string> OutputFile::commit() {
  stream_->flush();
  if (!*stream_) return write_error(*stream_);
  if (!temp_.empty() && ::fsync(fd_) != 0) return std::string(std::strerror(errno));
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return std::string(std::strerror(errno));
  if (temp_.empty()) return std::nullopt;
  if (::rename(temp_.c_str(), target_.c_str()) != 0) return std::string(std::strerror(errno));
  forget_temp();
  return std::nullopt;
}

std::optional<std::string> OutputFile::start() {
  writer_.emplace(fd_);
  stream_.emplace(&*writer_);
  return std::nullopt;
}

// Removes the temporary file unless commit() put it in place.
void OutputFile::abandon() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (temp_.empty()) return;
  ::unlink(temp_.c_str());
  forget_temp();
}

void OutputFile::forget_temp() {
  {
    const BlockedSignals blocked;
    g_pending = 0;
  }
  temp_.clear();
  restore_handlers();
}

void OutputFile::restore_handlers() {
  for (std::size_t i = 0; i < std::size(kCleanupSignals); ++i)
    ::sigaction(kCleanupSignals[i], &previous_[i], nullptr);
}

void OutputFile::install_handlers() {
  struct sigaction action {};
  action.sa_handler = remove_pending_output;
  sigemptyset(&action.sa_mask);
  for (std::size_t i = 0; i < std::size(kCleanupSignals); ++i) {
    // A signal the caller ignores (nohup) stays ignored.
    ::sigaction(kCleanupSignals[i], nullptr, &previous_[i]);
    if (previous_[i].sa_handler != SIG_IGN) ::sigaction(kCleanupSignals[i], &action, nullptr);
  }
}

// ---------------------------------------------------------------------------
// The output is not the scenario

namespace {

// The scenario's file, whose report must not replace it: `input`, or for
// "-" the file the process's standard input reads, if it is one.
std::optional<struct stat> scenario_file(const std::string& input, bool input_is_stdin) {
  struct stat st {};
  const int read = input == "-" ? (input_is_stdin ? ::fstat(STDIN_FILENO, &st) : -1) : ::stat(input.c_str(), &st);
  if (read != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return st;
}

// True when `output` is that file, in any spelling (a symbolic or hard link
// included).
bool is_the_scenario(const std::optional<struct stat>& scenario, const struct stat& output) {
  return scenario && scenario->st_dev == output.st_dev && scenario->st_ino == output.st_ino;
}

}  // namespace

std::optional<UsageError> output_is_the_scenario(const Io& io, const std::string& input, const std::string& output) {
  const bool to_stdout = output.empty() || output == "-";
  const auto scenario_stat = scenario_file(input, &io.in() == &std::cin);
  struct stat output_stat {};
  if (!to_stdout && ::stat(output.c_str(), &output_stat) == 0 && is_the_scenario(scenario_stat, output_stat))
    return UsageError{fmt::format("the output '{}' is the scenario itself: the report would replace it",
                                  shown_path(output)),
                      "write the report to another file, e.g. -o report.txt"};
  const auto* stdout_writer = dynamic_cast<const FdWriter*>(io.out().rdbuf());
  if (to_stdout && stdout_writer != nullptr && ::fstat(stdout_writer->fd(), &output_stat) == 0 &&
      is_the_scenario(scenario_stat, output_stat))
    return UsageError{"standard output is the scenario itself: the report would be written into it",
                      "the shell empties a file named after '>' before msgsim starts; if the scenario is empty now, "
                      "restore it, and send the report elsewhere, e.g. > report.txt"};
  return std::nullopt;
}

}  // namespace msgsim::cli
