// sim/cli/output.h: standard output and -o files. A write that fails is an
// error, and a user's file is never left empty or half-written.
#pragma once

#include <signal.h>

#include <array>
#include <csignal>
#include <iterator>
#include <optional>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

#include "sim/cli/command.h"

namespace msgsim::cli {

// A stream buffer on a file descriptor that remembers why its first write
// failed, so that the error can say "No space left on device". After a
// failure every write fails (the stream goes bad and stays bad).
class FdWriter : public std::streambuf {
 public:
  explicit FdWriter(int fd) : fd_(fd) { setp(buffer_.data(), buffer_.data() + buffer_.size()); }
  FdWriter(const FdWriter&) = delete;
  FdWriter& operator=(const FdWriter&) = delete;

  int fd() const { return fd_; }
  int error() const { return error_; }  // errno of the first failed write, 0 if none

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override { return drain() ? 0 : -1; }

 private:
  bool drain();
  bool write_all(const char* p, std::size_t n);

  int fd_;
  int error_ = 0;
  std::array<char, 1 << 16> buffer_{};
};

// Why `os` failed: its FdWriter's error if it has one, else "write error".
std::string write_error(const std::ostream& os);

// The error for standard output that could not be written, with a hint for
// the two usual causes; returns kExitUsage.
int cannot_write_stdout(const Io& io);

// "cannot write the report to 'FILE': why": `what` is what FILE was to hold.
UsageError cannot_write(std::string_view what, const std::string& path, const std::string& why, std::string_view hint);
// The hint when FILE cannot even be opened.
inline constexpr std::string_view kCannotOpenHint = "check that the folder exists and that you may write there";

// -o FILE. The output goes to a temporary file beside FILE, which replaces
// FILE (rename) only once it is complete and on disk, so that until then
// FILE keeps its previous content, whatever stops msgsim: an error, Ctrl-C,
// SIGTERM, running out of memory. The temporary file is removed on every
// failure, and by a handler of SIGINT, SIGTERM and SIGHUP; only SIGKILL
// (the kernel's out-of-memory killer among others) leaves it behind, named
// ".FILE.msgsim-XXXXXX", with FILE intact. A symbolic link is followed (the
// link stays), the new file takes the old one's permissions, and a FILE
// that is not a regular file (/dev/null, a FIFO) is written directly.
class OutputFile {
 public:
  // The signals whose handler removes the temporary file.
  static constexpr int kCleanupSignals[] = {SIGINT, SIGTERM, SIGHUP};

  OutputFile() = default;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile() { abandon(); }

  // Prepares the output; on failure, the reason ("Permission denied").
  std::optional<std::string> open(const std::string& path);

  std::ostream& stream() { return *stream_; }

  // Writes the rest out and puts the file in place; on failure, the reason,
  // and FILE keeps its previous content.
  std::optional<std::string> commit();

 private:
  std::optional<std::string> start();
  void abandon();
  void forget_temp();
  void restore_handlers();
  void install_handlers();

  int fd_ = -1;
  std::string temp_;    // the temporary file, empty when writing FILE directly or done
  std::string target_;  // what it replaces
  std::optional<FdWriter> writer_;
  std::optional<std::ostream> stream_;
  struct sigaction previous_[std::size(kCleanupSignals)] {};
};

// The error when the output (`output`, or standard output for "" and "-")
// is the scenario file `input` in any spelling (a symbolic or hard link
// included): the report would replace it.
std::optional<UsageError> output_is_the_scenario(const Io& io, const std::string& input, const std::string& output);

}  // namespace msgsim::cli
