// The cost of the hubs, each measured on a thread of its own: a sleep(0) ping-pong, spawn +
// wait, timers on the run queue and on the heap, and a pipe ping-pong through the hub beside
// the same ping-pong in a plain epoll loop.
#include <fcntl.h>
#include <unistd.h>
#if __has_include(<sys/epoll.h>)
#include <sys/epoll.h>
#endif

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <exception>
#include <map>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "eventlet.hpp"
#include "profiler.hpp"

namespace profiler {
namespace {

namespace hubs = eventlet::hubs;

constexpr std::uint64_t timer_batch = 1000;  // timers scheduled before the hub runs them
constexpr double timer_delay = 1e-6;         // positive, so the timers go to the heap

// Throws std::system_error for the errno of the failed call `what`.
[[noreturn]] void fail(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Reads one byte from `fd`, which must have one.
void read_byte(int fd) {
  char c;
  if (read(fd, &c, 1) != 1) fail("read");
}

// Writes one byte to `fd`, which must have room.
void write_byte(int fd) {
  const char c = 'x';
  if (write(fd, &c, 1) != 1) fail("write");
}

// A non-blocking pipe, closed on destruction; the hub that watched it, if any, is told first
// (hub::notify_close), so that it forgets the fds before their numbers are reused.
struct pipe_fds {
  explicit pipe_fds(hubs::hub* watcher) : hub(watcher) {
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) fail("pipe2");
    read_end = fds[0];
    write_end = fds[1];
  }
  ~pipe_fds() {
    for (int fd : {read_end, write_end}) {
      if (hub) hub->notify_close(fd);
      close(fd);
    }
  }
  pipe_fds(const pipe_fds&) = delete;
  pipe_fds& operator=(const pipe_fds&) = delete;

  hubs::hub* hub;
  int read_end, write_end;
};

// Halves a figure, for runs that perform two operations per counted one.
bench::figure halved(bench::figure f) { return {f.ns / 2, f.cycles / 2}; }

// Throws if a benchmark left timers or listeners in the hub: that would be a library bug.
void expect_clean(const hubs::hub& hub, const std::string& after) {
  if (hub.timer_count() || hub.listener_count())
    throw std::logic_error("the " + std::string(hub.name()) + " hub holds " +
                           std::to_string(hub.timer_count()) + " timers and " +
                           std::to_string(hub.listener_count()) + " listeners after " + after);
}

// Schedules `n` calls of `delay` seconds in batches of timer_batch, letting each batch fire
// before the next is scheduled; throws if a call is lost.
void run_timers(std::uint64_t n, double delay) {
  hubs::hub& hub = hubs::get_hub();
  std::uint64_t fired = 0;
  for (std::uint64_t scheduled = 0; scheduled < n;) {
    const std::uint64_t target = std::min(n, scheduled + timer_batch);
    for (; scheduled < target; ++scheduled) hub.schedule_call_global(delay, [&fired] { ++fired; });
    // Each sleep(0) lasts one loop pass, which fires the due timers and the calls queued before
    // it; a positive sleep would wait in the backend, and most round waits up to milliseconds.
    eventlet::sleep(0);
    if (delay == 0 && fired != target)
      throw std::logic_error("zero-delay timers had not run by a later sleep(0)");
    while (fired < target) eventlet::sleep(0);
  }
  if (fired != n)
    throw std::logic_error("timers fired " + std::to_string(fired) + " times, not " +
                           std::to_string(n));
}

// `n` round trips of one byte between greenthreads A and B: A writes to p1 and waits on p2;
// B waits on p1, reads and answers on p2. Each wait comes before its read, so a hop makes
// three system calls: the hub's wait, read and write.
void hub_ping_pong(std::uint64_t n, const pipe_fds& p1, const pipe_fds& p2) {
  auto b = eventlet::spawn([&] {
    for (std::uint64_t i = 0; i < n; ++i) {
      hubs::trampoline(p1.read_end, hubs::io::read, std::nullopt, hubs::closes::notified);
      read_byte(p1.read_end);
      write_byte(p2.write_end);
    }
  });
  auto a = eventlet::spawn([&] {
    for (std::uint64_t i = 0; i < n; ++i) {
      write_byte(p1.write_end);
      hubs::trampoline(p2.read_end, hubs::io::read, std::nullopt, hubs::closes::notified);
      read_byte(p2.read_end);
    }
  });
  a.wait();
  b.wait();
}

#if __has_include(<sys/epoll.h>)
// The same `n` round trips in a single-threaded, level-triggered epoll loop with both read
// ends registered once: per hop, epoll_wait, read and write, as in hub_ping_pong().
void raw_epoll_ping_pong(std::uint64_t n, const pipe_fds& p1, const pipe_fds& p2) {
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) fail("epoll_create1");
  for (int fd : {p1.read_end, p2.read_end}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) fail("epoll_ctl");
  }
  write_byte(p1.write_end);
  for (std::uint64_t done = 0; done < n;) {
    epoll_event ready[2];
    const int count = epoll_wait(ep, ready, 2, -1);
    if (count < 0 && errno != EINTR) fail("epoll_wait");
    for (int i = 0; i < count; ++i) {
      const int fd = ready[i].data.fd;
      read_byte(fd);
      if (fd == p1.read_end)
        write_byte(p2.write_end);  // B answers
      else if (++done < n)
        write_byte(p1.write_end);  // A starts the next round trip
    }
  }
  close(ep);
}
#endif

