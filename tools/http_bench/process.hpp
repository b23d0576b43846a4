// Child processes pinned to one CPU: the servers under test and wrk.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace http_bench {

// Starts `argv` (argv[0] looked up in PATH) as a child pinned to CPU `cpu`, its stdout and
// stderr on the fds given (-1: this process's own); returns its pid. Throws std::system_error
// if it cannot fork; if the program cannot run, the child says why on its stderr and exits
// with status 127.
pid_t spawn_pinned(const std::vector<std::string>& argv, int cpu, int out, int err);

// Waits at most `seconds` for child `pid` to exit; returns whether it did, with its wait
// status in `status`.
bool wait_for_exit(pid_t pid, double seconds, int& status);

// Stops child `pid`: SIGTERM, then SIGKILL if it has not exited 5 s later; reaps it.
void stop_child(pid_t pid);

// What a wait status says: "exit status N" or "killed by signal N".
std::string describe_status(int status);

// Seconds on a monotonic clock.
double now();

}  // namespace http_bench
