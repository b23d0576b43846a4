// The servers under test: each started with a load generator of its own, loaded window by
// window, and stopped, with what was measured of it.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol.hpp"

namespace echo_bench {

struct server_spec {
  std::string program;  // its name, shown
  std::string path;
  std::string hub;  // EVENTLET_HUB, or "" for the C baseline
  std::size_t connections;
  bool tls;
  int threads = 0;  // --threads N (smp::server), or 0 for none
};

// A server, its generator and what was measured.
struct bench {
  server_spec spec;
  pid_t server = -1, load = -1;
  int control = -1;                // the socket to the generator
  double rss_per_conn_kib = 0;     // the server's RSS per idle connection
  std::vector<double> rates;       // round trips per second, window by window
  std::uint64_t round_trips = 0;   // over every window
  double seconds = 0;              // the windows' total length
  double server_cpu = 0;           // the server's CPU seconds in the windows
  double load_cpu = 0;             // the generator's
  std::vector<double> thread_cpu;  // with --threads: each serving thread's CPU seconds
  final_report load_final;
  std::string failure;  // why it could not be measured
};

// start() starts the server and its generator, waits until its connections are open and
// reads the server's RSS.
void start(bench& b);

// window() has b's generator run one window, and notes what it measured.
void window(bench& b);

// finish() stops b's generator and server, collecting the generator's final report.
void finish(bench& b);

}  // namespace echo_bench
