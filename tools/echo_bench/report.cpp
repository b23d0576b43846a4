// The table and the JSON of the figures: medians of the windows and ratios to the baseline.
#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace echo_bench {

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// The median, over the rounds, of b's rate over the baseline's in the same round.
double ratio(const bench& b, const bench& baseline) {
  std::vector<double> ratios;
  for (std::size_t r = 0; r < std::min(b.rates.size(), baseline.rates.size()); ++r)
    ratios.push_back(b.rates[r] / baseline.rates[r]);
  return median(ratios);
}

std::string with_commas(double value) {
  const std::string digits = std::to_string(std::llround(value));
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// `text` as the inside of a JSON string.
std::string json_text(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += static_cast<unsigned char>(c) < ' ' ? ' ' : c;
  }
  return out;
}

}  // namespace

void print_table(const std::vector<bench>& all, std::size_t connections, double seconds) {
  std::printf(
      "echo_bench: %s connections per server, each doing ping-pong round trips of 16 bytes;\n"
      "%g s per server in windows of %g s taken in turn; the median window shown, and the median\n"
      "of the ratios to the C baseline's window of the same round. Each server has its own load\n"
      "generator process. CPU: each process's CPU time per round trip, over the windows.\n\n",
      with_commas(static_cast<double>(connections)).c_str(), seconds, window_seconds);
  std::printf("%-16s %-9s %6s %14s %6s %11s %11s %14s %7s\n", "server", "hub", "conns",
              "round trips/s", "x raw", "server CPU", "load CPU", "RSS/idle conn", "errors");
  for (const bench& b : all) {
    const std::string hub = b.spec.hub.empty() ? "-" : b.spec.hub;
    const std::uint64_t errors = b.load_final.errors + b.load_final.lost;
    if (!b.failure.empty()) {
      std::printf("%-16s %-9s failed: %s\n", b.spec.program.c_str(), hub.c_str(),
                  b.failure.c_str());
    } else {
      const double rate = median(b.rates), rts = std::max<double>(1, b.round_trips);
      std::printf("%-16s %-9s %6zu %14s %5.2fx %8.2f us %8.2f us %10.2f KiB %7llu\n",
                  b.spec.program.c_str(), hub.c_str(), b.spec.connections,
                  with_commas(rate).c_str(), ratio(b, all.front()), b.server_cpu / rts * 1e6,
                  b.load_cpu / rts * 1e6, b.rss_per_conn_kib,
                  static_cast<unsigned long long>(errors));
    }
    if (errors)
      std::printf("%18s%llu failed or wrong, %llu lost; the first: %s\n", "",
                  static_cast<unsigned long long>(b.load_final.errors),
                  static_cast<unsigned long long>(b.load_final.lost), b.load_final.first_error);
  }
}

void print_thread_shares(const std::vector<bench>& all) {
  for (const bench& b : all) {
    if (b.spec.threads < 2 || !b.failure.empty()) continue;
    double total = 0;
    for (const double c : b.thread_cpu) total += c;
    std::printf("\n%s on %s: each serving thread's share of their CPU time:",
                b.spec.program.c_str(), b.spec.hub.c_str());
    for (std::size_t i = 0; i < b.thread_cpu.size(); ++i)
      std::printf(" %s%.0f%%", i ? "/ " : "", total > 0 ? b.thread_cpu[i] / total * 100 : 0.0);
  }
}

void print_json(const std::vector<bench>& all) {
  std::printf("[\n");
  for (std::size_t i = 0; i < all.size(); ++i) {
    const bench& b = all[i];
    const double rate = median(b.rates), rts = std::max<double>(1, b.round_trips);
    std::printf(
        "  {\"server\": \"%s\", \"hub\": \"%s\", \"tls\": %s, \"connections\": %zu, "
        "\"round_trips_per_second\": %.0f, \"ratio_to_raw\": %.3f, "
        "\"server_cpu_us_per_round_trip\": %.3f, \"load_cpu_us_per_round_trip\": %.3f, "
        "\"rss_per_idle_connection_kib\": %.3f, \"errors\": %llu, \"lost\": %llu, "
        "\"first_error\": \"%s\", \"failure\": \"%s\"}%s\n",
        b.spec.program.c_str(), b.spec.hub.c_str(), b.spec.tls ? "true" : "false",
        b.spec.connections, rate, ratio(b, all.front()), b.server_cpu / rts * 1e6,
        b.load_cpu / rts * 1e6, b.rss_per_conn_kib,
        static_cast<unsigned long long>(b.load_final.errors),
        static_cast<unsigned long long>(b.load_final.lost),
        json_text(b.load_final.first_error).c_str(), json_text(b.failure).c_str(),
        i + 1 < all.size() ? "," : "");
  }
  std::printf("]\n");
}

}  // namespace echo_bench
