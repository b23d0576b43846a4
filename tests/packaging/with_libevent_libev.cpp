// A program that uses libevent and libev itself, next to eventlet: no header of ours includes
// theirs, so libevent's `struct event` and eventlet::event<T> live side by side, and our hub
// headers' declarations of event_base and ev_loop agree with theirs. Their own headers clash:
// libevent's EV_READ, EV_WRITE, ... macros break the enum in libev's <ev.h>, so <ev.h> first.
// g++ with_libevent_libev.cpp $(pkg-config --cflags --libs eventlet libevent_core) -lev
#include <ev.h>
#include <event2/event.h>

#include <cstdio>
#include <cstring>
#include <eventlet/eventlet.hpp>
#include <eventlet/hubs/libev.hpp>
#include <eventlet/hubs/libevent.hpp>

int main() {
  event_base* base = ::event_base_new();
  struct ev_loop* loop = ev_loop_new(EVFLAG_AUTO);
  if (!base || !loop) return 1;
  event* timer = evtimer_new(
      base, [](evutil_socket_t, short, void*) {}, nullptr);
  if (!timer) return 1;
  eventlet::event<int> done;
  eventlet::spawn([&] { done.send(42); });
  const int r = done.wait();
  // libev's own libevent emulation would say "libev": the program links libevent first.
  const char* method = event_base_get_method(base);
  const bool ok = r == 42 && std::strcmp(method, "libev") != 0 && ev_backend(loop) != 0;
  event_free(timer);
  ev_loop_destroy(loop);
  event_base_free(base);
  std::printf("eventlet next to libevent (%s) and libev: %s\n", method, ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}
