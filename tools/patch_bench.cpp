// What libeventlet_patch costs, side by side with its baseline measured in the same run:
// 1. read() of 0 bytes from a pipe outside any greenthread (no hub on the thread): the
//    interposed read beside the C library's own read (found with dlsym(RTLD_NEXT)); goal: at
//    most 5 ns more.
// 2. A ping-pong between two greenthreads over two pipes, where each read would block and
//    completes once the other greenthread writes: blocking ::read/::write through the patch
//    beside green::fd's read_into/write_some (the green API); goal: at most 1.2x.
// On a shared machine a system call's cost drifts by more than the few nanoseconds compared:
// the two sides are timed in alternating rounds, and the fastest round of each is reported.
// usage: patch_bench  (prints figures; asserts nothing)
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "eventlet.hpp"
#include "green/fd.hpp"
#include "patch/patch.hpp"

namespace {

using read_fn = ssize_t (*)(int, void*, size_t);

// The fastest of `rounds` alternating rounds of a(n) and b(n), in ns per operation each.
template <typename A, typename B>
std::pair<double, double> alternate(A&& a, B&& b, std::uint64_t n, int rounds = 21) {
  using clock = std::chrono::steady_clock;
  auto time = [n](auto& run) {
    const auto t0 = clock::now();
    run(n);
    return std::chrono::duration<double, std::nano>(clock::now() - t0).count() / double(n);
  };
  double best_a = 1e18, best_b = 1e18;
  for (int i = 0; i < rounds; ++i) {
    best_a = std::min(best_a, time(a));
    best_b = std::min(best_b, time(b));
  }
  return {best_a, best_b};
}

// The gate alone, off the hub: what an interposed call adds to the C library's (patch::enabled()
// is the gate behind an exported call) beside an empty loop.
double gate_ns() {
  bool any = false;
  const auto [empty, gate] = alternate(
      [&](std::uint64_t n) {
        for (std::uint64_t i = 0; i < n; ++i) asm volatile("" : : : "memory");
      },
      [&](std::uint64_t n) {
        for (std::uint64_t i = 0; i < n; ++i) any |= eventlet::patch::enabled();
      },
      1000000);
  return any ? -1 : gate - empty;
}

std::pair<double, double> off_hub() {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const auto libc_read = reinterpret_cast<read_fn>(dlsym(RTLD_NEXT, "read"));
  char c;
  const auto figures = alternate(
      [&](std::uint64_t n) {
        for (std::uint64_t i = 0; i < n; ++i) (void)libc_read(fds[0], &c, 0);
      },
      [&](std::uint64_t n) {
        for (std::uint64_t i = 0; i < n; ++i) (void)::read(fds[0], &c, 0);
      },
      20000, 41);
  ::close(fds[0]);
  ::close(fds[1]);
  return figures;
}

// Ping-pong between the main greenlet and a greenthread over two pipes, `n` round trips: with
// blocking ::read/::write through the patch, or with green::fd.
void patched_pingpong(std::uint64_t n) {
  int a[2], b[2];
  if (::pipe(a) != 0 || ::pipe(b) != 0) return;
  auto ponger = eventlet::spawn([&] {
    char c;
    while (::read(a[0], &c, 1) == 1 && c == 'p') (void)!::write(b[1], "o", 1);
  });
  char c;
  for (std::uint64_t i = 0; i < n; ++i) {
    (void)!::write(a[1], "p", 1);
    (void)!::read(b[0], &c, 1);
  }
  (void)!::write(a[1], "q", 1);
  ponger.wait();
  for (int fd : {a[0], a[1], b[0], b[1]}) ::close(fd);
}

void green_pingpong(std::uint64_t n) {
  auto [a_in, a_out] = eventlet::green::pipe();
  auto [b_in, b_out] = eventlet::green::pipe();
  auto ponger = eventlet::spawn([&a_in = a_in, &b_out = b_out] {
    char c;
    while (a_in.read_into({&c, 1}) == 1 && c == 'p') b_out.write_some("o");
  });
  char c;
  for (std::uint64_t i = 0; i < n; ++i) {
    a_out.write_some("p");
    b_in.read_into({&c, 1});
  }
  a_out.write_some("q");
  ponger.wait();
}

}  // namespace

int main() {
  std::pair<double, double> read_ns;
  double gate = 0;
  std::thread([&] {  // a thread without a hub
    read_ns = off_hub();
    gate = gate_ns();
  })
      .join();
  std::printf("read() of 0 bytes off the hub:  libc %7.1f ns   interposed %7.1f ns   (%+.1f ns)\n",
              read_ns.first, read_ns.second, read_ns.second - read_ns.first);
  std::printf("the gate off the hub (patch::enabled(), a call):  %.2f ns\n", gate);
  const auto [green, patched] = alternate(green_pingpong, patched_pingpong, 2000, 15);
  std::printf(
      "ping-pong round trip, reads that wait:   green::fd %7.0f ns   patched read %7.0f ns"
      "   (%.2fx)\n",
      green, patched, patched / green);
  return 0;
}
