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
    "usage: %s [--json] [--hub all|NAME] [--only greenlet|hubs|coros|tpool|smp] [--help]\n";

// What --help prints after the usage line.
constexpr char help[] = R"(
Measures what context switches and the layers above them cost, and prints each figure with
the targets the issues set beside it (met or MISSED), measured side by side in this run.

options
  --json         print JSON (schema below) instead of the table
  --hub NAME     measure the hubs group on hub NAME only (default: all usable hubs, or
                 EVENTLET_HUB if set); an unknown or unusable name is an error listing the
                 usable ones
  --only GROUP   run one group: greenlet, hubs, coros, tpool or smp (default: all five)
  --help         print this text

benchmarks (time rows are per operation, in ns, with TSC cycles where the CPU has them)
  greenlet  raw jump round trip (eventlet_jump_context x2); greenlet switch_to round trip;
            greenlet create + first switch + finish (cached stack); RSS and page tables per
            suspended greenlet at 1,000,000 (KiB)
  hubs      per hub (a group named after it): sleep(0) ping-pong, per sleep; spawn + wait;
            timer schedule + fire, zero delay and delayed (heap); pipe ping-pong round trip
            (median of alternating rounds), beside a raw epoll loop in C (group "raw")
  coros     on the default hub: event send + wait, per pair; queue ping-pong round trip;
            spawn + wait, one at a time; semaphore acquire + release, uncontended; semaphore
            handoff between two greenthreads; green_pool and plain spawn of 1000 tasks, per
            task; with Boost.Fiber (when built with it, group "Boost.Fiber", alternating
            rounds in the same run): buffered_channel ping-pong round trip and fiber spawn +
            join, and our figure / theirs as ratios ("x")
  tpool     on the default hub: two sleeping threads' round trip (semaphore + eventfd, the
            floor); tpool::execute round trip, empty function; tpool::execute with 8
            concurrent callers, per call
  smp       on the default hub, against a second thread with its own hub: smp::channel
            round trip between the two threads beside a std::mutex + condition_variable
            hand-off (alternating rounds, and the ratio "x"); with Boost.Fiber, the ratio to
            its buffered_channel between two threads; smp::run_on round trip, empty function

targets
  greenlet switch_to round trip / raw jump round trip <= 1.5x; greenlet create + run + finish
  <= 100 ns; RSS per suspended greenlet at 1M <= 4.5 KiB; sleep(0) per sleep, epoll hub
  <= 50 ns; spawn + wait, epoll hub <= 150 ns; pipe ping-pong, epoll hub / raw epoll loop
  <= 1.3x, and libev and libevent hubs / epoll hub <= 1.3x; queue ping-pong / Boost.Fiber
  buffered_channel <= 0.45x; spawn + wait, one at a time <= 150 ns; tpool::execute round
  trip <= 20 us

JSON schema
  {
    "info":    {"<key>": "<value>", ...},        facts about the run (hubs measured, ...)
    "results": [{"group": string, "name": string, "value": number, "unit": "ns" | "KiB" | "x",
                 "cycles": number (ns rows, where TSC cycles are counted)}, ...],
    "targets": [{"what": string, "measured": number, "limit": number, "unit": string,
                 "met": boolean (measured <= limit)}, ...]
  }

exit status: 0 when it ran (targets missed included), 1 when a benchmark failed, 2 for bad
arguments or an unusable hub
)";
constexpr const char* groups[] = {"greenlet", "hubs", "coros", "tpool", "smp"};

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
    if (arg == "--help") {
      std::printf(usage, argv[0]);
      std::fputs(help, stdout);
      return 0;
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "--hub" && !next.empty()) {
      hub = argv[++i];
    } else if (arg == "--only" &&
               std::find(std::begin(groups), std::end(groups), next) != std::end(groups)) {
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
    if (only.empty() || only == "smp") profiler::bench_smp(r);
    json ? r.print_json() : r.print_table();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "eventlet_profile: %s\n", e.what());
    return 1;
  }
}
