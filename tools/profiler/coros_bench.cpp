#include "profiler.hpp"

namespace profiler {

void bench_coros(report&) {}

}  // namespace profiler
