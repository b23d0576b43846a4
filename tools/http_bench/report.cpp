// The table's rows: requests, CPU per request and its ratio to the raw responder's.
#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

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

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// m's CPU per request over raw's, round by round (the rounds both ran).
std::vector<double> ratios(const measurement& m, const measurement& raw) {
  std::vector<double> out;
  if (!raw.failure.empty()) return out;
  for (std::size_t r = 0; r < std::min(m.costs.size(), raw.costs.size()); ++r)
    if (raw.costs[r] > 0) out.push_back(m.costs[r] / raw.costs[r]);
  return out;
}

}  // namespace

void print_header(std::size_t name_width) {
  std::printf("%-12s %5s  %-*s %11s %11s %12s %8s %6s %11s  %-15s %6s\n", "scenario", "conns",
              static_cast<int>(name_width), "server", "requests", "requests/s", "CPU/request",
              "CPU busy", "x raw", "rounds", "target", "errors");
}

void print_row(const measurement& m, const measurement& raw, std::size_t name_width) {
  std::printf("%-12s %5d  %-*s ", m.where->name, m.where->connections, static_cast<int>(name_width),
              m.server.c_str());
  if (!m.failure.empty()) {
    std::printf("failed: %s\n", m.failure.c_str());
    std::fflush(stdout);
    return;
  }
  const std::vector<double> r = ratios(m, raw);
  char ratio[16] = "-", spread[32] = "-", target[32] = "";
  if (!r.empty()) {
    const auto [low, high] = std::minmax_element(r.begin(), r.end());
    std::snprintf(ratio, sizeof ratio, "%.2fx", median(r));
    if (&m != &raw) std::snprintf(spread, sizeof spread, "%.2f-%.2f", *low, *high);
  }
  if (&m != &raw)
    std::snprintf(target, sizeof target, "<=%.1fx %s", m.where->target,
                  r.empty()                      ? ""
                  : median(r) <= m.where->target ? "met"
                                                 : "missed");
  const double requests = static_cast<double>(m.requests);
  std::printf("%11s %11s %9.2f us %7.0f%% %6s %11s  %-15s %6llu\n", with_commas(requests).c_str(),
              with_commas(requests / m.load_seconds).c_str(), m.cpu / requests * 1e6,
              m.cpu / m.load_seconds * 100, ratio, spread, target,
              static_cast<unsigned long long>(m.errors));
  if (!m.error_lines.empty()) std::printf("%14swrk: %s\n", "", m.error_lines.c_str());
  std::fflush(stdout);
}

}  // namespace http_bench
