// http_bench: the server CPU time an HTTP request costs, side by side in one run, in the
// example http_hello and in raw_http, a raw single-threaded epoll responder in C (the
// baseline), loaded by wrk. The help text (help_text below, `http_bench --help`) says what is
// measured and how. Figures only: nothing here judges time (the exit status says whether every
// server could be measured without errors).
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "report.hpp"
#include "rounds.hpp"
#include "scenarios.hpp"
#include "wrk.hpp"

using namespace http_bench;

namespace {

const char help_text[] =
    R"(usage: http_bench [--seconds S] [--scenario NAME]... [--server NAME=COMMAND]...

Measures what an HTTP request costs a server: wrk (Debian's wrk 4, one thread) loads each
server in each scenario, the server pinned to one CPU and wrk to another (the first two CPUs
this program may use), in rounds of about 1 s taken in turn by the servers (in one order, then
in the other) so that the changing load of a shared machine falls on all alike. The server's
CPU time (user + system, all its threads: its process CPU clock, in nanoseconds) is read before
each round and 0.1 s after wrk ends. A table row per scenario and server gives the requests
wrk completed, requests/s over wrk's run time, the server's CPU microseconds per request, how
busy the server's CPU was while wrk ran (well below 100%: wrk, not the server, was the limit),
the median over the rounds of its CPU per request over the baseline's in the same round ("x
raw") with the lowest and highest of those ratios ("rounds"), and issue 12's target. Rows print
as each scenario ends.

The baseline, always run first: raw_http (beside this program), a raw single-threaded epoll
responder in C. The servers compared with it: those given with --server (then only those),
else the example http_hello (examples/http_hello beside this program) if it is built; the
output says so when it is not.

Scenarios (each server gets a fresh process, on a free port, in each; the baseline's is
started first):
  hello        GET /, keep-alive, 100 connections            target <= 1.5x raw
  hello-c1000  GET /, keep-alive, 1000 connections           target <= 1.8x raw
  close        GET / with "Connection: close", 50 connections target <= 1.2x raw
  16k          GET /16k (16,384-byte body), keep-alive, 100   target <= 1.5x raw

Options:
  --seconds S            how long wrk loads each server per scenario, over all rounds
                         (default 5; from 0.2 to 3600): S/round(S) seconds a round, one round
                         if S < 1.5. wrk counts whole seconds: it is stopped with SIGINT on time.
  --scenario NAME        run this scenario; repeat for several (default: all four).
  --server NAME=COMMAND  compare the server COMMAND starts, shown as NAME; repeatable. COMMAND
                         must contain {port}, which becomes the port to listen on (on
                         127.0.0.1 or on every address); it is run by /bin/sh as
                         "exec COMMAND", so use `env VAR=value program ...` to set variables.
                         The server must run as one process (its children's CPU is not
                         counted), answer any path with a short body and /16k with 16 KiB, and
                         exit on SIGTERM. Its stdout is discarded, its stderr shown.
  --help                 this text.

The soft limit on open files is raised to the hard one, for this program and its children
(1000 connections need 1000 fds in wrk and in the server).

Exit status: 0 if every server was measured and wrk counted no errors; 1 if a server could not
be measured (the row says why: it did not start, did not listen, exited while loaded, or
answered no request) or wrk counted errors (socket errors, responses with status >= 400); 2 for
bad arguments or when wrk is not installed.

Example: build/tools/http_bench --seconds 2 --scenario hello \
           --server "copy=build/tools/raw_http --port {port}"
)";

// The directory this program is in.
std::string own_directory() {
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return ".";
  const std::string p(path, static_cast<std::size_t>(n));
  return p.substr(0, p.rfind('/'));
}

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "http_bench: %s\nusage: http_bench [--seconds S] [--scenario NAME]... "
               "[--server NAME=COMMAND]... (--help says more)\n",
               problem.c_str());
  std::exit(2);
}

