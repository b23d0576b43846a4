// The fd table's promises: the mode the program asked for is honoured (EAGAIN when it asked for
// non-blocking, pipe2(O_NONBLOCK) included), SO_RCVTIMEO and SO_SNDTIMEO give EAGAIN after their
// time (and getsockopt gives them back), close() and dup2() wake a waiting
// greenthread with EBADF, and errno is the greenthread's own across its waits.
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <functional>
#include <string>

#include "helpers.hpp"

using hub_tests::hub_test;
using namespace patch_tests;

namespace {
// The kernel file's flags, past the library's F_GETFL.
int kernel_flags(int fd) { return int(::syscall(SYS_fcntl, fd, F_GETFL)); }

// In a greenthread: read() on fd fails at once with EAGAIN.
void check_eagain(int fd) {
  eventlet::spawn([fd] {
    char c;
    const ssize_t r = ::read(fd, &c, 1);
    const int error = errno;
    CHECK(r == -1);
    CHECK(error == EAGAIN);
  }).wait();
}
// Sets fd's `option` (SO_RCVTIMEO or SO_SNDTIMEO) to 50 ms, then makes `blocking` (a call on
// fd that cannot complete) in a greenthread beside another: it fails with EAGAIN after the
// timeout, and the other greenthread ran meanwhile.
void check_times_out(int fd, int option, const std::function<ssize_t()>& blocking) {
  const timeval tv{0, 50000};
  REQUIRE(::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv) == 0);
  int ticks = 0;
  auto ticker = eventlet::spawn([&] {
    for (int i = 0; i < 3; ++i) {
      eventlet::sleep(0.005);
      ++ticks;
    }
  });
  eventlet::spawn([&] {
    const double start = eventlet::hubs::hub::clock();
    const ssize_t r = blocking();
    const int error = errno;
    CHECK(r == -1);
    CHECK(error == EAGAIN);
    CHECK(eventlet::hubs::hub::clock() - start >= 0.045);
  }).wait();
  ticker.wait();
  CHECK(ticks == 3);
}
}  // namespace

TEST_CASE_FIXTURE(hub_test,
                  "modes: an adopted fd is non-blocking in the kernel, blocking to the program") {
  auto p = make_pipe();
  green_while(
      [&] {
        char c;
        CHECK(::read(p.in, &c, 1) == 1);
      },
      [&] { CHECK(::write(p.out, "x", 1) == 1); });
  CHECK((kernel_flags(p.in) & O_NONBLOCK) != 0);
  CHECK((::fcntl(p.in, F_GETFL) & O_NONBLOCK) == 0);
}

TEST_CASE_FIXTURE(
    hub_test,
    "modes: non-blocking asked with SOCK_NONBLOCK, fcntl, FIONBIO or MSG_DONTWAIT gives EAGAIN") {
  auto s = make_socketpair(SOCK_NONBLOCK);
  check_eagain(s.in);
  CHECK((::fcntl(s.in, F_GETFL) & O_NONBLOCK) != 0);

  auto p = make_pipe();
  check_eagain([&] {  // adopted blocking, then set non-blocking
    eventlet::spawn([&] {
      CHECK(::write(p.out, "x", 1) == 1);
      char c;
      CHECK(::read(p.in, &c, 1) == 1);
    }).wait();
    REQUIRE(::fcntl(p.in, F_SETFL, ::fcntl(p.in, F_GETFL) | O_NONBLOCK) == 0);
    return int(p.in);
  }());
  CHECK((::fcntl(p.in, F_GETFL) & O_NONBLOCK) != 0);
  REQUIRE(::fcntl(p.in, F_SETFL, ::fcntl(p.in, F_GETFL) & ~O_NONBLOCK) == 0);
  CHECK((kernel_flags(p.in) & O_NONBLOCK) != 0);  // still, for the hub

  auto q = make_socketpair();
  int on = 1;
  REQUIRE(::ioctl(q.in, FIONBIO, &on) == 0);
  check_eagain(q.in);
  eventlet::spawn([&] {
    char c;
    const ssize_t r = ::recv(q.out, &c, 1, MSG_DONTWAIT);
    const int error = errno;
    CHECK(r == -1);
    CHECK(error == EAGAIN);
  }).wait();
}

TEST_CASE_FIXTURE(hub_test,
                  "modes: SO_RCVTIMEO gives EAGAIN after its time, the others running meanwhile") {
  auto s = make_socketpair();
  check_times_out(s.in, SO_RCVTIMEO, [&] {
    char c;
    return ::recv(s.in, &c, 1, 0);
  });
}

TEST_CASE_FIXTURE(hub_test,
                  "modes: SO_SNDTIMEO gives EAGAIN after its time on a full socket, the others "
                  "running meanwhile") {
  auto s = make_socketpair();
  int filled = 0;  // until not one more byte fits
  eventlet::spawn([&] {
    while (::send(s.out, "x", 1, MSG_DONTWAIT) == 1) ++filled;
    CHECK(errno == EAGAIN);
  }).wait();
  CHECK(filled > 0);
  check_times_out(s.out, SO_SNDTIMEO, [&] { return ::send(s.out, "y", 1, 0); });
}

