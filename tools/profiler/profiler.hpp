// The profiler's benchmark groups, one function per layer.
#pragma once

#include <string>
#include <vector>

#include "report.hpp"

namespace profiler {

// bench_greenlet() measures the switch core: jumps, switches, life cycles, memory.
void bench_greenlet(report& r);

// bench_hubs() measures each of `hubs`, on a thread of its own, beside a plain epoll loop.
void bench_hubs(report& r, const std::vector<std::string>& hubs);

// bench_coros() measures the coros primitives (event, queue, semaphore, green_pool).
void bench_coros(report& r);

// bench_tpool() measures the native thread pool (tpool::execute).
void bench_tpool(report& r);

}  // namespace profiler
