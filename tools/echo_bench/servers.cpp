// Starting a server and its generator, running its windows and stopping them, reading the
// server's RSS and CPU time from /proc.
#include "servers.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "generator.hpp"

extern char** environ;

namespace echo_bench {

namespace {

// The VmRSS of process `pid`, in KiB.
long vm_rss_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return 0;
}

// The CPU time process `pid` (or its thread `task`, "/task/TID") has used (user and system),
// in seconds.
double cpu_seconds(pid_t pid, const std::string& task = "") {
  std::ifstream f("/proc/" + std::to_string(pid) + task + "/stat");
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));  // from field 3 on
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;
  double utime = 0, stime = 0;  // fields 14 and 15, in clock ticks
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The CPU time of each thread of process `pid` that serves (named "eventlet-smp-N" by
// smp::group), in the order of N.
std::vector<double> serving_thread_cpu(pid_t pid) {
  std::vector<double> cpu;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task/";
  DIR* dir = opendir(tasks.c_str());
  if (!dir) return cpu;
  while (const dirent* e = readdir(dir)) {
    std::ifstream comm(tasks + e->d_name + "/comm");
    std::string name;
    if (!std::getline(comm, name) || name.rfind("eventlet-smp-", 0) != 0) continue;
    const auto index = static_cast<std::size_t>(std::atoi(name.c_str() + 13));
    if (cpu.size() <= index) cpu.resize(index + 1);
    cpu[index] = cpu_seconds(pid, std::string("/task/") + e->d_name);
  }
  closedir(dir);
  return cpu;
}

// Reads one line from `fd`, waiting at most `seconds` for each byte.
std::string read_line(int fd, double seconds) {
  std::string line;
  pollfd p{fd, POLLIN, 0};
  for (char ch; poll(&p, 1, static_cast<int>(seconds * 1000)) == 1 && read(fd, &ch, 1) == 1;) {
    if (ch == '\n') break;
    line += ch;
  }
  return line;
}

template <typename T>
bool receive(int fd, T& data) {
  auto* p = reinterpret_cast<char*>(&data);
  for (std::size_t left = sizeof data; left > 0;) {
    const ssize_t r = read(fd, p, left);
    if (r <= 0) return false;
    p += r;
    left -= static_cast<std::size_t>(r);
  }
  return true;
}

}  // namespace

void start(bench& b) {
  int out[2], control[2];
  if (pipe2(out, O_CLOEXEC) < 0 ||
      socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, control) < 0) {
    b.failure = std::string("pipe: ") + std::strerror(errno);
    return;
  }
  std::string port_arg = "0", hub_env = "EVENTLET_HUB=" + b.spec.hub;
  std::string threads_arg = std::to_string(b.spec.threads);
  std::vector<char*> argv{b.spec.path.data(), const_cast<char*>("--port"), port_arg.data()};
  if (b.spec.threads > 0) {
    argv.push_back(const_cast<char*>("--threads"));
    argv.push_back(threads_arg.data());
  }
  argv.push_back(nullptr);
  std::vector<char*> envp{hub_env.data()};  // before the inherited environment: it wins
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  const int spawned = posix_spawn(&b.server, b.spec.path.c_str(), &actions, nullptr, argv.data(),
                                  b.spec.hub.empty() ? environ : envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  const std::string line = spawned ? "" : read_line(out[0], 30);
  close(out[0]);
  const std::string prefix = "listening on 127.0.0.1:";
  if (spawned || line.rfind(prefix, 0) != 0) {
    b.failure = spawned ? "posix_spawn: " + std::string(std::strerror(spawned))
                        : "the server did not say it is listening (it said '" + line + "')";
    close(control[0]);
    close(control[1]);
    return;
  }
  const long rss_before = vm_rss_kib(b.server);
  b.load = fork();
  if (b.load == 0) {
    signal(SIGPIPE, SIG_IGN);  // OpenSSL writes with write(2)
    close(control[0]);
    run_generator(std::atoi(line.c_str() + prefix.size()), b.spec.connections, b.spec.tls,
                  control[1]);
    _exit(0);
  }
  close(control[1]);
  b.control = control[0];
  char said = 0;
  if (b.load < 0 || !receive(b.control, said) || said != ready_byte) {
    b.failure = "not every connection could be opened";
    return;
  }
  b.rss_per_conn_kib = static_cast<double>(vm_rss_kib(b.server) - rss_before) /
                       static_cast<double>(b.spec.connections);
}

void window(bench& b) {
  const double cpu = cpu_seconds(b.server);
  const std::vector<double> threads_before = serving_thread_cpu(b.server);
  char said = 0;
  window_report w;
  if (!send_control(b.control, go_byte) || !receive(b.control, said) || said != end_byte) {
    b.failure = "the load generator died";
    return;
  }
  b.server_cpu += cpu_seconds(b.server) - cpu;
  const std::vector<double> threads_after = serving_thread_cpu(b.server);
  b.thread_cpu.resize(threads_after.size());
  for (std::size_t i = 0; i < threads_after.size() && i < threads_before.size(); ++i)
    b.thread_cpu[i] += threads_after[i] - threads_before[i];
  if (!receive(b.control, w)) {
    b.failure = "the load generator died";
    return;
  }
  b.rates.push_back(static_cast<double>(w.round_trips) / w.seconds);
  b.round_trips += w.round_trips;
  b.seconds += w.seconds;
  b.load_cpu += w.cpu;
}

void finish(bench& b) {
  if (b.control >= 0) {
    if ((b.failure.empty() && !send_control(b.control, quit_byte)) ||
        !receive(b.control, b.load_final))
      if (b.failure.empty()) b.failure = "the load generator died";
    close(b.control);
  }
  if (b.load > 0) waitpid(b.load, nullptr, 0);
  if (b.server < 0) return;
  if (waitpid(b.server, nullptr, WNOHANG) == b.server) {
    if (b.failure.empty()) b.failure = "the server exited while loaded";
    return;
  }
  kill(b.server, SIGTERM);
  waitpid(b.server, nullptr, 0);
}

}  // namespace echo_bench
