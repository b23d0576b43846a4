// The table's rows: requests, CPU per request and its ratio to the raw responder's.
#include "report.hpp"

#include <cmath>
#include <cstdio>

namespace http_bench {

namespace {

std::string with_commas(double value) {
  const std::string digits = std::to_string(std::llround(value));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// The server's CPU microseconds per request wrk completed; 0 when there is none to tell.
double cpu_per_request(const measurement& m) {
  if (!m.failure.empty() || m.load.requests == 0) return 0;
  return m.cpu / static_cast<double>(m.load.requests) * 1e6;
}

}  // namespace

void print_header(std::size_t name_width) {
  std::printf("%-12s %5s  %-*s %11s %11s %12s %8s %6s  %-15s %6s\n", "scenario", "conns",
              static_cast<int>(name_width), "server", "requests", "requests/s", "CPU/request",
              "CPU busy", "x raw", "target", "errors");
}

void print_row(const measurement& m, const measurement& raw, std::size_t name_width) {
  std::printf("%-12s %5d  %-*s ", m.where->name, m.where->connections, static_cast<int>(name_width),
              m.server.c_str());
  if (!m.failure.empty()) {
    std::printf("failed: %s\n", m.failure.c_str());
    std::fflush(stdout);
    return;
  }
  const double cost = cpu_per_request(m), raw_cost = cpu_per_request(raw);
  char ratio[16] = "-", target[32] = "";
  if (cost > 0 && raw_cost > 0) std::snprintf(ratio, sizeof ratio, "%.2fx", cost / raw_cost);
  if (&m != &raw)
    std::snprintf(target, sizeof target, "<=%.1fx %s", m.where->target,
                  raw_cost == 0 || cost == 0           ? ""
                  : cost / raw_cost <= m.where->target ? "met"
                                                       : "missed");
  std::printf("%11s %11s %9.2f us %7.0f%% %6s  %-15s %6llu\n",
              with_commas(static_cast<double>(m.load.requests)).c_str(),
              with_commas(m.load.per_second).c_str(), cost,
              m.load.per_second > 0 ? m.cpu / m.load.requests * m.load.per_second * 100 : 0.0,
              ratio, target, static_cast<unsigned long long>(m.load.errors));
  if (!m.load.error_lines.empty()) std::printf("%14swrk: %s\n", "", m.load.error_lines.c_str());
  std::fflush(stdout);
}

}  // namespace http_bench
