// Boost.Fiber's counterparts of the coros figures, for the profiler to print beside ours.
// Built only where meson finds Boost.Fiber (libboost-fiber-dev).
#pragma once

#include <cstdint>

namespace profiler::boost_fiber {

// channel_ping_pong() runs `n` round trips of an item between two fibers over two
// boost::fibers::buffered_channel: A pushes on c1 and pops from c2; B pops from c1 and pushes on
// c2. The fibers run on the calling thread's fiber scheduler.
void channel_ping_pong(std::uint64_t n);

// cross_thread_ping_pong() runs `n` round trips of an item between the calling thread's main
// fiber and a fiber on another thread, over two buffered_channels (each thread has Boost.Fiber's
// default scheduler, which sleeps on a condition variable when no fiber is ready).
void cross_thread_ping_pong(std::uint64_t n);

// spawn_join() launches `n` fibers with an empty function one at a time, joining each before
// the next.
void spawn_join(std::uint64_t n);

}  // namespace profiler::boost_fiber
