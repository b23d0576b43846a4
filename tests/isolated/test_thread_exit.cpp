// A thread that exits with greenthreads still suspended: its hub is shut down at the exit, so
// they unwind -- destructors run, fds close -- and ending such threads again and again leaks
// neither fds nor memory.
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>

#include "coros/event.hpp"
#include "coros/greenthread.hpp"
#include "coros/queue.hpp"
#include "green/socket.hpp"
#include "helpers.hpp"

using namespace eventlet;

namespace {

long rss_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// Counts its destructions.
struct counted {
  std::atomic<int>& n;
  ~counted() { ++n; }
};

}  // namespace

TEST_CASE("isolated: thread exit unwinds suspended greenthreads") {
  const int fds_before = isolated::open_fds();
  long rss_after_warmup = 0;
  constexpr int rounds = 300;
  for (int round = 0; round < rounds; ++round) {
    std::atomic<int> destroyed{0};
    auto unstarted_token = std::make_shared<int>(0);
    std::thread([&] {
      hubs::use_hub(isolated::hub_name());
      // What they wait on outlives them: it is theirs, on the heap.
      auto never = std::make_shared<event<>>();
      auto items = std::make_shared<queue<int>>();
      spawn_n([&destroyed, never] {
        counted c{destroyed};
        never->wait();
      });
      spawn_n([&destroyed, items] {
        counted c{destroyed};
        items->get();
      });
      spawn_n([&destroyed] {
        counted c{destroyed};
        eventlet::sleep(1000);
      });
      spawn_n([&destroyed] {
        counted c{destroyed};
        auto [mine, theirs] = green::socketpair();  // closed as they unwind
        char buf[8];
        mine.recv_into(buf);  // nothing comes
      });
      eventlet::sleep(0);
      spawn_n([token = unstarted_token] {});  // never runs; what it holds is released
    }).join();
    CHECK(destroyed == 4);
    CHECK(unstarted_token.use_count() == 1);
    if (round == 20) rss_after_warmup = rss_kib();
  }
  CHECK(isolated::open_fds() == fds_before);
  const long growth = rss_kib() - rss_after_warmup;
  MESSAGE("RSS growth over " << rounds - 20 << " threads: " << growth << " KiB");
#if !defined(__SANITIZE_ADDRESS__)  // ASan keeps freed memory in quarantine; LSan checks leaks
  CHECK(growth < 8 * 1024);
#endif
}
