// What the real-server fixtures share (postgres.hpp, redis.hpp, mariadb.hpp): a fresh temporary
// directory, child processes run as another user, and the two ways a start can fail.
//
// A fixture starts its server in a directory of its own, on a private Unix socket (and port),
// waits until it accepts, and on destruction stops it (SIGKILL if it does not stop in time) and
// removes the directory. Its child dies with the test process (PR_SET_PDEATHSIG), so a test that
// meson kills for its timeout leaves no server behind. These are plain blocking calls, made
// before a test's greenthreads run.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace test_support::servers {

// Thrown when the server's package is not installed: the one case where a test may skip.
struct package_absent : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Thrown when an installed server fails to start; the message carries its log.
struct start_failed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A user that children run as (root's children run as the server's own user).
struct account {
  uid_t uid;
  gid_t gid;
};

// unprivileged() is `name`'s account when this process runs as root, else nullopt (children run
// as we do). Throws package_absent if root and the user does not exist (the package made it).
std::optional<account> unprivileged(const std::string& name);

// find_program() is the first of `candidates` (absolute paths or shell globs) that exists and is
// executable. Throws package_absent naming `package` if none is.
std::string find_program(const std::vector<std::string>& candidates, const std::string& package);

// A temporary directory, owned by `owner` if given, removed with all it holds on destruction.
class temp_dir {
 public:
  explicit temp_dir(const std::string& prefix, std::optional<account> owner = std::nullopt);
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir();

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A child process, its stdout and stderr appended to `log`, run as `as` if given; it gets
// SIGKILL if this process dies. Destroying it stops it: `stop_signal`, then SIGKILL after
// `grace` seconds.
class child {
 public:
  child(const std::vector<std::string>& argv, const std::string& log, std::optional<account> as,
        int stop_signal = SIGTERM, double grace = 10);
  child(const child&) = delete;
  child& operator=(const child&) = delete;
  ~child() { stop(); }

  pid_t pid() const { return pid_; }

  // running() tells whether it has not exited yet.
  bool running();

  // wait() waits until it exits, at most `seconds`; returns its wait status, or nullopt.
  std::optional<int> wait(double seconds);

  // stop() sends the stop signal, waits the grace time, then kills; returns at once if it has
  // exited already.
  void stop();

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  int stop_signal_;
  double grace_;
};

// read_file() is the text of `path` (empty if it cannot be read).
std::string read_file(const std::string& path);

// What the three fixtures share: the directory the server lives in, its log, and the server
// process (stopped before the directory is removed).
class server {
 public:
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // dir() is the server's temporary directory (its socket is in it).
  const std::string& dir() const { return dir_.path(); }

  // log() is what the server has written so far.
  std::string log() const { return read_file(log_path_); }

 protected:
  // server() makes the directory, owned by `owner` if given; the derived fixture starts the
  // process.
  server(const std::string& prefix, std::optional<account> owner)
      : dir_(prefix, owner), log_path_(dir_.path() + "/server.log") {}
  ~server() { process_.reset(); }

  temp_dir dir_;
  std::string log_path_;
  std::unique_ptr<child> process_;
};

// run() runs `argv` to its end (at most `seconds`, then SIGKILL), output appended to `log`;
// throws start_failed with the log's text if it does not exit with status 0.
void run(const std::vector<std::string>& argv, const std::string& log, std::optional<account> as,
         double seconds = 120);

// wait_until() calls `ready` every 20 ms until it returns true, for at most `seconds`, or
// until `server` exits; throws start_failed with `what` and `log`'s text then.
template <typename F>
void wait_until(F ready, child& server, double seconds, const std::string& what,
                const std::string& log);

// sleep_briefly() sleeps (the OS thread) 20 ms.
void sleep_briefly();

template <typename F>
void wait_until(F ready, child& server, double seconds, const std::string& what,
                const std::string& log) {
  for (double waited = 0; waited < seconds; waited += 0.02) {
    if (ready()) return;
    if (!server.running())
      throw start_failed(what + ": the server exited while starting; its log:\n" + read_file(log));
    sleep_briefly();
  }
  throw start_failed(what + ": not ready after " + std::to_string(int(seconds)) + " s; its log:\n" +
                     read_file(log));
}

}  // namespace test_support::servers
