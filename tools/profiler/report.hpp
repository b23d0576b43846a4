// The profiler's results: rows of figures, printed as a table or as JSON, and the targets the
// issues set, each with the measured ratio or figure beside it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "../bench.hpp"

namespace profiler {

struct row {
  std::string group;  // e.g. "greenlet", or the hub's name
  std::string name;   // what was measured
  double value;       // in `unit`
  std::string unit;   // "ns" (per operation) or "KiB"
  double cycles = 0;  // TSC cycles per operation, for "ns" rows where counted
};

struct target {
  std::string what;  // e.g. "switch_to round trip / raw jump round trip"
  double measured;
  double limit;      // met when measured <= limit
  std::string unit;  // "x" for ratios, else the unit of measured
};

class report {
 public:
  // info() records a fact about the run (e.g. which hubs), shown above the table.
  void info(std::string key, std::string value);
  // add_time() records a per-operation time.
  void add_time(std::string group, std::string name, bench::figure f);
  // add() records any other figure.
  void add(std::string group, std::string name, double value, std::string unit);
  // check() records a target beside its measured value.
  void check(std::string what, double measured, double limit, std::string unit);
  // find() returns the value of a recorded row; throws std::out_of_range if there is none.
  double find(const std::string& group, const std::string& name) const;
  void print_table() const;
  void print_json() const;

 private:
  std::vector<std::pair<std::string, std::string>> info_;
  std::vector<row> rows_;
  std::vector<target> targets_;
};

}  // namespace profiler
