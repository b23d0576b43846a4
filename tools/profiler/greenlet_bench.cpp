// The cost of the switch core: raw jumps, greenlet switches, greenlet life cycles, and the
// memory a suspended greenlet holds.
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "greenlet/context.hpp"
#include "greenlet/greenlet.hpp"
#include "profiler.hpp"

namespace profiler {
namespace {

using eventlet::greenlet;

void raw_echo(eventlet_transfer t) {
  for (;;) t = eventlet_jump_context(t.from, t.data);
}

// Resident set size of this process, in bytes.
double rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  double size, resident;
  statm >> size >> resident;
  return resident * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// A /proc/self/status field in bytes (given in kB there).
double status_bytes(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) * 1024;
  return 0;
}

// Memory per suspended greenlet: RSS delta over `count` greenlets, each started and suspended
// in its first switch, held as a user would hold them (unique_ptr in a vector).
void suspended_memory(report& r, int count) {
  greenlet* main = eventlet::getcurrent();
  std::vector<std::unique_ptr<greenlet>> all;
  all.reserve(count);
  const double rss0 = rss_bytes(), pte0 = status_bytes("VmPTE");
  for (int i = 0; i < count; ++i) {
    all.push_back(std::make_unique<greenlet>([main](std::any) -> std::any {
      main->switch_to();
      return {};
    }));
    all.back()->switch_to();
  }
  const double rss = (rss_bytes() - rss0) / count, pte = (status_bytes("VmPTE") - pte0) / count;
  const std::string n = count >= 1'000'000 ? std::to_string(count / 1'000'000) + "M"
                                           : std::to_string(count / 1000) + "k";
  r.add("greenlet", "RSS per suspended greenlet at " + n, rss / 1024, "KiB");
  r.add("greenlet", "page tables per suspended greenlet at " + n, pte / 1024, "KiB");
  for (auto& g : all) g->switch_to();  // each returns: no unwinding needed
}

}  // namespace

void bench_greenlet(report& r) {
  static char stack[64 * 1024] alignas(16);
  eventlet_context echo = eventlet_make_context(stack + sizeof stack, sizeof stack, &raw_echo);
  r.add_time("greenlet", "raw jump round trip (eventlet_jump_context x2)",
             bench::measure([&](std::uint64_t n) {
               for (std::uint64_t i = 0; i < n; ++i)
                 echo = eventlet_jump_context(echo, nullptr).from;
             }));

  greenlet* main = eventlet::getcurrent();
  greenlet partner([main](std::any) -> std::any {
    for (;;) main->switch_to();
  });
  r.add_time("greenlet", "greenlet switch_to round trip", bench::measure([&](std::uint64_t n) {
               for (std::uint64_t i = 0; i < n; ++i) partner.switch_to();
             }));

  r.add_time("greenlet", "greenlet create + first switch + finish (cached stack)",
             bench::measure([](std::uint64_t n) {
               for (std::uint64_t i = 0; i < n; ++i) {
                 greenlet g([](std::any v) -> std::any { return v; });
                 bench::keep(g.switch_to());
               }
             }));

  suspended_memory(r, 100'000);
  suspended_memory(r, 1'000'000);

  const double raw = r.find("greenlet", "raw jump round trip (eventlet_jump_context x2)");
  r.check("greenlet switch_to round trip / raw jump round trip",
          r.find("greenlet", "greenlet switch_to round trip") / raw, 1.5, "x");
  r.check("greenlet create + run + finish, cached stack",
          r.find("greenlet", "greenlet create + first switch + finish (cached stack)"), 100, "ns");
  r.check("RSS per suspended greenlet at 1M",
          r.find("greenlet", "RSS per suspended greenlet at 1M"), 4.5, "KiB");
}

}  // namespace profiler
