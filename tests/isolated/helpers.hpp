// What the isolated cases share. Each case runs in a process of its own (see meson.build):
// they fork, end threads, set rlimits and exhaust fds or memory.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "hubs/hub.hpp"
#include "hubs/trampoline.hpp"

namespace isolated {

// The hub this run is for (meson sets EVENTLET_HUB).
inline std::string hub_name() {
  const char* env = std::getenv("EVENTLET_HUB");
  return env && *env ? env : eventlet::hubs::get_default_hub();
}

// The number of open fds below `limit`.
inline int open_fds(int limit = 4096) {
  int n = 0;
  for (int fd = 0; fd < limit; ++fd) n += fcntl(fd, F_GETFD) >= 0;
  return n;
}

// Waits for child `pid` for at most `seconds` (then kills it) and returns its exit status, or
// -1 if it did not exit normally.
inline int wait_child(pid_t pid, double seconds = 20) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace isolated
