// eventlet_profile: measures what context switches and the layers above them cost, and prints
// a table (or JSON with --json) with the issues' targets beside the figures.
#include <cstdio>
#include <cstring>
#include <exception>

#include "profiler.hpp"

int main(int argc, char** argv) {
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0) {
      json = true;
    } else {
      std::fprintf(stderr, "usage: %s [--json]\n", argv[0]);
      return 2;
    }
  }
  try {
    profiler::report r;
    profiler::bench_greenlet(r);
    json ? r.print_json() : r.print_table();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "eventlet_profile: %s\n", e.what());
    return 1;
  }
}
