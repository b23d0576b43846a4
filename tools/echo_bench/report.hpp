// What echo_bench prints: the table, or JSON with --json.
#pragma once

#include <cstddef>
#include <vector>

#include "servers.hpp"

namespace echo_bench {

// The table of every server's figures, the C baseline (all.front()) first; `seconds` is the
// windows' total length per server.
void print_table(const std::vector<bench>& all, std::size_t connections, double seconds);

// print_thread_shares() prints, for each server run with --threads, each serving thread's
// share of their CPU time over the windows.
void print_thread_shares(const std::vector<bench>& all);

// The same figures as a JSON array, one object per server.
void print_json(const std::vector<bench>& all);

}  // namespace echo_bench
