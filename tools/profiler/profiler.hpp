// The profiler's benchmark groups, one function per layer.
#pragma once

#include "report.hpp"

namespace profiler {

// bench_greenlet() measures the switch core: jumps, switches, life cycles, memory.
void bench_greenlet(report& r);

}  // namespace profiler
