// green::fd: pipes, waiting for readiness, timeouts, close while waiting, adopting fds, and
// green stdin/stdout that leave fd 0 and 1 as they were.
#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <string>

#include "green/fd.hpp"
#include "helpers.hpp"

using namespace eventlet;
using green_tests::os_failure_of;
using hub_tests::hub_test;

namespace {
bool nonblocking(int number) { return (fcntl(number, F_GETFL) & O_NONBLOCK) != 0; }
}  // namespace

TEST_CASE_FIXTURE(hub_test, "fd: a pipe carries data between greenthreads; read waits for it") {
  auto [in, out] = green::pipe();
  auto writer = spawn([&out = out] {
    eventlet::sleep(0.01);
    out.write("hello");
    out.close();
  });
  CHECK(in.read(100) == "hello");
  CHECK(in.read(100) == "");  // EOF once the write end is closed
  writer.wait();
}

TEST_CASE_FIXTURE(hub_test, "fd: write waits while the pipe is full, until all is written") {
  auto [in, out] = green::pipe();
  const std::string big(1 << 20, 'p');  // far more than a pipe holds
  auto writer = spawn([&out = out, &big] {
    out.write(big);
    out.close();
  });
  std::string got;
  for (std::string part; !(part = in.read(1 << 16)).empty();) got += part;
  CHECK(got == big);
  writer.wait();
}

TEST_CASE_FIXTURE(hub_test, "fd: wait_readable and wait_writable wait for readiness or time out") {
  auto [in, out] = green::pipe();
  CHECK_THROWS_AS(in.wait_readable(0.01), timeout_error);
  CHECK_FALSE(in.try_wait_readable(0.01));
  out.wait_writable(0.01);
  CHECK(out.try_wait_writable(0.01));
  out.write("x");
  in.wait_readable();
  CHECK(in.try_wait_readable(0));
  const std::string block(4096, 'f');
  while (true) {
    try {
      out.set_timeout(0);
      out.write_some(block);
    } catch (const std::system_error&) {
      break;  // full
    }
  }
  CHECK_THROWS_AS(out.wait_writable(0.01), timeout_error);
  CHECK_FALSE(out.try_wait_writable(0.01));
  CHECK_THROWS_AS(in.wait_readable(-1.0), std::invalid_argument);
  CHECK_THROWS_AS(in.wait_readable(std::nan("")), std::invalid_argument);
  CHECK_THROWS_AS(in.try_wait_readable(std::nan("")), std::invalid_argument);
}

TEST_CASE_FIXTURE(hub_test, "fd: read times out with timeout_error after set_timeout(t)") {
  auto [in, out] = green::pipe();
  in.set_timeout(0.02);
  CHECK_THROWS_WITH_AS(in.read(10), "read: timed out", timeout_error);
  in.set_timeout(0);
  CHECK(os_failure_of([&in = in] { in.read(10); }).error == EAGAIN);
}

TEST_CASE_FIXTURE(hub_test, "fd: closing an fd another greenthread waits on wakes it with EBADF") {
  auto [in, out] = green::pipe();
  auto waiter = spawn([&in = in] { return os_failure_of([&] { in.wait_readable(); }); });
  eventlet::sleep(0);
  in.close();
  const auto failure = waiter.wait();
  CHECK(failure.error == EBADF);
  CHECK(failure.what.find("was closed while this greenthread waited on it") != std::string::npos);
  CHECK(os_failure_of([&in = in] { in.read(1); }).error == EBADF);
}

TEST_CASE_FIXTURE(hub_test, "fd: adopting a plain fd makes it non-blocking and close-on-exec") {
  int ends[2];
  REQUIRE(::pipe(ends) == 0);
  green::fd in(ends[0]), out(ends[1]);
  CHECK(nonblocking(ends[0]));
  CHECK((fcntl(ends[1], F_GETFD) & FD_CLOEXEC) != 0);
  auto reader = spawn([&] { return in.read(10); });
  eventlet::sleep(0.005);
  out.write("adopted");
  CHECK(reader.wait() == "adopted");
  CHECK(os_failure_of([] { green::fd bad(-1); }).error == EBADF);
}

TEST_CASE_FIXTURE(hub_test, "fd: standard_input reads fd 0 without making fd 0 non-blocking") {
  int ends[2];
  REQUIRE(::pipe(ends) == 0);
  const int saved = dup(STDIN_FILENO);
  REQUIRE(dup2(ends[0], STDIN_FILENO) == STDIN_FILENO);
  ::close(ends[0]);
  std::string got;
  bool fd0_blocking = false, green_nonblocking = false;
  {
    green::fd in = green::standard_input();
    green_nonblocking = nonblocking(in.fileno());
    fd0_blocking = !nonblocking(STDIN_FILENO);
    auto writer = spawn([&] {
      eventlet::sleep(0.005);
      (void)!::write(ends[1], "typed", 5);
    });
    got = in.read(100);
    writer.wait();
  }
  dup2(saved, STDIN_FILENO);
  ::close(saved);
  ::close(ends[1]);
  CHECK(got == "typed");
  CHECK(green_nonblocking);
  CHECK(fd0_blocking);
}

TEST_CASE_FIXTURE(hub_test,
                  "fd: standard_output writes where fd 1 does without making fd 1 non-blocking") {
  int ends[2];
  REQUIRE(::pipe(ends) == 0);
  const int saved = dup(STDOUT_FILENO);
  REQUIRE(dup2(ends[1], STDOUT_FILENO) == STDOUT_FILENO);
  ::close(ends[1]);
  bool fd1_blocking = false;
  {
    green::fd out = green::standard_output();
    out.write("printed");
    fd1_blocking = !nonblocking(STDOUT_FILENO);
  }
  dup2(saved, STDOUT_FILENO);
  ::close(saved);
  char buffer[16] = {};
  const ssize_t n = ::read(ends[0], buffer, sizeof buffer);
  ::close(ends[0]);
  CHECK(std::string(buffer, n > 0 ? n : 0) == "printed");
  CHECK(fd1_blocking);
}
