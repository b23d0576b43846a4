// Starting a scenario's servers, loading them round by round, stopping them.
#include "rounds.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <memory>
#include <stdexcept>
#include <thread>

#include "server.hpp"
#include "wrk.hpp"

namespace http_bench {

namespace {

// Loads server `srv` with wrk for one round and adds what was measured to `m`.
void load_once(const scenario& s, server& srv, double seconds, int wrk_cpu, measurement& m) {
  const double cpu = srv.cpu_seconds();
  const wrk_totals load = run_wrk(s, srv.port(), seconds, wrk_cpu);
  // Let the server see wrk's connections close: that is part of what they cost.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const double used = srv.cpu_seconds() - cpu;
  if (load.requests == 0) throw std::runtime_error("wrk completed no request");
  m.requests += load.requests;
  m.load_seconds += static_cast<double>(load.requests) / load.per_second;
  m.cpu += used;
  m.costs.push_back(used / static_cast<double>(load.requests));
  m.errors += load.errors;
  if (!load.error_lines.empty() && m.error_lines.empty()) m.error_lines = load.error_lines;
}

}  // namespace

int rounds(double seconds) { return std::max(1, static_cast<int>(std::lround(seconds))); }

std::vector<measurement> run_scenario(const scenario& s, const std::vector<server_spec>& servers,
                                      double seconds, int server_cpu, int wrk_cpu) {
  std::vector<measurement> all(servers.size());
  std::vector<std::unique_ptr<server>> running(servers.size());
  for (std::size_t i = 0; i < servers.size(); ++i) {
    all[i].where = &s;
    all[i].server = servers[i].name;
    try {
      running[i] = std::make_unique<server>(servers[i].command, server_cpu);
    } catch (const std::exception& e) {
      all[i].failure = e.what();
    }
  }
  const int n = rounds(seconds);
  for (int round = 0; round < n; ++round)
    for (std::size_t k = 0; k < servers.size(); ++k) {
      const std::size_t i = round % 2 ? servers.size() - 1 - k : k;
      if (!all[i].failure.empty()) continue;
      try {
        load_once(s, *running[i], seconds / n, wrk_cpu, all[i]);
      } catch (const std::exception& e) {
        all[i].failure = e.what();
      }
    }
  for (std::size_t i = 0; i < servers.size(); ++i)
    if (running[i]) {
      const std::string exited = running[i]->stop();  // the cause of any failure before
      if (!exited.empty()) all[i].failure = exited;
    }
  return all;
}

}  // namespace http_bench
