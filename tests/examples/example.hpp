// What the example tests share: an example program (tools/examples) run as a subprocess, found
// through the environment variable meson sets for it (CHAT_SERVER, ECHO_SERVER, FORWARDER,
// HTTP_HELLO, TLS_ECHO_SERVER, WEB_CHAT, EMBED_FORWARDER, EMBED_EVHTTP_PROXY).
#pragma once

#include <dirent.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../green/helpers.hpp"
#include "green/fd.hpp"
#include "green/stream.hpp"

extern char** environ;

namespace example_tests {

// program() is the path meson gives in the environment variable `variable`.
inline std::string program(const char* variable) {
  const char* path = std::getenv(variable);
  if (!path || !*path)
    throw std::runtime_error(std::string(variable) + " is not set (meson sets it)");
  return path;
}

// A process started with posix_spawn; its stdout and stderr go to `out` and `err` when they
// are >= 0. Destroying it kills (SIGKILL) and reaps it if it still runs.
class process {
 public:
  process(const std::string& path, const std::vector<std::string>& args, int out, int err,
          const std::vector<std::string>& extra_env = {}) {
    std::vector<std::string> argv_text{path};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<std::string> env_text = extra_env;
    for (char** e = environ; *e; ++e) env_text.push_back(*e);  // the first of a name wins
    std::vector<char*> argv, envp;
    for (std::string& a : argv_text) argv.push_back(a.data());
    for (std::string& e : env_text) envp.push_back(e.data());
    argv.push_back(nullptr);
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (out >= 0) posix_spawn_file_actions_adddup2(&actions, out, STDOUT_FILENO);
    if (err >= 0) posix_spawn_file_actions_adddup2(&actions, err, STDERR_FILENO);
    const int failed =
        posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (failed) throw std::system_error(failed, std::generic_category(), "posix_spawn " + path);
  }
  process(const process&) = delete;
  process& operator=(const process&) = delete;
  ~process() {
    if (pid_ < 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }

  pid_t pid() const { return pid_; }

  // running() tells whether it has not exited yet; once it has, status() is its wait status.
  bool running() {
    if (pid_ < 0) return false;
    if (waitpid(pid_, &status_, WNOHANG) != pid_) return true;
    pid_ = -1;
    return false;
  }

  // wait() waits until it exits (the hub goes on meanwhile) and returns its wait status.
  int wait() {
    if (pid_ < 0) return status_;
    eventlet::green::fd exited(static_cast<int>(syscall(SYS_pidfd_open, pid_, 0)));
    exited.wait_readable();  // a pidfd is readable once its process has exited
    waitpid(pid_, &status_, 0);
    pid_ = -1;
    return status_;
  }

  // terminate() sends `signo` (SIGTERM by default) and returns the wait status; nullopt if it
  // had exited before.
  std::optional<int> terminate(int signo = SIGTERM) {
    if (!running()) return std::nullopt;
    kill(pid_, signo);
    return wait();
  }

  int status() const { return status_; }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
};

// open_fds() is how many fds process `pid` has open.
inline int open_fds(pid_t pid) {
  DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (!d) return -1;
  int n = 0;
  while (const dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

// An example server listening on a port the kernel picked ("--port 0", unless `args` give
// --port), its stderr left as the test's. The constructor waits for its "listening on
// 127.0.0.1:PORT" line; the destructor checks that it still runs, that it wrote nothing else on
// stdout, and stops it with SIGTERM, on which it must exit with status 0.
class example {
 public:
  explicit example(const char* variable, std::vector<std::string> args = {}) : name_(variable) {
    if (std::find(args.begin(), args.end(), "--port") == args.end())
      args.insert(args.begin(), {"--port", "0"});
    auto [out, out_write] = eventlet::green::pipe();
    out_ = std::move(out);
    proc_.emplace(program(variable), args, out_write.fileno(), -1);
    out_write.close();
    out_.set_timeout(60);  // a guard against a hang, not a timing check
    const std::string line = stdout_.readline();
    const std::string prefix = "listening on ";
    if (line.rfind(prefix, 0) != 0 || line.back() != '\n')
      throw std::runtime_error(name_ + " did not say it is listening; it said '" + line + "'");
    where_ = eventlet::green::address::parse(
        line.substr(prefix.size(), line.size() - prefix.size() - 1));
  }
  example(const example&) = delete;
  example& operator=(const example&) = delete;
  ~example() {
    if (!stopped_) {
      const std::optional<int> status = proc_->terminate();
      CHECK_MESSAGE(status.has_value(), name_ << " exited early, wait status " << proc_->status());
      if (status) CHECK_MESSAGE(exited_cleanly(*status), name_ << ": wait status " << *status);
    }
    CHECK_MESSAGE(stdout_.read(1).empty(), name_ << " wrote more than one line on stdout");
  }

  // stop() sends `signo` (SIGTERM by default) now and returns the wait status once it has
  // exited (which must not have happened before).
  int stop(int signo = SIGTERM) {
    stopped_ = true;
    const std::optional<int> status = proc_->terminate(signo);
    REQUIRE_MESSAGE(status.has_value(), name_ << " exited early, wait status " << proc_->status());
    return *status;
  }

  // exited_cleanly() tells whether a wait status is an exit with status 0.
  static bool exited_cleanly(int status) { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

  // where() is the address it listens on.
  const eventlet::green::address& where() const { return where_; }

  // open_fds() is how many fds it has open.
  int open_fds() const { return example_tests::open_fds(proc_->pid()); }

  // wait_for_fds() waits until it has `n` fds open (it closes fds after its clients do, in its
  // own time); returns how many it has then, after at most 30 seconds (a guard, not a check).
  int wait_for_fds(int n) const {
    for (int i = 0; i < 3000 && open_fds() != n; ++i) eventlet::sleep(0.01);
    return open_fds();
  }

 private:
  std::string name_;
  bool stopped_ = false;
  eventlet::green::fd out_;
  eventlet::green::stream stdout_{out_};
  std::optional<process> proc_;
  eventlet::green::address where_;
};

// noise() is `n` bytes from a generator seeded with `seed` (xorshift64): data no two calls with
// different seeds share.
inline std::string noise(std::uint64_t seed, std::size_t n) {
  std::uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
  std::string data(n, '\0');
  for (char& c : data) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  return data;
}

// What a program run to its end did.
struct outcome {
  int status;       // wait status
  std::string out;  // stdout
  std::string err;  // stderr
};

// exited() tells whether the program ran to its end with exit status `status`.
inline bool exited(const outcome& o, int status) {
  return WIFEXITED(o.status) && WEXITSTATUS(o.status) == status;
}

// run() runs `variable`'s program with `args` and `extra_env` ("NAME=value") to its end.
inline outcome run(const char* variable, const std::vector<std::string>& args,
                   const std::vector<std::string>& extra_env = {}) {
  auto [out, out_write] = eventlet::green::pipe();
  auto [err, err_write] = eventlet::green::pipe();
  process p(program(variable), args, out_write.fileno(), err_write.fileno(), extra_env);
  out_write.close();
  err_write.close();
  auto read_all = [](eventlet::green::fd& f) {
    f.set_timeout(60);
    std::string all;
    for (std::string s; !(s = f.read(4096)).empty();) all += s;
    return all;
  };
  auto err_text = eventlet::spawn([&] { return read_all(err); });
  std::string out_text = read_all(out);
  return {p.wait(), std::move(out_text), std::move(err_text.wait())};
}

}  // namespace example_tests
