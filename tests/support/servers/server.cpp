#include "server.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

namespace test_support::servers {

std::optional<account> unprivileged(const std::string& name) {
  if (geteuid() != 0) return std::nullopt;
  const passwd* pw = getpwnam(name.c_str());
  if (!pw) throw package_absent("no user '" + name + "' (the server's package makes it)");
  return account{pw->pw_uid, pw->pw_gid};
}

std::string find_program(const std::vector<std::string>& candidates, const std::string& package) {
  for (const std::string& pattern : candidates) {
    glob_t found{};
    if (glob(pattern.c_str(), 0, nullptr, &found) == 0) {
      for (std::size_t i = found.gl_pathc; i-- > 0;) {  // the newest version sorts last
        std::string path = found.gl_pathv[i];
        if (access(path.c_str(), X_OK) == 0) {
          globfree(&found);
          return path;
        }
      }
    }
    globfree(&found);
  }
  throw package_absent("package " + package + " is not installed (looked for " +
                       candidates.front() + ")");
}

temp_dir::temp_dir(const std::string& prefix, std::optional<account> owner) {
  std::string pattern = "/tmp/" + prefix + "-XXXXXX";
  if (!mkdtemp(pattern.data()))
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  path_ = pattern;
  if (owner && chown(path_.c_str(), owner->uid, owner->gid) != 0) {
    const int e = errno;
    rmdir(path_.c_str());
    throw std::system_error(e, std::generic_category(), "chown " + path_);
  }
}

temp_dir::~temp_dir() {
  nftw(
      path_.c_str(), [](const char* p, const struct stat*, int, FTW*) { return remove(p); }, 16,
      FTW_DEPTH | FTW_PHYS);
}

child::child(const std::vector<std::string>& argv, const std::string& log,
             std::optional<account> as, int stop_signal, double grace)
    : stop_signal_(stop_signal), grace_(grace) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) throw std::system_error(errno, std::generic_category(), "open " + log);
  if (as && fchown(out, as->uid, as->gid) != 0) {
    close(out);
    throw std::system_error(errno, std::generic_category(), "chown " + log);
  }
  pid_ = fork();
  if (pid_ < 0) {
    close(out);
    throw std::system_error(errno, std::generic_category(), "fork");
  }
  if (pid_ == 0) {  // only async-signal-safe calls from here
    dup2(out, STDOUT_FILENO);
    dup2(out, STDERR_FILENO);
    const int in = open("/dev/null", O_RDONLY);
    dup2(in, STDIN_FILENO);
    setpgid(0, 0);  // the terminal's signals are the test's, not the server's
    if (as && (setgroups(0, nullptr) != 0 || setgid(as->gid) != 0 || setuid(as->uid) != 0))
      _exit(126);
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // after setuid(), which clears it
    if (getppid() != parent) _exit(125);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out);
}

bool child::running() {
  if (pid_ < 0) return false;
  if (waitpid(pid_, &status_, WNOHANG) != pid_) return true;
  pid_ = -1;
  return false;
}

std::optional<int> child::wait(double seconds) {
  for (double waited = 0; running(); waited += 0.02) {
    if (waited >= seconds) return std::nullopt;
    sleep_briefly();
  }
  return status_;
}

void child::stop() {
  if (!running()) return;
  kill(pid_, stop_signal_);
  if (wait(grace_)) return;
  kill(-pid_, SIGKILL);  // its process group: the server and whatever it started
  kill(pid_, SIGKILL);
  waitpid(pid_, &status_, 0);
  pid_ = -1;
}

void run(const std::vector<std::string>& argv, const std::string& log, std::optional<account> as,
         double seconds) {
  child c(argv, log, as, SIGKILL, 0);
  const std::optional<int> status = c.wait(seconds);
  if (status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) return;
  const std::string how = !status ? "did not finish in time"
                          : WIFEXITED(*status)
                              ? "exited with status " + std::to_string(WEXITSTATUS(*status))
                              : "was killed by a signal";
  throw start_failed(argv[0] + " " + how + "; its log:\n" + read_file(log));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void sleep_briefly() { std::this_thread::sleep_for(std::chrono::milliseconds(20)); }

}  // namespace test_support::servers
