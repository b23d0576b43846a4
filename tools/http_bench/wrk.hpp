// Running wrk (Debian's wrk 4) in one scenario and reading its totals.
#pragma once

#include <cstdint>
#include <string>

#include "scenarios.hpp"

namespace http_bench {

// What wrk reports of a run.
struct wrk_totals {
  std::uint64_t requests = 0;  // responses completed
  double per_second = 0;       // wrk's "Requests/sec": requests over its run time
  std::uint64_t errors = 0;    // socket errors (connect, read, write, timeout), status >= 400
  std::string error_lines;     // wrk's lines about them
};

// wrk_found() tells whether wrk is in PATH.
bool wrk_found();

// run_wrk() runs wrk, one thread pinned to CPU `cpu`, against http://127.0.0.1:`port` with
// scenario `s`'s path, connections and headers for `seconds`, and returns its totals. wrk's
// own duration is whole seconds: it is given one more than needed and stopped with SIGINT,
// upon which it prints its totals. Throws std::runtime_error if wrk prints no totals or does
// not stop within 15 s more, std::system_error if it cannot be started.
wrk_totals run_wrk(const scenario& s, int port, double seconds, int cpu);

}  // namespace http_bench
