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

}  // namespace profiler
