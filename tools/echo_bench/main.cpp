// echo_bench: echo throughput, side by side in one run, of an echo server written as a raw
// single-threaded epoll loop in C (echo_raw_epoll, the baseline), of the example echo_server
// under each hub, of echo_server --threads 1 and 2 (smp::server: its share of the work per
// thread is shown, as each serving thread's part of their CPU time), and of the example
// tls_echo_server where it is built beside echo_server.
//
//   build/tools/echo_bench [--connections N] [--seconds S] [--json]
//
// Each server runs as a child process (--port 0) loaded by a load generator of its own: a
// forked copy of this program, a raw epoll loop over non-blocking sockets, written to cost as
// little as it can. Each generator opens N connections (10,000 by default; the select hub gets
// at most 1,000, since it cannot watch fds from 1024 on), each doing one round trip, and holds
// them idle while the server's RSS is read: RSS per idle connection is VmRSS then, minus VmRSS
// before the first connection, over N. Then the timed part: every connection does ping-pong
// round trips of a 16-byte message carrying its id and a sequence number, each echo checked
// against what was sent, in windows of 0.5 s taken in turn by every server (in one order, then
// in the other), S seconds (3 by default) in all per server, so that the noise of a shared
// machine falls on every server alike: the median window is reported, and the median of the
// ratios of a server's window to the baseline's of the same round. After each window the
// echoes in flight are awaited.
// For TLS the generator does the handshakes (without verifying the self-signed certificate)
// before the timed part. Errors are echoes that differ, connections that fail and echoes that
// never come; any error makes the exit status 1. Figures only: nothing here judges time.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "hubs/hub.hpp"
#include "report.hpp"
#include "servers.hpp"

using namespace echo_bench;

namespace {

// The directory this program is in.
std::string own_directory() {
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return ".";
  const std::string p(path, static_cast<std::size_t>(n));
  return p.substr(0, p.rfind('/'));
}

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr, "%s\nusage: echo_bench [--connections N] [--seconds S] [--json]\n",
               problem.c_str());
  std::exit(2);
}

std::string number_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

// Reads the value of `name`: a number from `low` to `high`.
double number(const std::string& name, const char* text, double low, double high) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (!*text || *end || !(v >= low && v <= high))
    usage(name + " '" + text + "' is not a number from " + number_text(low) + " to " +
          number_text(high));
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t connections = 10'000;
  double seconds = 3;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      json = true;
    } else if (arg == "--connections" && i + 1 < argc) {
      connections = static_cast<std::size_t>(number(arg, argv[++i], 1, 1e6));
    } else if (arg == "--seconds" && i + 1 < argc) {
      seconds = number(arg, argv[++i], window_seconds, 3600);
    } else {
      usage("bad argument '" + arg + "'");
    }
  }

  // Each process needs its own N fds: raise the soft limit as far as allowed.
  rlimit limit;
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  if (connections + 64 > limit.rlim_cur)
    std::fprintf(stderr, "echo_bench: the fd limit (%llu) is too low for %zu connections\n",
                 static_cast<unsigned long long>(limit.rlim_cur), connections);

  const std::string dir = own_directory();
  std::vector<bench> all;
  const auto add = [&](server_spec spec) { all.emplace_back().spec = std::move(spec); };
  add({"echo_raw_epoll", dir + "/echo_raw_epoll", "", connections, false});
  for (const std::string& hub : eventlet::hubs::available_hubs()) {
    const std::size_t n = hub == "select" ? std::min<std::size_t>(connections, 1000) : connections;
    add({"echo_server", dir + "/examples/echo_server", hub, n, false});
  }
  // smp::server on the default hub: one thread, then two (the kernel spreads the connections).
  for (const int threads : {1, 2})
    add({"echo_server -t" + std::to_string(threads), dir + "/examples/echo_server",
         eventlet::hubs::get_default_hub(), connections, false, threads});
  const std::string tls_path = dir + "/examples/tls_echo_server";
  const bool have_tls = access(tls_path.c_str(), X_OK) == 0;
  if (have_tls)
    add({"tls_echo_server", tls_path, eventlet::hubs::get_default_hub(), connections, true});

  // The servers take their windows in turn, in one order and then in the other.
  for (bench& b : all) start(b);
  const int rounds = std::max(1, static_cast<int>(std::lround(seconds / window_seconds)));
  for (int round = 0; round < rounds; ++round)
    for (std::size_t i = 0; i < all.size(); ++i) {
      bench& b = all[round % 2 ? all.size() - 1 - i : i];
      if (b.failure.empty()) window(b);
    }
  for (bench& b : all) finish(b);

  bool failed = false;
  for (const bench& b : all)
    failed = failed || !b.failure.empty() || b.load_final.errors || b.load_final.lost;
  if (json) {
    print_json(all);
  } else {
    print_table(all, connections, rounds * window_seconds);
    for (const bench& b : all)
      if (b.spec.connections != connections)
        std::printf(
            "\n%s on %s: %zu connections (it cannot watch fds from 1024 on); its ratio is "
            "to the C baseline at %zu.",
            b.spec.program.c_str(), b.spec.hub.c_str(), b.spec.connections, connections);
    print_thread_shares(all);
    if (!have_tls) std::printf("\ntls_echo_server: not built beside echo_server; TLS skipped.");
    std::printf("\n");
  }
  return failed ? 1 : 0;
}
