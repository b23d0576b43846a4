// The cost of the native thread pool: a tpool::execute() round trip of an empty function, from
// one caller and from 8 greenthreads at once, on the calling thread's hub; beside it, for scale,
// a round trip between two plain threads that each sleep until woken (what a pool whose workers
// slept at once after each call would pay).
#if __has_include(<sys/epoll.h>)
#include <semaphore.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <thread>
#endif

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "eventlet.hpp"
#include "profiler.hpp"

namespace profiler {
namespace {

namespace tpool = eventlet::tpool;

constexpr int concurrent_callers = 8;

// `n` round trips from the calling greenlet.
void round_trips(std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) tpool::execute([] {});
}

// `n` round trips in all, from `callers` greenthreads at once.
void concurrent_round_trips(std::uint64_t n, int callers) {
  std::vector<eventlet::greenthread<void>> all;
  for (int c = 0; c < callers; ++c)
    all.push_back(eventlet::spawn(round_trips, n / callers + (std::uint64_t(c) < n % callers)));
  eventlet::waitall(all);
}

#if __has_include(<sys/epoll.h>)
// `n` round trips with a plain thread through the wake-ups a tpool call makes, and nothing else:
// a semaphore wakes the thread, which answers on an eventfd this thread waits for in epoll.
void raw_round_trips(std::uint64_t n) {
  sem_t go;
  sem_init(&go, 0, 0);
  const int done = eventfd(0, EFD_CLOEXEC), ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  if (done < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, done, &ev) != 0)
    throw std::system_error(errno, std::generic_category(), "the raw round trip's setup");
  std::thread peer([&] {
    for (std::uint64_t i = 0; i < n; ++i) {
      while (sem_wait(&go) != 0) {
      }
      eventfd_write(done, 1);
    }
  });
  for (std::uint64_t i = 0; i < n; ++i) {
    sem_post(&go);
    epoll_event ready;
    while (epoll_wait(ep, &ready, 1, -1) != 1) {
    }
    eventfd_t count;
    eventfd_read(done, &count);
  }
  peer.join();
  close(ep);
  close(done);
  sem_destroy(&go);
}
#endif

}  // namespace

void bench_tpool(report& r) {
  const eventlet::hubs::hub& hub = eventlet::hubs::get_hub();
  r.info("tpool measured on", std::string(hub.name()) + " hub");
  // The sleeping round trip first, next to the pool's: this machine's wake-ups vary from run to
  // run.
#if __has_include(<sys/epoll.h>)
  r.add_time("tpool", "two sleeping threads' round trip (semaphore + eventfd)",
             bench::measure(raw_round_trips));
#endif
  r.add_time("tpool", "tpool::execute round trip, empty function", bench::measure(round_trips));
  r.add_time(
      "tpool", "tpool::execute, 8 concurrent callers, per call",
      bench::measure([](std::uint64_t n) { concurrent_round_trips(n, concurrent_callers); }));
  if (hub.timer_count() || hub.listener_count())
    throw std::logic_error("the hub holds timers or listeners after the tpool benchmarks");
  r.check("tpool::execute round trip", r.find("tpool", "tpool::execute round trip, empty function"),
          20000, "ns");
}

}  // namespace profiler