// Runs `fn` on a thread of its own (with a hub of its own) and rethrows what it threw.
template <typename F>
void on_own_thread(F fn) {
  std::exception_ptr error;
  std::thread([&] {
    try {
      fn();
    } catch (...) {
      error = std::current_exception();
    }
  }).join();
  if (error) std::rethrow_exception(error);
}

// A hub's figures, kept until the pipe ping-pong rounds are done so each hub's rows stay together.
using rows = std::vector<std::pair<std::string, bench::figure>>;

// Measures hub `name` on the calling thread, which it makes that thread's hub: all but the
// pipe ping-pong, which is measured in rounds beside the raw epoll loop.
void bench_hub(rows& r, const std::string& name) {
  hubs::use_hub(name);
  hubs::hub& hub = hubs::get_hub();

  r.emplace_back("sleep(0) ping-pong, per sleep", halved(bench::measure([](std::uint64_t n) {
                   auto sleeper = [n] {
                     for (std::uint64_t i = 0; i < n; ++i) eventlet::sleep(0);
                   };
                   auto a = eventlet::spawn(sleeper), b = eventlet::spawn(sleeper);
                   a.wait();
                   b.wait();
                 })));
  expect_clean(hub, "the sleep(0) ping-pong");

  r.emplace_back("spawn + wait", bench::measure([](std::uint64_t n) {
                   for (std::uint64_t i = 0; i < n; ++i)
                     bench::keep(eventlet::spawn([] { return 1; }).wait());
                 }));
  expect_clean(hub, "spawn + wait");

  r.emplace_back("timer schedule + fire, zero delay",
                 bench::measure([](std::uint64_t n) { run_timers(n, 0); }));
  expect_clean(hub, "the zero-delay timers");

  r.emplace_back("timer schedule + fire, delayed (heap)",
                 bench::measure([](std::uint64_t n) { run_timers(n, timer_delay); }));
  expect_clean(hub, "the delayed timers");
}

// One round of the pipe ping-pong through hub `name`, on a thread of its own.
bench::figure hub_ping_pong_round(const std::string& name) {
  bench::figure f{};
  on_own_thread([&] {
    hubs::use_hub(name);
    hubs::hub& hub = hubs::get_hub();
    {
      const pipe_fds p1(&hub), p2(&hub);
      f = bench::measure([&](std::uint64_t n) { hub_ping_pong(n, p1, p2); }, 3);
    }
    expect_clean(hub, "the pipe ping-pong");
  });
  return f;
}

// The median of `v`.
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Whether hub `name` is among those measured.
bool measured(const std::vector<std::string>& hubs, const std::string& name) {
  return std::find(hubs.begin(), hubs.end(), name) != hubs.end();
}

}  // namespace

void bench_hubs(report& r, const std::vector<std::string>& hubs) {
  std::map<std::string, rows> per_hub;
  for (const std::string& name : hubs) on_own_thread([&] { bench_hub(per_hub[name], name); });

  // The pipe ping-pong: rounds that measure the raw loop and then every hub, so that a slow
  // spell of this shared machine falls on all of them; ratios are medians of per-round ratios.
  constexpr int rounds = 5;
  const std::string raw = "raw epoll";
  std::map<std::string, std::vector<bench::figure>> figures;
  for (int round = 0; round < rounds; ++round) {
#if __has_include(<sys/epoll.h>)
    {
      const pipe_fds p1(nullptr), p2(nullptr);
      figures[raw].push_back(
          bench::measure([&](std::uint64_t n) { raw_epoll_ping_pong(n, p1, p2); }, 3));
    }
#endif
    for (const std::string& name : hubs) figures[name].push_back(hub_ping_pong_round(name));
  }
  auto ratio = [&](const std::string& a, const std::string& b) {
    std::vector<double> per_round;
    for (int i = 0; i < rounds; ++i) per_round.push_back(figures[a][i].ns / figures[b][i].ns);
    return median(per_round);
  };
  auto median_figure = [](std::vector<bench::figure> v) {
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.ns < b.ns; });
    return v[v.size() / 2];
  };
  if (figures.count(raw))
    r.add_time(raw, "pipe ping-pong round trip, raw epoll loop in C", median_figure(figures[raw]));
  for (const std::string& name : hubs) {
    for (const auto& [what, f] : per_hub[name]) r.add_time(name, what, f);
    r.add_time(name, "pipe ping-pong round trip", median_figure(figures[name]));
  }

  if (!measured(hubs, "epoll")) return;
  r.check("sleep(0) per sleep, epoll hub", r.find("epoll", "sleep(0) ping-pong, per sleep"), 50,
          "ns");
  r.check("spawn + wait, epoll hub", r.find("epoll", "spawn + wait"), 150, "ns");
  if (figures.count(raw))
    r.check("pipe ping-pong: epoll hub / raw epoll loop", ratio("epoll", raw), 1.3, "x");
  for (const char* other : {"libev", "libevent"})
    if (measured(hubs, other))
      r.check(std::string("pipe ping-pong: ") + other + " hub / epoll hub", ratio(other, "epoll"),
              1.3, "x");
}

}  // namespace profiler
