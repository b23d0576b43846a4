// subprocess: a child process whose stdin, stdout and stderr are green pipes, like
// eventlet.green.subprocess.Popen: reading, writing and waiting for its exit suspend only the
// calling greenthread.
//
//   green::subprocess p({"sort", "-r"});
//   auto [out, err, status] = p.communicate("b\na\nc\n", 5.0);  // out == "c\nb\na\n", status 0
//
// The child is started with posix_spawnp(3) (the program is looked up in PATH), with the
// default signal mask and dispositions (the parent's blocked signals, say for
// green::wait_signal(), are not blocked in it), and with every fd but 0, 1 and 2 closed, so
// nothing of the parent leaks into it. Its exit is waited for on a pidfd (Linux 5.3); where
// the kernel has none (ENOSYS), wait() looks every few milliseconds instead: a green sleep
// between waitpid(WNOHANG) calls, slower to notice the exit but still never blocking the hub.
// The status is Python's returncode: the exit code, or -N if signal N ended the child. Nothing
// else in the process may reap the child (SIGCHLD set to SIG_IGN, waitpid(-1)): wait() then
// throws std::system_error(ECHILD). A subprocess belongs to the thread that made it; one
// greenthread at a time may wait for its exit, and one read (write) each of its pipes.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../base/export.hpp"
#include "fd.hpp"

namespace eventlet::green {

// What a child's stdin, stdout or stderr is: a green pipe to the parent, the parent's own fd,
// or /dev/null.
enum class stdio { pipe, inherit, null };

struct subprocess_options {
  stdio in = stdio::pipe;
  stdio out = stdio::pipe;
  stdio err = stdio::pipe;
};

// What communicate() returns: all of the child's output and its exit status.
struct subprocess_output {
  std::string out;
  std::string err;
  int status;
};

class EVENTLET_API subprocess {
 public:
  // subprocess() starts `argv[0]` (looked up in PATH) with the arguments `argv`. Throws
  // std::invalid_argument for an empty argv, std::system_error when the child cannot be
  // started (ENOENT for a missing program, EACCES, EMFILE, ...).
  explicit subprocess(const std::vector<std::string>& argv, subprocess_options options = {});

  // ~subprocess() closes the pipes, and kills (SIGKILL) and reaps a child still running, so
  // that no zombie is left.
  ~subprocess();

  subprocess(const subprocess&) = delete;
  subprocess& operator=(const subprocess&) = delete;

  // pid() is the child's process id.
  pid_t pid() const noexcept { return pid_; }

  // in(), out() and err() are the parent's ends of the child's pipes (closed fds for a stream
  // that is not a pipe). Close in() to give the child EOF.
  fd& in() noexcept { return in_; }
  fd& out() noexcept { return out_; }
  fd& err() noexcept { return err_; }

  // wait() waits for the child to exit and returns its status. With a `timeout`, it throws
  // timeout_error if the child has not exited within `timeout` seconds. Throws
  // std::invalid_argument for a negative or NaN timeout, std::system_error (ECHILD),
  // hubs::hub_error from the hub greenlet or if another greenthread is already waiting.
  int wait(std::optional<double> timeout = std::nullopt);

  // try_wait() is wait() with a timeout that is no error: nothing if the child still runs.
  std::optional<int> try_wait(double timeout);

  // poll() returns the status if the child has exited, else nothing, without waiting.
  std::optional<int> poll();

  // send_signal() sends `signal` to the child; a no-op once it has been reaped. Throws
  // std::system_error (EINVAL for a bad signal number).
  void send_signal(int signal);

  // terminate() sends SIGTERM; kill() sends SIGKILL.
  void terminate() { send_signal(SIGTERM); }
  void kill() { send_signal(SIGKILL); }

  // communicate() writes `input` to the child's stdin and closes it, reads its stdout and
  // stderr to EOF (all at once, so a child that fills one pipe while the other is read does
  // not deadlock) and waits for its exit. A child that exits without reading its input is no
  // error (no SIGPIPE). With a `timeout` for the whole, it throws timeout_error and leaves the
  // child running (kill() it, as with Python). Throws what wait() and the pipes throw.
  subprocess_output communicate(std::string_view input = {},
                                std::optional<double> timeout = std::nullopt);

 private:
  bool reap(int options);

  pid_t pid_ = -1;
  std::optional<int> status_;
  fd pidfd_;  // closed where the kernel has no pidfd
  fd in_, out_, err_;
};

}  // namespace eventlet::green
