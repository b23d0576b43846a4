// The profiler's benchmark groups, one function per layer.
#pragma once

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "../bench.hpp"
#include "report.hpp"

namespace profiler {

// Our figure and another library's for the same work, measured in alternating rounds so that a
// slow spell of this shared machine falls on both: each the median of its rounds, and the
// median of the per-round ratios.
struct side_by_side {
  bench::figure ours, theirs;
  double ratio;
};

// alternate() measures `ours` and `theirs` in alternating rounds.
template <typename Ours, typename Theirs>
side_by_side alternate(Ours ours, Theirs theirs) {
  constexpr int rounds = 7;
  std::vector<bench::figure> a, b;
  std::vector<double> ratios;
  for (int i = 0; i < rounds; ++i) {
    a.push_back(bench::measure(ours, 3));
    b.push_back(bench::measure(theirs, 3));
    ratios.push_back(a.back().ns / b.back().ns);
  }
  auto median = [](auto v, auto less) {
    std::sort(v.begin(), v.end(), less);
    return v[v.size() / 2];
  };
  auto by_ns = [](const bench::figure& x, const bench::figure& y) { return x.ns < y.ns; };
  return {median(a, by_ns), median(b, by_ns), median(ratios, std::less<double>())};
}

// bench_greenlet() measures the switch core: jumps, switches, life cycles, memory.
void bench_greenlet(report& r);

// bench_hubs() measures each of `hubs`, on a thread of its own, beside a plain epoll loop.
void bench_hubs(report& r, const std::vector<std::string>& hubs);

// bench_coros() measures the coros primitives (event, queue, semaphore, green_pool).
void bench_coros(report& r);

// bench_tpool() measures the native thread pool (tpool::execute).
void bench_tpool(report& r);

// bench_smp() measures crossing threads (smp::channel, smp::run_on) beside plain threads'
// hand-offs and Boost.Fiber's.
void bench_smp(report& r);

}  // namespace profiler
