#include "report.hpp"

#include <cstdio>
#include <stdexcept>

namespace profiler {

void report::info(std::string key, std::string value) {
  info_.emplace_back(std::move(key), std::move(value));
}

void report::add_time(std::string group, std::string name, bench::figure f) {
  rows_.push_back({std::move(group), std::move(name), f.ns, "ns", f.cycles});
}

void report::add(std::string group, std::string name, double value, std::string unit) {
  rows_.push_back({std::move(group), std::move(name), value, std::move(unit)});
}

void report::check(std::string what, double measured, double limit, std::string unit) {
  targets_.push_back({std::move(what), measured, limit, std::move(unit)});
}

double report::find(const std::string& group, const std::string& name) const {
  for (const row& r : rows_)
    if (r.group == group && r.name == name) return r.value;
  throw std::out_of_range("no figure for " + group + " / " + name);
}

void report::print_table() const {
  for (const auto& [key, value] : info_) std::printf("%s: %s\n", key.c_str(), value.c_str());
  if (!info_.empty()) std::printf("\n");
  std::printf("%-10s %-52s %12s %8s %12s\n", "group", "operation", "value", "unit",
              bench::have_cycles ? "TSC cycles" : "");
  std::string last;
  for (const row& r : rows_) {
    if (r.group != last && !last.empty()) std::printf("\n");
    last = r.group;
    std::printf("%-10s %-52s %12.2f %8s", r.group.c_str(), r.name.c_str(), r.value, r.unit.c_str());
    if (r.unit == "ns" && bench::have_cycles) std::printf(" %12.1f", r.cycles);
    std::printf("\n");
  }
  if (targets_.empty()) return;
  std::printf("\ntargets (measured side by side in this run)\n");
  for (const target& t : targets_)
    std::printf("  %-68s %9.2f%-3s (<= %g%s) %s\n", t.what.c_str(), t.measured, t.unit.c_str(),
                t.limit, t.unit.c_str(), t.measured <= t.limit ? "met" : "MISSED");
}

namespace {
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}
}  // namespace

void report::print_json() const {
  std::printf("{\n  \"info\": {");
  for (std::size_t i = 0; i < info_.size(); ++i)
    std::printf("%s%s: %s", i ? ", " : "", quoted(info_[i].first).c_str(),
                quoted(info_[i].second).c_str());
  std::printf("},\n  \"results\": [\n");
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    const row& r = rows_[i];
    std::printf("    {\"group\": %s, \"name\": %s, \"value\": %.3f, \"unit\": %s",
                quoted(r.group).c_str(), quoted(r.name).c_str(), r.value, quoted(r.unit).c_str());
    if (r.unit == "ns" && bench::have_cycles) std::printf(", \"cycles\": %.1f", r.cycles);
    std::printf("}%s\n", i + 1 < rows_.size() ? "," : "");
  }
  std::printf("  ],\n  \"targets\": [\n");
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    const target& t = targets_[i];
    std::printf(
        "    {\"what\": %s, \"measured\": %.3f, \"limit\": %g, \"unit\": %s, \"met\": %s}%s\n",
        quoted(t.what).c_str(), t.measured, t.limit, quoted(t.unit).c_str(),
        t.measured <= t.limit ? "true" : "false", i + 1 < targets_.size() ? "," : "");
  }
  std::printf("  ]\n}\n");
}

}  // namespace profiler
