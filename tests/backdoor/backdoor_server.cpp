// A program for the tests with real clients (clients.py) and with gdb (gdb_check.py): serves
// the backdoor on the Unix socket given, with greenthreads waiting on everything a listing
// tells apart, prints "ready", and runs until killed. Greenthread #1 is "victim", waiting on an
// event in backdoor_test_wait_on_event().
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "backdoor/serve.hpp"
#include "coros/event.hpp"
#include "coros/green_pool.hpp"
#include "coros/queue.hpp"
#include "coros/semaphore.hpp"
#include "hubs/trampoline.hpp"

using namespace eventlet;

[[gnu::noinline]] int backdoor_test_wait_on_event(event<int>& e) {
  const int v = e.wait();
  asm volatile("" ::: "memory");  // keeps the call from being a tail call
  return v;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s SOCKET_PATH\n", argv[0]);
    return 2;
  }
  event<int> never;
  queue<int> q;
  semaphore s(0);
  int fds[2];
  if (::pipe(fds) != 0) return 1;
  std::vector<greenthread<void>> all;
  all.push_back(
      spawn(spawn_options{.name = "victim"}, [&] { backdoor_test_wait_on_event(never); }));
  for (int i = 0; i < 20; ++i) {
    const std::string n = std::to_string(i);
    all.push_back(spawn(spawn_options{.name = "ev" + n}, [&] { never.wait(); }));
    all.push_back(spawn(spawn_options{.name = "q" + n}, [&] { q.get(); }));
    all.push_back(spawn(spawn_options{.name = "sem" + n}, [&] { s.acquire(); }));
    all.push_back(spawn(spawn_options{.name = "nap" + n}, [] { sleep(1000); }));
  }
  all.push_back(
      spawn(spawn_options{.name = "reader"}, [&] { hubs::trampoline(fds[0], hubs::io::read); }));
  green_pool pool(8);
  pool.listing().set_name("workers");
  pool.spawn([&] { never.wait(); });
  green::socket listener = backdoor::listen(argv[1]);
  auto server = spawn(spawn_options{.name = "backdoor"}, [&] { backdoor::serve(listener); });
  sleep(0.05);
  std::printf("ready\n");
  std::fflush(stdout);
  server.wait();
}