server_spec parse_server(const std::string& text) {
  const std::size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0)
    usage("--server '" + text + "' is not NAME=COMMAND");
  server_spec spec{text.substr(0, equals), text.substr(equals + 1)};
  if (spec.name.find_first_of(" \t") != std::string::npos)
    usage("--server: the name '" + spec.name + "' has a space in it");
  if (spec.command.find("{port}") == std::string::npos)
    usage("--server " + spec.name + ": the command has no {port}");
  return spec;
}

const scenario& find_scenario(const std::string& name) {
  for (const scenario& s : scenarios)
    if (name == s.name) return s;
  usage("no scenario '" + name + "' (there are hello, hello-c1000, close, 16k)");
}

// The CPUs this process may run on, in order.
std::vector<int> usable_cpus() {
  cpu_set_t set;
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
      if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  if (cpus.empty()) cpus.push_back(0);
  return cpus;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  std::vector<const scenario*> chosen;
  std::vector<server_spec> compared;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help") {
      std::fputs(help_text, stdout);
      return 0;
    }
    if (arg != "--seconds" && arg != "--scenario" && arg != "--server")
      usage("bad argument '" + arg + "'");
    if (i + 1 == argc) usage(arg + " needs a value");
    const std::string value = argv[++i];
    if (arg == "--seconds") {
      char* end = nullptr;
      seconds = std::strtod(value.c_str(), &end);
      if (value.empty() || *end || !(seconds >= 0.2 && seconds <= 3600))
        usage("--seconds '" + value + "' is not a number from 0.2 to 3600");
    } else if (arg == "--scenario") {
      const scenario* s = &find_scenario(value);
      if (std::find(chosen.begin(), chosen.end(), s) == chosen.end()) chosen.push_back(s);
    } else {
      compared.push_back(parse_server(value));
    }
  }
  if (chosen.empty())
    for (const scenario& s : scenarios) chosen.push_back(&s);
  if (!wrk_found()) usage("wrk is not installed (Debian: apt-get install wrk; or tools/dev setup)");

  const std::string dir = own_directory();
  std::vector<server_spec> all{{"raw_http", dir + "/raw_http --port {port}"}};
  std::string missing;
  if (compared.empty()) {
    const std::string hello = dir + "/examples/http_hello";
    if (access(hello.c_str(), X_OK) == 0)
      compared.push_back({"http_hello", hello + " --port {port}"});
    else
      missing = hello;
  }
  all.insert(all.end(), compared.begin(), compared.end());
  std::size_t name_width = 6;
  for (const server_spec& s : all) name_width = std::max(name_width, s.name.size());

  // wrk and the server each need an fd per connection.
  rlimit limit;
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  const std::vector<int> cpus = usable_cpus();
  const int server_cpu = cpus[0], wrk_cpu = cpus[cpus.size() > 1 ? 1 : 0];

  std::printf(
      "http_bench: wrk, one thread on CPU %d, loads each server, pinned to CPU %d, for %g s\n"
      "per scenario, in rounds of %g s taken in turn. CPU/request: the server's CPU time\n"
      "(user + system) per request wrk completed; x raw: the median of the rounds' ratios of\n"
      "that to raw_http's (the baseline), their range under rounds; targets: issue 12's.\n"
      "CPU busy: the server's CPU time over wrk's run time (well below 100%%: wrk was the\n"
      "limit).\n",
      wrk_cpu, server_cpu, seconds, seconds / rounds(seconds));
  if (cpus.size() < 2) std::printf("Only one CPU is usable: wrk and the servers share it.\n");
  if (!missing.empty())
    std::printf("http_hello is not built (no %s): only raw_http is measured.\n", missing.c_str());
  std::printf("\n");
  print_header(name_width);
  std::fflush(stdout);

  bool failed = false;
  for (const scenario* s : chosen) {
    const std::vector<measurement> runs = run_scenario(*s, all, seconds, server_cpu, wrk_cpu);
    for (const measurement& m : runs) {
      print_row(m, runs.front(), name_width);
      failed = failed || !m.failure.empty() || m.errors > 0;
    }
  }
  return failed ? 1 : 0;
}
