// One million suspended greenlets fit in one process on the default vm.max_map_count: stacks
// come from slabs, and their guard zones (MADV_GUARD_INSTALL) add no mappings.
#include <doctest/doctest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "greenlet/greenlet.hpp"

using namespace eventlet;

namespace {
int mappings() {
  std::ifstream maps("/proc/self/maps");
  int n = 0;
  for (std::string line; std::getline(maps, line);) ++n;
  return n;
}
}  // namespace

TEST_CASE("a million suspended greenlets stay under the default vm.max_map_count") {
  constexpr int count = 1'000'000;
  greenlet* main = getcurrent();
  std::vector<std::unique_ptr<greenlet>> all;
  all.reserve(count);
  for (int i = 0; i < count; ++i) {
    all.push_back(std::make_unique<greenlet>([main](std::any v) -> std::any {
      main->switch_to();
      return v;
    }));
    all.back()->switch_to(i);
  }
  const int maps = mappings();
  MESSAGE("mappings with ", count, " suspended greenlets: ", maps);
  CHECK(maps < 65530 / 4);
  long sum = 0;
  for (auto& g : all) sum += std::any_cast<int>(g->switch_to());
  CHECK(sum == static_cast<long>(count) * (count - 1) / 2);
}
