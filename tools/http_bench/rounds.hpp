// One scenario's measurement: every server loaded by wrk in rounds taken in turn.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scenarios.hpp"

namespace http_bench {

// A server to measure: its name, shown, and the command that starts it, with {port}.
struct server_spec {
  std::string name;
  std::string command;
};

// What was measured of one server in one scenario, over its rounds.
struct measurement {
  const scenario* where = nullptr;
  std::string server;          // its name
  std::uint64_t requests = 0;  // completed, as wrk counted them
  double load_seconds = 0;     // wrk's run time
  double cpu = 0;              // the server's CPU seconds
  std::vector<double> costs;   // its CPU seconds per request, round by round
  std::uint64_t errors = 0;    // socket errors and responses with status >= 400, as wrk counted
  std::string error_lines;     // wrk's lines about them
  std::string failure;         // why it could not be measured ("" if it was)
};

// rounds() is how many rounds `seconds` of load make: rounds of about 1 s (wrk's unit of
// time), at least one.
int rounds(double seconds);

// run_scenario() starts every server of `servers` (a fresh process each, pinned to CPU
// `server_cpu`) and loads them with wrk (pinned to CPU `wrk_cpu`) for `seconds` each in
// scenario `s`, in rounds (rounds() of them) taken in turn, in one order and then in the
// other, so that the changing load of a shared machine falls on every server alike; then stops
// them. Returns a measurement per server, in the order of `servers`.
std::vector<measurement> run_scenario(const scenario& s, const std::vector<server_spec>& servers,
                                      double seconds, int server_cpu, int wrk_cpu);

}  // namespace http_bench
