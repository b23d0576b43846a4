// What the green tests share: a loopback listener, what a call throws, CPU time, a hash.
#pragma once

#include <sys/resource.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "../support/fixture.hpp"
#include "green/net.hpp"

namespace green_tests {

// A TCP listener on 127.0.0.1 with a port the kernel picked, and its address.
struct loopback_listener {
  eventlet::green::socket socket = eventlet::green::listen({"127.0.0.1", 0}, 512);
  eventlet::green::address where = socket.getsockname();
};

// The errno of the std::system_error `f` throws (0 if none) and its message.
struct os_failure {
  int error = 0;
  std::string what;
};
template <typename F>
os_failure os_failure_of(F f) {
  try {
    f();
  } catch (const std::system_error& e) {
    return {e.code().value(), e.what()};
  }
  return {};
}

// read_all() reads `s` until EOF.
inline std::string read_all(eventlet::green::socket& s) {
  std::string all;
  for (std::string part; !(part = s.recv(65536)).empty();) all += part;
  return all;
}

// CPU time (user and system) this process has used, in seconds.
inline double cpu_seconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// A 64-bit FNV-1a hash, to compare what was sent with what arrived.
inline std::uint64_t fnv1a(std::string_view data, std::uint64_t h = 14695981039346656037ull) {
  for (const char c : data) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

}  // namespace green_tests
