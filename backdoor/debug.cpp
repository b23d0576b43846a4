// The listings of eventlet::debug: the hub, its listeners and timers, its greenthreads, the
// thread pool and the registered pools.
#include "debug.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "../base/pool_listing.hpp"
#include "../hubs/hub.hpp"
#include "../tpool/tpool.hpp"

namespace eventlet::debug {
namespace {

std::string format(const char* fmt, double value) {
  char text[64];
  std::snprintf(text, sizeof text, fmt, value);
  return text;
}

// How a listing names a greenlet: "greenthread #4 'worker'", "the hub", "greenlet 'x'".
std::string describe(const hubs::hub& h, const greenlet* g) {
  if (g == h.greenlet()) return "the hub";
  if (const hubs::task* t = g->task())
    return "greenthread #" + std::to_string(t->id()) +
           (g->name().empty() ? "" : " '" + g->name() + "'");
  return g->name().empty() ? "a greenlet" : "greenlet '" + g->name() + "'";
}

// What `t` is doing, as far as its hub and its last wait tell.
std::string state_of(const hubs::task& t, const std::vector<const greenlet*>& runnable,
                     const std::vector<hubs::hub::timer_info>& timers, double now) {
  const greenlet* g = &t.greenlet();
  if (g == getcurrent()) return "running";
  if (!g->started()) return "runnable (not started)";
  if (std::find(runnable.begin(), runnable.end(), g) != runnable.end()) return "runnable";
  const auto timer = std::find_if(timers.begin(), timers.end(),
                                  [g](const hubs::hub::timer_info& i) { return i.resumes == g; });
  const char* what = t.waits_on();
  if (!what) return "suspended";
  if (std::strncmp(what, "fd", 2) == 0)
    return "waiting on fd " + std::to_string(t.wait_fd()) + std::string(what + 2);
  if (std::strcmp(what, "sleep") == 0)
    return timer == timers.end() ? "sleeping"
                                 : format("sleeping until %.3f", timer->due) +
                                       format(" (in %.3f s)", std::max(0.0, timer->due - now));
  std::string s =
      std::string("waiting on ") + (std::strcmp(what, "greenthread") == 0 ? "a greenthread" : what);
  if (timer != timers.end()) s += format(" (times out in %.3f s)", std::max(0.0, timer->due - now));
  return s;
}

}  // namespace

std::string format_hub_listeners() {
  const hubs::hub* h = hubs::current_hub();
  if (!h) return "no hub\n";
  std::string out;
  for (const hubs::hub::listener_info& l : h->listeners()) {
    const bool r = any(l.events & hubs::io::read), w = any(l.events & hubs::io::write);
    out += "fd " + std::to_string(l.fd) + (r && w ? " read/write" : r ? " read" : " write") + "\n";
  }
  return out.empty() ? "no listeners\n" : out;
}

std::string format_hub_timers() {
  const hubs::hub* h = hubs::current_hub();
  if (!h) return "no hub\n";
  const double now = hubs::hub::clock();
  std::string out;
  for (const hubs::hub::timer_info& t : h->timers()) {
    out += t.due == 0 ? std::string("next pass") : format("in %.3f s", std::max(0.0, t.due - now));
    out += t.resumes ? ": resumes " + describe(*h, t.resumes) + "\n" : ": calls a function\n";
  }
  return out.empty() ? "no timers\n" : out;
}

std::string format_hub() {
  const hubs::hub* h = hubs::current_hub();
  if (!h) return "no hub\n";
  const hubs::hub::blocking_reports blocked = h->blocking_seen();
  std::string out = "backend: " + std::string(h->name()) + "\n" +
                    "greenthreads: " + std::to_string(h->greenthread_count()) + "\n" +
                    "listeners: " + std::to_string(h->listener_count()) + "\n" +
                    "timers: " + std::to_string(h->timer_count()) + "\n" +
                    "run queue: " + std::to_string(h->run_queue_length()) + "\n" +
                    "loop passes: " + std::to_string(h->passes()) + "\n" +
                    "slow callbacks (blocking detection): " + std::to_string(blocked.count);
  if (blocked.count)
    out += ", last '" + blocked.last_greenlet + format("' for %.3f s", blocked.last_seconds);
  return out + "\n-- listeners\n" + format_hub_listeners() + "-- timers\n" + format_hub_timers();
}

std::string format_greenthreads(bool backtraces) {
  const hubs::hub* h = hubs::current_hub();
  if (!h) return "no hub\n";
  const std::vector<const greenlet*> runnable = h->runnable();
  const std::vector<hubs::hub::timer_info> timers = h->timers();
  const double now = hubs::hub::clock();
  std::string out;
  for (hubs::task* t : h->tasks()) {
    greenlet& g = t->greenlet();
    out += "#" + std::to_string(t->id()) + " " + (g.name().empty() ? "-" : "'" + g.name() + "'") +
           " " + state_of(*t, runnable, timers, now) +
           format(", age %.3f s\n", std::max(0.0, now - t->born()));
    if (!backtraces || !g || &g == getcurrent()) continue;
    try {
      for (const std::string& frame : backtrace(g)) out += "    " + frame + "\n";
    } catch (const greenlet_error& e) {
      out += std::string("    (no backtrace: ") + e.what() + ")\n";
    }
  }
  return out.empty() ? "no greenthreads\n" : out;
}

std::string format_tpool() {
  tpool::pool& p = tpool::default_pool();
  const tpool::pool_statistics s = p.statistics();
  return "max threads: " + std::to_string(p.max()) + "\n" +
         "threads: " + std::to_string(s.threads) + "\n" + "idle: " + std::to_string(s.idle) + "\n" +
         "busy: " + std::to_string(s.threads - std::min(s.idle, s.threads)) + "\n" +
         "queued calls: " + std::to_string(s.queued) + "\n" +
         "calls completed: " + std::to_string(s.calls) + "\n";
}

std::string format_pools() {
  std::string out;
  for (const pool_listing* p : pool_listing::pools()) {
    out += p->kind();
    if (!p->name().empty()) out += " '" + p->name() + "'";
    for (const pool_stat& s : p->stats()) out += " " + s.first + "=" + std::to_string(s.second);
    out += "\n";
  }
  return out.empty() ? "no pools\n" : out;
}

}  // namespace eventlet::debug
