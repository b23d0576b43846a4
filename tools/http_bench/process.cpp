// Starting, waiting for and stopping child processes.
#include "process.hpp"

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <thread>

namespace http_bench {

pid_t spawn_pinned(const std::vector<std::string>& argv, int cpu, int out, int err) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid > 0) return pid;
  // The child: this program has one thread, so it may do anything here.
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) < 0) std::perror("http_bench: sched_setaffinity");
  if (out >= 0) dup2(out, STDOUT_FILENO);
  if (err >= 0) dup2(err, STDERR_FILENO);
  execvp(args[0], args.data());
  std::fprintf(stderr, "http_bench: cannot run %s: %s\n", args[0], std::strerror(errno));
  _exit(127);
}

bool wait_for_exit(pid_t pid, double seconds, int& status) {
  for (const double give_up = now() + seconds;;
       std::this_thread::sleep_for(std::chrono::milliseconds(10))) {
    if (waitpid(pid, &status, WNOHANG) == pid) return true;
    if (now() > give_up) return false;
  }
}

void stop_child(pid_t pid) {
  int status;
  kill(pid, SIGTERM);
  if (wait_for_exit(pid, 5, status)) return;
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "exit status " + std::to_string(WEXITSTATUS(status));
}

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace http_bench
