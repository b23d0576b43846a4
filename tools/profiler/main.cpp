// eventlet_profile: measures what context switches and the layers above them cost, and prints
// a table (or JSON with --json) with the issues' targets beside the figures.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "hubs/hub.hpp"
#include "profiler.hpp"

namespace {

namespace hubs = eventlet::hubs;

constexpr char usage[] =
    "usage: %s [--json] [--hub all|NAME] [--only greenlet|hubs|coros|tpool]\n";
constexpr const char* groups[] = {"greenlet", "hubs", "coros", "tpool"};

// The hubs to measure: every usable one for "all", else `name`; throws hubs::hub_error, naming
// the usable hubs, if `name` is not one of them.
std::vector<std::string> chosen_hubs(const std::string& name) {
  std::vector<std::string> usable = hubs::available_hubs();
  if (name == "all") return usable;
  if (std::find(usable.begin(), usable.end(), name) == usable.end())
    hubs::use_hub(name);  // throws hub_error, whose message lists the usable hubs
  return {name};
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false;
  std::string hub = "all", only;
  if (const char* env = std::getenv("EVENTLET_HUB"); env && *env) hub = env;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i], next = i + 1 < argc ? argv[i + 1] : "";
    if (arg == "--json") {
      json = true;
    } else if (arg == "--hub" && !next.empty()) {
      hub = argv[++i];
    } else if (arg == "--only" && std::find(std::begin(groups), std::end(groups), next) != std::end(groups)) {
      only = argv[++i];
    } else {
      std::fprintf(stderr, usage, argv[0]);
      return 2;
    }
  }
  std::vector<std::string> measured;
  try {
    if (only.empty() || only == "hubs") measured = chosen_hubs(hub);
  } catch (const hubs::hub_error& e) {
    std::fprintf(stderr, "eventlet_profile: %s\n", e.what());
    return 2;
  }
  try {
    profiler::report r;
    if (!measured.empty()) {
      std::string names;
      for (const std::string& name : measured) names += (names.empty() ? "" : " ") + name;
      r.info("hubs measured", names);
      r.info("default hub", hubs::get_default_hub());
    }
    if (only.empty() || only == "greenlet") profiler::bench_greenlet(r);
    if (!measured.empty()) profiler::bench_hubs(r, measured);
    if (only.empty() || only == "coros") profiler::bench_coros(r);
    if (only.empty() || only == "tpool") profiler::bench_tpool(r);
    json ? r.print_json() : r.print_table();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "eventlet_profile: %s\n", e.what());
    return 1;
  }
}
