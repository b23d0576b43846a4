// The hub conformance suite runs once per compiled hub (meson sets EVENTLET_HUB). Every test
// checks it runs on that hub and leaves no timer or listener behind.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "coros/greenthread.hpp"
#include "coros/timeout.hpp"
#include "hubs/hub.hpp"
#include "hubs/trampoline.hpp"

namespace hub_tests {

inline std::string expected_hub() {
  const char* env = std::getenv("EVENTLET_HUB");
  return env && *env ? env : eventlet::hubs::get_default_hub();
}

struct hub_test {
  eventlet::hubs::hub& hub = eventlet::hubs::get_hub();
  hub_test() { REQUIRE(hub.name() == expected_hub()); }
  ~hub_test() {
    CHECK(hub.timer_count() == 0);
    CHECK(hub.listener_count() == 0);
  }
};

// Collects, as "where: what", the exceptions the hub reports while it lives; then puts the
// default handler back.
struct collected_reports {
  eventlet::hubs::hub& hub;
  std::vector<std::string> lines;
  explicit collected_reports(eventlet::hubs::hub& h) : hub(h) {
    hub.set_exception_handler([this](std::exception_ptr e, std::string_view where) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        lines.push_back(std::string(where) + ": " + x.what());
      }
    });
  }
  ~collected_reports() { hub.set_exception_handler({}); }
};

// A non-blocking pipe whose ends are closed (through the hub) on destruction.
struct pipe_pair {
  int read_end = -1, write_end = -1;
  pipe_pair() {
    int fds[2];
    REQUIRE(pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  pipe_pair(const pipe_pair&) = delete;
  pipe_pair& operator=(const pipe_pair&) = delete;
  ~pipe_pair() {
    close_read();
    close_write();
  }
  void close_read() { close_fd(read_end); }
  void close_write() { close_fd(write_end); }
  static void close_fd(int& fd) {
    if (fd < 0) return;
    eventlet::hubs::get_hub().notify_close(fd);
    close(fd);
    fd = -1;
  }
};

}  // namespace hub_tests
