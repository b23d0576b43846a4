// subprocess: posix_spawnp with the child's ends of the pipes dup2'ed to 0, 1 and 2 and every
// other fd closed; the exit is waited for on a pidfd, or by looking now and then without one.
#include "subprocess.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <system_error>

#include "../base/errors.hpp"
#include "../base/fd.hpp"
#include "../base/scope_exit.hpp"
#include "../base/signal_mask.hpp"
#include "../coros/greenthread.hpp"
#include "../coros/timeout.hpp"

extern char** environ;

namespace eventlet::green {
namespace {

// A pipe whose ends are both close-on-exec; the child's end is dup2'ed to 0, 1 or 2 in the
// child, where it is no longer close-on-exec.
struct raw_pipe {
  int end[2] = {-1, -1};
  raw_pipe() { os::make_pipe(end, false, "subprocess: pipe2"); }
  ~raw_pipe() {
    for (const int e : end)
      if (e >= 0) ::close(e);
  }
  int take(int which) { return std::exchange(end[which], -1); }
};

// The status as Python's returncode: the exit code, or -N for signal N.
int returncode(int status) { return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status); }

// read_all() reads `f` until EOF.
std::string read_all(fd& f) {
  std::string all;
  char buffer[65536];
  while (const std::size_t n = f.read_into(buffer)) all.append(buffer, n);
  return all;
}

// Kills `gt` (a helper of communicate()) if it still runs; what the kill throws is dropped.
template <typename R>
void stop(greenthread<R>& gt) noexcept {
  try {
    gt.kill();
  } catch (...) {
  }
}

}  // namespace

subprocess::subprocess(const std::vector<std::string>& argv, subprocess_options options) {
  if (argv.empty()) throw std::invalid_argument("subprocess: no program given (empty argv)");
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attributes);
  const scope_exit release([&] {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  });
  // The child's stdin, stdout and stderr: a pipe end, /dev/null, or the parent's own.
  std::optional<raw_pipe> pipes[3];
  const stdio kinds[3] = {options.in, options.out, options.err};
  for (int i = 0; i < 3; ++i) {
    if (kinds[i] == stdio::pipe) {
      pipes[i].emplace();
      posix_spawn_file_actions_adddup2(&actions, pipes[i]->end[i == 0 ? 0 : 1], i);
    } else if (kinds[i] == stdio::null) {
      posix_spawn_file_actions_addopen(&actions, i, "/dev/null", i == 0 ? O_RDONLY : O_WRONLY, 0);
    }
  }
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  // The parent's blocked signals (for wait_signal()) and ignored ones are not the child's.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  if (const int e = posix_spawnp(&pid_, args[0], &actions, &attributes, args.data(), environ))
    os::throw_error(e, "subprocess: cannot start '" + argv[0] + "'");

  const long pidfd = ::syscall(SYS_pidfd_open, pid_, 0);
  if (pidfd >= 0) pidfd_ = fd(static_cast<int>(pidfd));  // else ENOSYS: wait() looks now and then
  if (pipes[0]) in_ = fd(pipes[0]->take(1));
  if (pipes[1]) out_ = fd(pipes[1]->take(0));
  if (pipes[2]) err_ = fd(pipes[2]->take(0));
}

subprocess::~subprocess() {
  if (status_ || pid_ < 0) return;
  ::kill(pid_, SIGKILL);
  int status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

bool subprocess::reap(int options) {
  if (status_) return true;
  int status;
  pid_t r;
  while ((r = ::waitpid(pid_, &status, options)) < 0 && errno == EINTR) {
  }
  if (r < 0) os::throw_error(errno, "subprocess: waitpid");
  if (r == 0) return false;
  status_ = returncode(status);
  pidfd_.close();
  return true;
}

std::optional<int> subprocess::poll() {
  reap(WNOHANG);
  return status_;
}

std::optional<int> subprocess::try_wait(double timeout) {
  if (std::isnan(timeout) || timeout < 0)
    throw std::invalid_argument("subprocess::wait: timeout must be a number >= 0");
  const double deadline = hubs::hub::clock() + timeout;
  double pause = 0.001;  // without a pidfd: how long to sleep before looking again
  while (!reap(WNOHANG)) {
    const double left = deadline - hubs::hub::clock();
    if (left <= 0) return std::nullopt;
    if (pidfd_.fileno() >= 0) {
      if (std::isinf(left))
        pidfd_.wait_readable();
      else
        pidfd_.try_wait_readable(left);
    } else {
      eventlet::sleep(std::min({pause, left}));
      pause = std::min(pause * 2, 0.05);
    }
  }
  return status_;
}

int subprocess::wait(std::optional<double> timeout) {
  const std::optional<int> status = try_wait(timeout.value_or(INFINITY));
  if (!status) throw timeout_error("subprocess::wait: the child still runs after the timeout");
  return *status;
}

void subprocess::send_signal(int signal) {
  if (status_) return;
  if (::kill(pid_, signal) < 0) os::throw_error(errno, "subprocess: kill");
}

subprocess_output subprocess::communicate(std::string_view input, std::optional<double> timeout) {
  if (timeout && (std::isnan(*timeout) || *timeout < 0))
    throw std::invalid_argument("subprocess::communicate: timeout must be a number >= 0");
  std::optional<eventlet::timeout> limit;
  if (timeout) limit.emplace(*timeout);
  const os::no_sigpipe quiet;
  auto writer = spawn([this, input = std::string(input)] {
    if (in_.fileno() < 0) return;
    try {
      in_.write(input);
    } catch (const std::system_error& e) {
      if (e.code().value() != EPIPE) throw;  // a child that reads no input is no error
    }
    in_.close();
  });
  auto errors = spawn([this] { return err_.fileno() >= 0 ? read_all(err_) : std::string(); });
  const scope_exit cleanup([&] {
    stop(writer);
    stop(errors);
  });
  subprocess_output result{out_.fileno() >= 0 ? read_all(out_) : std::string(), {}, 0};
  result.err = errors.wait();
  writer.wait();
  result.status = wait();
  return result;
}

}  // namespace eventlet::green
