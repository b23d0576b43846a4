// The platform floor: fd helpers, the wake-up fd, the signal mask, scope_exit, the errors.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <stdexcept>
#include <system_error>
#include <thread>

#include "base/errors.hpp"
#include "base/fd.hpp"
#include "base/scope_exit.hpp"
#include "base/signal_mask.hpp"
#include "base/wake_fd.hpp"

namespace os = eventlet::os;

namespace {
bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}
}  // namespace

TEST_CASE("make_pipe, set_nonblocking, is_open, duplicate") {
  int ends[2];
  os::make_pipe(ends, false, "test pipe");
  CHECK((fcntl(ends[0], F_GETFL) & O_NONBLOCK) == 0);
  CHECK((fcntl(ends[0], F_GETFD) & FD_CLOEXEC) != 0);
  os::set_nonblocking(ends[0], "test");
  CHECK((fcntl(ends[0], F_GETFL) & O_NONBLOCK) != 0);
  char c;
  CHECK(read(ends[0], &c, 1) == -1);
  CHECK(errno == EAGAIN);

  const int copy = os::duplicate(ends[0], 100);
  REQUIRE(copy >= 100);
  CHECK((fcntl(copy, F_GETFD) & FD_CLOEXEC) != 0);
  CHECK(os::is_open(copy));
  close(copy);
  CHECK_FALSE(os::is_open(copy));
  close(ends[0]);
  close(ends[1]);

  try {
    os::set_nonblocking(copy, "set_nonblocking of a closed fd");
    FAIL("no error");
  } catch (const std::system_error& e) {
    CHECK(e.code().value() == EBADF);
    CHECK(std::string(e.what()).find("set_nonblocking of a closed fd") != std::string::npos);
  }
  CHECK(os::duplicate(copy) == -1);
}

TEST_CASE("wake_fd: notifications from any thread wake the reader once until drained") {
  os::wake_fd w;
  CHECK_FALSE(readable(w.fd()));
  CHECK((fcntl(w.fd(), F_GETFD) & FD_CLOEXEC) != 0);
  std::thread a([&] { w.notify(); }), b([&] { w.notify(); });
  a.join();
  b.join();
  CHECK(readable(w.fd()));
  w.drain();
  CHECK_FALSE(readable(w.fd()));
  w.drain();  // draining an empty one does not block
  CHECK_FALSE(readable(w.fd()));
  w.notify();
  CHECK(readable(w.fd()));
}

TEST_CASE("wake_fd takes the lowest free number and gives it back") {
  int probe = dup(0);
  close(probe);
  {
    os::wake_fd w;
    CHECK(w.fd() == probe);
  }
  CHECK_FALSE(os::is_open(probe));
}

TEST_CASE("block_signals: threads started meanwhile have asynchronous signals blocked") {
  sigset_t inherited, after;
  {
    const os::block_signals masked;
    std::thread([&] { pthread_sigmask(SIG_BLOCK, nullptr, &inherited); }).join();
  }
  CHECK(sigismember(&inherited, SIGTERM) == 1);
  CHECK(sigismember(&inherited, SIGINT) == 1);
  CHECK(sigismember(&inherited, SIGUSR1) == 1);
  CHECK(sigismember(&inherited, SIGSEGV) == 0);  // faults stay deliverable
  CHECK(sigismember(&inherited, SIGBUS) == 0);
  pthread_sigmask(SIG_BLOCK, nullptr, &after);
  CHECK(sigismember(&after, SIGTERM) == 0);  // the caller's mask is back
}

TEST_CASE("scope_exit runs on return and on exception") {
  int runs = 0;
  {
    const eventlet::scope_exit guard([&] { ++runs; });
  }
  CHECK(runs == 1);
  try {
    const eventlet::scope_exit guard([&] { ++runs; });
    throw std::runtime_error("leaving");
  } catch (const std::runtime_error&) {
  }
  CHECK(runs == 2);
}

TEST_CASE("throw_error and timeout_error") {
  CHECK_THROWS_WITH_AS(os::throw_error(ENOENT, "open x"), doctest::Contains("open x"),
                       std::system_error);
  eventlet::timeout_error plain;
  CHECK(plain.source() == 0);
  CHECK(std::string(plain.what()) == "timed out");
  eventlet::timeout_error own("limit", 7);
  CHECK(own.source() == 7);
}
