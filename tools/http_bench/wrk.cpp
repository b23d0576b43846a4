// Running wrk with its output on a pipe, stopping it on time, and reading its totals from it.
#include "wrk.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "process.hpp"

namespace http_bench {

namespace {

// Reads all of `fd` until its writer closes it, sending `pid` SIGINT from `stop_at` on (every
// 0.2 s: wrk ignores it until its threads have started) and SIGKILL at `kill_at`. Returns
// false if it came to SIGKILL.
bool read_until_stopped(int fd, pid_t pid, double stop_at, double kill_at, std::string& out) {
  double next_signal = stop_at;
  for (;;) {
    const double t = now();
    if (t >= kill_at) {
      kill(pid, SIGKILL);
      return false;
    }
    if (t >= next_signal) {
      kill(pid, SIGINT);
      next_signal = t + 0.2;
    }
    pollfd p{fd, POLLIN, 0};
    const int wait_ms = static_cast<int>(std::ceil((std::min(next_signal, kill_at) - t) * 1000));
    if (poll(&p, 1, std::max(wait_ms, 1)) <= 0) continue;
    char buffer[4096];
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n == 0 || (n < 0 && errno != EINTR)) return true;
    if (n > 0) out.append(buffer, static_cast<std::size_t>(n));
  }
}

// Reads the totals in wrk's output into `totals`; returns false if they are not there.
bool parse(const std::string& output, wrk_totals& totals) {
  bool have_requests = false, have_rate = false;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    const char* text = line.c_str();
    unsigned long long a, b, c, d;
    int end = 0;  // where the whole pattern matched, else 0
    if (std::sscanf(text, " %llu requests in%n", &a, &end) == 1 && end) {
      totals.requests = a;
      have_requests = true;
    } else if (std::sscanf(text, "Requests/sec: %lf%n", &totals.per_second, &end) == 1 && end) {
      have_rate = true;
    } else if (std::sscanf(text,
                           " Socket errors: connect %llu, read %llu, write %llu, timeout %llu%n",
                           &a, &b, &c, &d, &end) == 4 &&
               end) {
      totals.errors += a + b + c + d;
      totals.error_lines += line.substr(line.find_first_not_of(' ')) + "; ";
    } else if (std::sscanf(text, " Non-2xx or 3xx responses: %llu%n", &a, &end) == 1 && end) {
      totals.errors += a;
      totals.error_lines += line.substr(line.find_first_not_of(' ')) + "; ";
    }
  }
  if (!totals.error_lines.empty()) totals.error_lines.resize(totals.error_lines.size() - 2);
  return have_requests && have_rate;
}

// The last line of `output` that is not empty.
std::string last_line(const std::string& output) {
  std::istringstream lines(output);
  std::string last;
  for (std::string line; std::getline(lines, line);)
    if (line.find_first_not_of(" \t") != std::string::npos) last = line;
  return last;
}

}  // namespace

bool wrk_found() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (access(((dir.empty() ? "." : dir) + "/wrk").c_str(), X_OK) == 0) return true;
  return false;
}

wrk_totals run_wrk(const scenario& s, int port, double seconds, int cpu) {
  std::vector<std::string> argv{
      "wrk", "-t1", "-c" + std::to_string(s.connections),
      "-d" + std::to_string(static_cast<long>(std::ceil(seconds)) + 1) + "s"};
  if (s.close) argv.insert(argv.end(), {"-H", "Connection: close"});
  argv.push_back("http://127.0.0.1:" + std::to_string(port) + s.path);

  int out[2];
  if (pipe2(out, O_CLOEXEC) < 0) throw std::system_error(errno, std::generic_category(), "pipe");
  pid_t pid;
  try {
    pid = spawn_pinned(argv, cpu, out[1], out[1]);
  } catch (...) {
    close(out[0]);
    close(out[1]);
    throw;
  }
  close(out[1]);
  const double start = now();
  std::string output;
  const bool stopped =
      read_until_stopped(out[0], pid, start + seconds, start + seconds + 15, output);
  close(out[0]);
  int status;
  waitpid(pid, &status, 0);
  if (!stopped) throw std::runtime_error("wrk did not stop 15 s after SIGINT");
  wrk_totals totals;
  if (!parse(output, totals))
    throw std::runtime_error("wrk printed no totals (" + describe_status(status) + "; it said '" +
                             last_line(output) + "')");
  return totals;
}

}  // namespace http_bench
