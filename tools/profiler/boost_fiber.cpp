// Boost.Fiber's queue ping-pong and spawn + join, written as the coros benchmarks are.
#include "boost_fiber.hpp"

#include <boost/fiber/all.hpp>
#include <thread>

#include "../bench.hpp"

namespace profiler::boost_fiber {

void channel_ping_pong(std::uint64_t n) {
  // buffered_channel wants a power of two of at least 2; a ping-pong never holds more than 1.
  boost::fibers::buffered_channel<std::uint64_t> c1(2), c2(2);
  boost::fibers::fiber b([&] {
    std::uint64_t item = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      c1.pop(item);
      c2.push(item);
    }
  });
  boost::fibers::fiber a([&] {
    std::uint64_t item = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      c1.push(i);
      c2.pop(item);
      bench::keep(item);
    }
  });
  a.join();
  b.join();
}

void cross_thread_ping_pong(std::uint64_t n) {
  boost::fibers::buffered_channel<std::uint64_t> c1(2), c2(2);
  std::thread peer([&] {
    std::uint64_t item = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      c1.pop(item);
      c2.push(item);
    }
  });
  std::uint64_t item = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    c1.push(i);
    c2.pop(item);
    bench::keep(item);
  }
  peer.join();
}

void spawn_join(std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) boost::fibers::fiber([] {}).join();
}

}  // namespace profiler::boost_fiber
