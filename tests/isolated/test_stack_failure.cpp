// Out of address space for stacks (RLIMIT_AS): spawn() throws std::bad_alloc and spawns
// nothing, the greenthreads spawned before it run and can be waited for, and once the limit is
// lifted spawning works again. (Not built with sanitizers: their shadow memory needs the
// address space this case takes away.)
#include <sys/resource.h>

#include <fstream>
#include <new>
#include <string>
#include <vector>

#include "coros/event.hpp"
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

TEST_CASE("isolated: stack allocation failure throws bad_alloc from spawn") {
  hubs::use_hub(isolated::hub_name());
  event<> release;
  std::vector<greenthread<int>> spawned;
  spawned.reserve(100000);
  rlimit old{};
  REQUIRE(getrlimit(RLIMIT_AS, &old) == 0);
  rlimit low = old;
  low.rlim_cur = address_space() + (32 << 20);  // room for about a hundred stacks
  REQUIRE(setrlimit(RLIMIT_AS, &low) == 0);
  bool threw = false;
  std::string why;
  try {
    for (int i = 0; i < 100000; ++i)
      spawned.push_back(spawn([&release, i] {
        release.wait();
        return i;
      }));
  } catch (const std::bad_alloc& e) {
    threw = true;
    why = e.what();
  }
  REQUIRE(setrlimit(RLIMIT_AS, &old) == 0);
  CHECK(threw);
  MESSAGE("spawned " << spawned.size() << " before: " << why);
  CHECK(spawned.size() > 10);
  CHECK(hubs::get_hub().greenthread_count() == spawned.size());  // nothing half-spawned
  release.send();
  long sum = 0;
  for (auto& g : spawned) sum += g.wait();  // none is lost: no wait hangs
  const long n = static_cast<long>(spawned.size());
  CHECK(sum == n * (n - 1) / 2);
  std::vector<greenthread<int>> again;
  for (int i = 0; i < 2 * n; ++i) again.push_back(spawn([i] { return i; }));
  for (auto& g : again) g.wait();
  CHECK(hubs::get_hub().greenthread_count() == 0);
}