TEST_CASE_FIXTURE(hub_test, "modes: getsockopt gives back the timeouts setsockopt set") {
  auto s = make_socketpair();
  // Whole jiffies at any HZ the kernel may have (100, 250, 300, 1000): read back exactly.
  const timeval before{1, 500000}, after{0, 200000};
  REQUIRE(::setsockopt(s.in, SOL_SOCKET, SO_RCVTIMEO, &before, sizeof before) == 0);
  green_while(  // adopts s.in: its kernel file O_NONBLOCK, the timeouts copied into the table
      [&] {
        char c;
        CHECK(::read(s.in, &c, 1) == 1);
      },
      [&] { CHECK(::write(s.out, "x", 1) == 1); });
  REQUIRE((kernel_flags(s.in) & O_NONBLOCK) != 0);
  auto get = [&](int name) {
    timeval tv{-1, -1};
    socklen_t len = sizeof tv;
    REQUIRE(::getsockopt(s.in, SOL_SOCKET, name, &tv, &len) == 0);
    CHECK(len == sizeof tv);
    return tv;
  };
  timeval got = get(SO_RCVTIMEO);
  CHECK(got.tv_sec == before.tv_sec);
  CHECK(got.tv_usec == before.tv_usec);
  got = get(SO_SNDTIMEO);
  CHECK(got.tv_sec == 0);
  CHECK(got.tv_usec == 0);
  REQUIRE(::setsockopt(s.in, SOL_SOCKET, SO_SNDTIMEO, &after, sizeof after) == 0);
  got = get(SO_SNDTIMEO);
  CHECK(got.tv_sec == after.tv_sec);
  CHECK(got.tv_usec == after.tv_usec);
  got = get(SO_RCVTIMEO);
  CHECK(got.tv_sec == before.tv_sec);
  CHECK(got.tv_usec == before.tv_usec);
}

TEST_CASE_FIXTURE(hub_test, "modes: a pipe made with pipe2(O_NONBLOCK) gives EAGAIN at once") {
  int fds[2];
  REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  owned_fd in(fds[0]), out(fds[1]);
  // Were a call to wait, this greenthread's write would end it, and the checks fail.
  auto rescuer = eventlet::spawn([&] {
    eventlet::sleep(0.1);
    (void)!::write(out, "z", 1);
  });
  ssize_t r = 0;
  int error = 0;
  eventlet::spawn([&] {
    char c;
    r = ::read(in, &c, 1);
    error = errno;
  }).wait();
  CHECK(r == -1);
  CHECK(error == EAGAIN);
  CHECK((::fcntl(in, F_GETFL) & O_NONBLOCK) != 0);
  eventlet::spawn([&] {  // the write end: fill it, then one more byte
    const std::string chunk(4096, 'w');
    while ((r = ::write(out, chunk.data(), chunk.size())) > 0) {
    }
    error = errno;
  })
      .wait();
  CHECK(r == -1);
  CHECK(error == EAGAIN);
  CHECK((::fcntl(out, F_GETFL) & O_NONBLOCK) != 0);
  rescuer.kill();
}

TEST_CASE_FIXTURE(
    hub_test, "modes: close() or dup2() over an fd a greenthread waits on wakes it with EBADF") {
  auto s = make_socketpair();
  int error = 0;
  green_while(
      [&] {
        char c;
        const ssize_t r = ::read(s.in, &c, 1);
        error = errno;
        CHECK(r == -1);
      },
      [&] { CHECK(::close(s.in.fd) == 0); });
  s.in.fd = -1;
  CHECK(error == EBADF);

  auto t = make_socketpair();
  auto other = make_pipe();
  green_while(
      [&] {
        char c;
        const ssize_t r = ::read(t.in, &c, 1);
        error = errno;
        CHECK(r == -1);
      },
      [&] { CHECK(::dup2(other.in, t.in) == t.in); });
  CHECK(error == EBADF);
  // The fd now is the pipe's read end, blocking as that was.
  CHECK((::fcntl(t.in, F_GETFL) & O_NONBLOCK) == 0);
}

TEST_CASE_FIXTURE(hub_test, "modes: errno is the greenthread's own across a green wait") {
  auto s = make_socketpair();
  green_while(
      [&] {
        errno = 1234;
        char c;
        const ssize_t r = ::read(s.in, &c, 1);
        const int error = errno;
        CHECK(r == 1);
        CHECK(error == 1234);
      },
      [&] {
        errno = 999;
        CHECK(::write(s.out, "x", 1) == 1);
      });
}

TEST_CASE_FIXTURE(hub_test, "modes: set_enabled(false) makes the thread's calls plain") {
  CHECK(eventlet::patch::enabled());  // the main greenlet waits green too
  CHECK(eventlet::patch::set_enabled(false));
  CHECK_FALSE(eventlet::patch::enabled());
  auto s = make_socketpair();
  const timeval tv{0, 10000};
  REQUIRE(::setsockopt(s.in, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
  char c;
  const ssize_t r = ::read(s.in, &c, 1);  // the kernel's own timeout
  const int error = errno;
  CHECK(r == -1);
  CHECK(error == EAGAIN);
  CHECK((kernel_flags(s.in) & O_NONBLOCK) == 0);
  CHECK_FALSE(eventlet::patch::set_enabled(true));
  CHECK(eventlet::patch::enabled());
}

TEST_CASE_FIXTURE(hub_test,
                  "modes: after fork() the child's greenthreads wait green on inherited fds") {
  auto s = make_socketpair();
  green_while(
      [&] {
        char c;
        CHECK(::read(s.in, &c, 1) == 1);  // adopted before the fork
      },
      [&] { CHECK(::write(s.out, "x", 1) == 1); });
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    bool ok = false, other_ran = false;
    auto reader = eventlet::spawn([&] {
      char c;
      ok = ::read(s.in, &c, 1) == 1 && c == 'y';
    });
    auto other = eventlet::spawn([&] { other_ran = true; });
    eventlet::sleep(0.01);
    const bool waited_green = !ok && other_ran;
    (void)!::write(s.out, "y", 1);
    reader.wait();
    other.wait();
    ::_exit(ok && waited_green ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
