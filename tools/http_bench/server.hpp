// A server under test: a command run as a child process on a free port, pinned to one CPU.
#pragma once

#include <sys/types.h>

#include <string>

namespace http_bench {

class server {
 public:
  // Picks a free port on 127.0.0.1, puts it for each "{port}" in `command` and runs that with
  // /bin/sh as "exec COMMAND" (so the child is the server itself), pinned to CPU `cpu`, its
  // stdout sent to /dev/null; then waits at most 10 s until the port accepts connections.
  // Throws std::runtime_error if the server exits first or does not listen by then, and
  // std::system_error if it cannot be started.
  server(const std::string& command, int cpu);
  server(const server&) = delete;
  server& operator=(const server&) = delete;
  // Stops the server if stop() has not.
  ~server();

  // port() is the port the server was given.
  int port() const { return port_; }

  // cpu_seconds() is the CPU time (user and system, all its threads) the server has used so
  // far: its process CPU clock (clock_getcpuclockid), which counts nanoseconds where
  // /proc/PID/stat counts 10 ms ticks; 0 if it cannot be read.
  double cpu_seconds() const;

  // stop() stops the server (SIGTERM, then SIGKILL 5 s later); returns "" if it was running,
  // else how it had exited.
  std::string stop();

 private:
  void wait_listening();

  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace http_bench
