// embed_bench: the hub inside an application's libevent loop (embed::join) beside the libevent
// hub running its own loop, in the same run: a sleep(0) ping-pong between two greenthreads, and
// a one-byte echo round trip over a green socket pair. Prints figures; asserts nothing.
//
//   build/tools/embed_bench
#include <event2/event.h>

#include <cstdint>
#include <cstdio>
#include <functional>

#include "bench.hpp"
#include "embed/join.hpp"
#include "eventlet.hpp"

namespace {

using namespace eventlet;

// Two greenthreads that sleep(0) in turn: n sleeps in all.
void ping_pong(std::uint64_t n) {
  auto a = spawn([n] {
    for (std::uint64_t i = 0; i < n / 2; ++i) sleep(0);
  });
  for (std::uint64_t i = 0; i < n - n / 2; ++i) sleep(0);
  a.wait();
}

// n one-byte round trips between two greenthreads over a socket pair.
void echo(std::uint64_t n) {
  auto [left, right] = green::socketpair();
  auto server = spawn([&right, n] {
    for (std::uint64_t i = 0; i < n; ++i) right.sendall(right.recv(1));
  });
  for (std::uint64_t i = 0; i < n; ++i) {
    left.sendall("x");
    bench::keep(left.recv(1));
  }
  server.wait();
}

// `op` run in a greenthread on the thread's hub, which runs its own libevent loop.
bench::figure on_libevent_hub(void (*op)(std::uint64_t)) {
  hubs::use_hub("libevent");
  return bench::measure([op](std::uint64_t n) { spawn(op, n).wait(); });
}

// `op` run in a greenthread inside an application's event_base_dispatch().
bench::figure in_joined_loop(void (*op)(std::uint64_t)) {
  event_base* base = event_base_new();
  bench::figure f;
  {
    embed::joined_loop joined = embed::join(base);
    f = bench::measure([op, base](std::uint64_t n) {
      spawn([op, base, n] {
        op(n);
        event_base_loopexit(base, nullptr);
      });
      event_base_dispatch(base);
    });
  }
  event_base_free(base);
  return f;
}

void row(const char* what, void (*op)(std::uint64_t)) {
  const bench::figure hub = on_libevent_hub(op);
  const bench::figure joined = in_joined_loop(op);
  std::printf("%-34s libevent hub %9.1f ns   joined loop %9.1f ns   hub/joined %.2fx\n", what,
              hub.ns, joined.ns, hub.ns / joined.ns);
}

}  // namespace

int main() {
  row("sleep(0) ping-pong, per sleep", &ping_pong);
  row("echo round trip (socket pair)", &echo);
}
