// Out of address space for stacks (RLIMIT_AS): the greenthreads that cannot have a stack when
// they start finish with std::bad_alloc without running -- wait() rethrows it, none is lost or
// hangs -- and once the limit is lifted spawning works again. (Not built with sanitizers: their
// shadow memory needs the address space this case takes away.)
#include <sys/resource.h>

#include <fstream>
#include <new>
#include <string>
#include <vector>

#include "coros/event.hpp"
#include "coros/green_pool.hpp"
#include "coros/greenthread.hpp"
#include "helpers.hpp"

using namespace eventlet;

namespace {

// The process's mapped address space, in bytes.
rlim_t address_space() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmSize:", 0) == 0) return static_cast<rlim_t>(std::stol(line.substr(7))) * 1024;
  return 0;
}

}  // namespace

TEST_CASE("isolated: stack allocation failure finishes the greenthread with bad_alloc") {
  hubs::use_hub(isolated::hub_name());
  constexpr int n = 2000;  // far more stacks than the limit below leaves room for
  event<> release;
  std::vector<greenthread<int>> spawned;
  spawned.reserve(n);
  for (int i = 0; i < n; ++i)
    spawned.push_back(spawn([&release, i] {
      release.wait();  // each holds its stack until released
      return i;
    }));
  rlimit old{};
  REQUIRE(getrlimit(RLIMIT_AS, &old) == 0);
  rlimit low = old;
  low.rlim_cur = address_space() + (32 << 20);  // room for about a hundred stacks
  REQUIRE(setrlimit(RLIMIT_AS, &low) == 0);
  eventlet::sleep(0);  // they start: the first ones get stacks, the others cannot
  REQUIRE(setrlimit(RLIMIT_AS, &old) == 0);
  release.send();
  int ran = 0, refused = 0;
  std::string why;
  long sum = 0;
  for (auto& g : spawned) {  // none is lost: no wait hangs
    try {
      sum += g.wait();
      ++ran;
    } catch (const std::bad_alloc& e) {
      ++refused;
      why = e.what();
    }
  }
  MESSAGE(ran << " ran, " << refused << " had no stack: " << why);
  CHECK(ran > 10);
  CHECK(refused > 0);
  CHECK(ran + refused == n);
  CHECK(sum == long{ran} * (ran - 1) / 2);  // the first ones ran, each with its value
  CHECK(hubs::get_hub().greenthread_count() == 0);
  std::vector<greenthread<int>> again;  // memory is back
  for (int i = 0; i < n; ++i) again.push_back(spawn([i] { return i; }));
  sum = 0;
  for (auto& g : again) sum += g.wait();
  CHECK(sum == long{n} * (n - 1) / 2);
}

TEST_CASE("isolated: a green_pool whose members cannot have stacks still ends its waitall()") {
  hubs::use_hub(isolated::hub_name());
  constexpr int n = 2000;
  green_pool pool(n);
  event<> release;
  int ran = 0;
  for (int i = 0; i < n; ++i)
    pool.spawn_n([&] {
      release.wait();
      ++ran;
    });
  rlimit old{};
  REQUIRE(getrlimit(RLIMIT_AS, &old) == 0);
  rlimit low = old;
  low.rlim_cur = address_space() + (32 << 20);
  REQUIRE(setrlimit(RLIMIT_AS, &low) == 0);
  eventlet::sleep(0);  // the members start: most find no stack
  REQUIRE(setrlimit(RLIMIT_AS, &old) == 0);
  release.send();
  pool.waitall();  // returns: no member is lost
  MESSAGE(ran << " of " << n << " members ran");
  CHECK(ran > 10);
  CHECK(ran < n);
  CHECK(pool.running() == 0);
  CHECK(pool.free() == n);
}
