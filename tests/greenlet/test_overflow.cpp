// A stack overflow in a greenlet is reported, naming the greenlet, and the process dies of
// SIGSEGV rather than corrupting memory. The overflow runs in a forked child.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "greenlet/greenlet.hpp"

using namespace eventlet;

namespace {
int recurse(int n) {
  volatile char frame[512];
  frame[0] = static_cast<char>(n);
  return n > 1'000'000'000 ? frame[0] : recurse(n + 1) + frame[0];
}
}  // namespace

TEST_CASE("a stack overflow is reported with the greenlet's name and kills the process") {
  int out[2];
  REQUIRE(pipe(out) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(out[1], STDERR_FILENO);
    greenlet g([](std::any) -> std::any { return recurse(0); }, nullptr, 64 * 1024);
    g.set_name("deep-diver");
    g.switch_to();
    _exit(0);
  }
  close(out[1]);
  std::string text;
  char buf[512];
  for (ssize_t n; (n = read(out[0], buf, sizeof buf)) > 0;) text.append(buf, n);
  close(out[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGSEGV);
  CHECK(text.find("stack overflow in greenlet 'deep-diver'") != std::string::npos);
  CHECK(text.find("stack of 65536 bytes") != std::string::npos);
}
