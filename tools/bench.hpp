// Timing for benchmarks: per-operation nanoseconds and TSC cycles, as the median of several
// rounds. Benchmarks print figures; they never assert on time.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace bench {

// True where cycles can be counted (x86-64 TSC: reference cycles at a constant rate).
#if defined(__x86_64__)
inline constexpr bool have_cycles = true;
inline std::uint64_t cycles_now() { return __rdtsc(); }
#else
inline constexpr bool have_cycles = false;
inline std::uint64_t cycles_now() { return 0; }
#endif

struct figure {
  double ns;      // nanoseconds per operation
  double cycles;  // TSC cycles per operation; 0 where have_cycles is false
};

// measure() times `run(n)`, which must perform n operations: it finds an n that takes about
// `round_ms`, runs `rounds` rounds of it and returns the median round's per-operation figure.
template <typename Run>
figure measure(Run&& run, int rounds = 7, double round_ms = 30) {
  using clock = std::chrono::steady_clock;
  auto time = [&](std::uint64_t n) {
    const auto c0 = cycles_now();
    const auto t0 = clock::now();
    run(n);
    const auto t1 = clock::now();
    const auto c1 = cycles_now();
    const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count();
    return figure{ns / n, static_cast<double>(c1 - c0) / n};
  };
  std::uint64_t n = 16;
  while (time(n).ns * n < round_ms * 1e6 && n < (std::uint64_t{1} << 40)) n *= 2;
  std::vector<figure> all;
  for (int i = 0; i < rounds; ++i) all.push_back(time(n));
  std::sort(all.begin(), all.end(), [](const figure& a, const figure& b) { return a.ns < b.ns; });
  return all[all.size() / 2];
}

// Keeps the compiler from optimising `value` away.
template <typename T>
inline void keep(T const& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

}  // namespace bench
