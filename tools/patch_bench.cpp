// What libeventlet_patch costs, side by side with its baseline measured in the same run:
// 1. read() of 0 bytes from a pipe outside any greenthread (no hub on the thread): the
//    interposed read beside the C library's own read (found with dlsym(RTLD_NEXT)); goal: at
//    most 5 ns more. The gate alone (patch::enabled(), behind an exported call) beside an empty
//    loop too.
// 2. A ping-pong between two greenthreads over two pipes, where each read would block and
//    completes once the other greenthread writes: blocking ::read/::write through the patch
//    beside green::fd's read_into/write_some (the green API); goal: at most 1.2x.
// On a shared machine a system call's cost drifts by hundreds of ns, far more than the few
// compared: the two sides run in many short rounds, back to back in each round (which goes
// first alternates), and the figure is the median of the per-round differences, its spread the
// quartiles. The instructions each side executes are counted exactly by callgrind instead:
// `patch_bench --count N` runs only N calls of each side, in functions of their own, for
// tools/patch_bench_instructions.sh. An fd adopted beforehand makes the fd table exist, as in a
// program that uses the patch.
// usage: patch_bench [--count N]  (prints figures; asserts nothing)
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "eventlet.hpp"
#include "green/fd.hpp"
#include "patch/patch.hpp"

namespace {

using read_fn = ssize_t (*)(int, void*, size_t);

// Per-operation nanoseconds of two sides timed in paired rounds.
struct paired {
  double a, b;                    // each side's median round
  double diff, diff_lo, diff_hi;  // b - a: the median of the rounds' differences, its quartiles
};

// compare() times `rounds` rounds of a(n) and b(n), back to back in each round, a first in
// even rounds and b first in odd ones.
template <typename A, typename B>
paired compare(A&& a, B&& b, std::uint64_t n, int rounds) {
  using clock = std::chrono::steady_clock;
  auto time = [n](auto& run) {
    const auto t0 = clock::now();
    run(n);
    return std::chrono::duration<double, std::nano>(clock::now() - t0).count() / double(n);
  };
  std::vector<double> as, bs, diffs;
  for (int i = 0; i < rounds; ++i) {
    double ta, tb;
    if (i % 2 == 0) {
      ta = time(a);
      tb = time(b);
    } else {
      tb = time(b);
      ta = time(a);
    }
    as.push_back(ta);
    bs.push_back(tb);
    diffs.push_back(tb - ta);
  }
  auto at = [](std::vector<double>& v, double q) {
    std::sort(v.begin(), v.end());
    return v[std::size_t(q * double(v.size() - 1))];
  };
  return {at(as, 0.5), at(bs, 0.5), at(diffs, 0.5), at(diffs, 0.25), at(diffs, 0.75)};
}

// The sides compared off the hub, each in a function of its own (callgrind counts them).
[[gnu::noinline]] void libc_reads(read_fn libc_read, int fd, std::uint64_t n) {
  char c;
  for (std::uint64_t i = 0; i < n; ++i) (void)libc_read(fd, &c, 0);
}

[[gnu::noinline]] void interposed_reads(int fd, std::uint64_t n) {
  char c;
  for (std::uint64_t i = 0; i < n; ++i) (void)::read(fd, &c, 0);
}

[[gnu::noinline]] void empty_loop(std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) asm volatile("" : : : "memory");
}

[[gnu::noinline]] bool gate_calls(std::uint64_t n) {
  bool any = false;
  for (std::uint64_t i = 0; i < n; ++i) any |= eventlet::patch::enabled();
  return any;
}

read_fn libc_read() { return reinterpret_cast<read_fn>(dlsym(RTLD_NEXT, "read")); }

struct off_hub_figures {
  paired read, gate;
};

off_hub_figures off_hub() {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  const read_fn plain = libc_read();
  bool any = false;
  const off_hub_figures figures{
      compare([&](std::uint64_t n) { libc_reads(plain, fds[0], n); },
              [&](std::uint64_t n) { interposed_reads(fds[0], n); }, 500, 2001),
      compare(
          empty_loop, [&](std::uint64_t n) { any |= gate_calls(n); }, 100000, 201)};
  ::close(fds[0]);
  ::close(fds[1]);
  if (any) std::printf("(the gate said green off the hub?)\n");
  return figures;
}

// --count: each side `n` times, for callgrind (on a thread without a hub).
void count_only(std::uint64_t n) {
  int fds[2];
  if (::pipe(fds) != 0) return;
  const read_fn plain = libc_read();
  char c;
  (void)::read(fds[0], &c, 0);  // finds libc's read for the interposed one, outside the counts
  libc_reads(plain, fds[0], n);
  interposed_reads(fds[0], n);
  empty_loop(n);
  if (gate_calls(n)) std::printf("(the gate said green off the hub?)\n");
  ::close(fds[0]);
  ::close(fds[1]);
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

int main(int argc, char** argv) {
  const bool count = argc == 3 && std::strcmp(argv[1], "--count") == 0;
  if (argc != 1 && !count) {
    std::fprintf(stderr, "usage: patch_bench [--count N]\n");
    return 2;
  }
  // A pipe a greenthread reads from, which adopts it: the fd table is then there, as in a program
  // that uses the patch, and the calls off the hub look their fd up in it.
  int adopted[2];
  if (::pipe(adopted) != 0 || ::write(adopted[1], "x", 1) != 1) return 1;
  eventlet::spawn([&] {
    char c;
    (void)!::read(adopted[0], &c, 1);
  }).wait();
  if (count) {
    std::thread(count_only, std::strtoull(argv[2], nullptr, 10)).join();
    return 0;
  }
  off_hub_figures off;
  std::thread([&] { off = off_hub(); }).join();  // a thread without a hub
  std::printf(
      "read() of 0 bytes off the hub, 2001 paired rounds of 500 calls:\n"
      "  libc %.1f ns   interposed %.1f ns   (medians)\n"
      "  interposed - libc: median %+.1f ns a call, quartiles %+.1f to %+.1f ns\n",
      off.read.a, off.read.b, off.read.diff, off.read.diff_lo, off.read.diff_hi);
  std::printf(
      "the gate off the hub (patch::enabled(), a call) over an empty loop: median %+.2f ns, "
      "quartiles %+.2f to %+.2f ns\n",
      off.gate.diff, off.gate.diff_lo, off.gate.diff_hi);
  const paired ping = compare(green_pingpong, patched_pingpong, 500, 41);
  std::printf(
      "ping-pong round trip, reads that wait:   green::fd %.0f ns   patched read %.0f ns"
      "   (%.2fx; difference median %+.0f ns, quartiles %+.0f to %+.0f ns)\n",
      ping.a, ping.b, ping.b / ping.a, ping.diff, ping.diff_lo, ping.diff_hi);
  ::close(adopted[0]);
  ::close(adopted[1]);
  return 0;
}
