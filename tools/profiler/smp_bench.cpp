// The cost of crossing threads: a round trip of an item between the calling thread and another
// one over two smp::channels (each receiver sleeping on its own hub), beside a hand-off through
// std::mutex and std::condition_variable between two plain threads and, where Boost.Fiber was
// found at build time, its buffered_channel between fibers of two threads; and smp::run_on()
// round trips. All in this run, in alternating rounds.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "eventlet.hpp"
#include "profiler.hpp"
#if EVENTLET_PROFILE_BOOST_FIBER
#include "boost_fiber.hpp"
#endif

namespace profiler {
namespace {

namespace smp = eventlet::smp;

// `n` round trips over two smp::channels with a thread of an smp::group.
void channel_round_trips(std::uint64_t n) {
  smp::channel<std::uint64_t> back(1);
  std::optional<smp::channel<std::uint64_t>> there;  // made on the peer's thread
  std::mutex made;
  std::condition_variable made_cv;
  smp::group peer(1, [&](int) {
    smp::channel<std::uint64_t> in(1);
    {
      const std::lock_guard<std::mutex> lock(made);
      there.emplace(in);
    }
    made_cv.notify_one();
    for (std::uint64_t i = 0; i < n; ++i) back.send(in.receive());
  });
  {
    std::unique_lock<std::mutex> lock(made);
    made_cv.wait(lock, [&] { return there.has_value(); });
  }
  for (std::uint64_t i = 0; i < n; ++i) {
    there->send(i);
    bench::keep(back.receive());
  }
  peer.join();
}

// `n` round trips through a mutex and two condition variables between two plain threads.
void condvar_round_trips(std::uint64_t n) {
  std::mutex m;
  std::condition_variable to_peer, to_us;
  std::optional<std::uint64_t> there, back;
  std::thread peer([&] {
    for (std::uint64_t i = 0; i < n; ++i) {
      std::unique_lock<std::mutex> lock(m);
      to_peer.wait(lock, [&] { return there.has_value(); });
      back = *there;
      there.reset();
      to_us.notify_one();
    }
  });
  for (std::uint64_t i = 0; i < n; ++i) {
    std::unique_lock<std::mutex> lock(m);
    there = i;
    to_peer.notify_one();
    to_us.wait(lock, [&] { return back.has_value(); });
    bench::keep(*back);
    back.reset();
  }
  peer.join();
}

// `n` smp::run_on() calls of an empty function on a thread of an smp::group.
void run_on_round_trips(std::uint64_t n) {
  std::atomic<bool> stop{false};
  smp::group peer(1, [&](int) {
    while (!stop) eventlet::sleep(0.001);
  });
  for (std::uint64_t i = 0; i < n; ++i) smp::run_on(peer.hub(0), [] {});
  stop = true;
  peer.join();
}

}  // namespace

void bench_smp(report& r) {
  const eventlet::hubs::hub& hub = eventlet::hubs::get_hub();
  r.info("smp measured on", std::string(hub.name()) + " hub");
  const side_by_side condvar = alternate(channel_round_trips, condvar_round_trips);
  r.add_time("smp", "smp::channel round trip between two threads", condvar.ours);
  r.add_time("smp", "std::mutex + condition_variable hand-off round trip", condvar.theirs);
  r.add("smp", "smp::channel / std::mutex + condition_variable hand-off", condvar.ratio, "x");
#if EVENTLET_PROFILE_BOOST_FIBER
  const side_by_side fiber =
      alternate(channel_round_trips, profiler::boost_fiber::cross_thread_ping_pong);
  r.add("smp", "smp::channel / Boost.Fiber buffered_channel between threads", fiber.ratio, "x");
#endif
  r.add_time("smp", "smp::run_on round trip, empty function", bench::measure(run_on_round_trips));
  if (hub.timer_count() || hub.listener_count())
    throw std::logic_error("the hub holds timers or listeners after the smp benchmarks");
}

}  // namespace profiler
