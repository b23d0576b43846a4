#include "way.hpp"

#include <doctest/doctest.h>
#include <ev.h>
#include <event2/event.h>
#include <time.h>

#include <cstdlib>
#include <exception>
#include <stdexcept>

#include "coros/greenthread.hpp"
#include "hubs/libev.hpp"
#include "hubs/libevent.hpp"

namespace embed_tests {
namespace {

void call_later(evutil_socket_t, short, void* arg) {
  auto* fn = static_cast<std::function<void()>*>(arg);
  (*fn)();
  delete fn;
}

void call_later_ev(int, void* arg) { call_later(-1, 0, arg); }

}  // namespace

way::way() {
  const char* name = std::getenv("EMBED_WAY");
  const std::string w = name ? name : "join-libevent";
  join = w.starts_with("join-");
  libev = w.ends_with("-libev");
  previous = std::string(eventlet::hubs::get_hub().name());
  if (libev)
    loop = ev_loop_new(EVFLAG_AUTO);
  else
    base = event_base_new();
  if (join)
    joined.emplace(libev ? eventlet::embed::join(loop) : eventlet::embed::join(base));
  else
    eventlet::hubs::use_hub(libev ? eventlet::hubs::libev_backend(loop)
                                  : eventlet::hubs::libevent_backend(base));
}

way::~way() {
  if (join)
    joined->leave();
  else
    eventlet::hubs::use_hub(previous);
  if (loop) ev_loop_destroy(loop);
  if (base) event_base_free(base);
}

void way::run(std::function<void()> body) {
  if (!join) {
    eventlet::spawn(std::move(body)).wait();
    return;
  }
  std::exception_ptr error;
  bool finished = false;
  eventlet::spawn([&] {
    try {
      body();
    } catch (...) {
      error = std::current_exception();
    }
    finished = true;
    if (libev)
      ev_break(loop, EVBREAK_ALL);
    else
      event_base_loopexit(base, nullptr);
  });
  if (libev)
    ev_run(loop, 0);
  else
    event_base_dispatch(base);
  REQUIRE(finished);
  if (error) std::rethrow_exception(error);
}

void way::later(double seconds, std::function<void()> fn) {
  auto* arg = new std::function<void()>(std::move(fn));
  if (libev) {
    ev_once(loop, -1, 0, seconds, &call_later_ev, arg);
    return;
  }
  const timeval tv{static_cast<time_t>(seconds),
                   static_cast<suseconds_t>((seconds - static_cast<time_t>(seconds)) * 1e6)};
  if (event_base_once(base, -1, EV_TIMEOUT, &call_later, arg, &tv) != 0) {
    delete arg;
    throw std::runtime_error("event_base_once failed");
  }
}

double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace embed_tests
