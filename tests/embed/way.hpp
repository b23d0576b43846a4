// The ways the embed suite runs in, from EMBED_WAY: the hub joined to the application's loop
// (join-libevent, join-libev: the application runs the loop in main) or running it
// (hub-libevent, hub-libev: hubs::use_hub(libevent_backend(base))). Each test case makes its own
// loop and frees it after leaving it.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "embed/join.hpp"

struct event_base;
struct ev_loop;

namespace embed_tests {

struct way {
  way();
  ~way();
  way(const way&) = delete;
  way& operator=(const way&) = delete;

  // run() runs `body` in a greenthread until it returns, the application's loop (join) or the
  // hub (hub) running meanwhile; rethrows what it threw.
  void run(std::function<void()> body);

  // later() has the application's loop call `fn` after `seconds`, as a plain loop callback.
  void later(double seconds, std::function<void()> fn);

  bool join = false;           // the hub joined the loop (else it runs it)
  bool libev = false;          // an ev_loop (else an event_base)
  event_base* base = nullptr;  // libevent's loop, for bufferevents (null on libev)
  struct ev_loop* loop = nullptr;
  std::optional<eventlet::embed::joined_loop> joined;
  std::string previous;  // the hub's backend before
};

// cpu_seconds() is the CPU time the process used so far.
double cpu_seconds();

}  // namespace embed_tests
