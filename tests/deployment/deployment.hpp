// What the deployment tests share: wrk as the load, a free port, a temporary directory.
#pragma once

#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../examples/example.hpp"
#include "base/errors.hpp"
#include "green/net.hpp"

namespace deployment_tests {

// What wrk said when it stopped.
struct load_result {
  long requests = 0;  // the responses it counted
  std::string text;   // all it printed
  // failed() tells whether it saw a failure: a socket error (connect, read, write, timeout)
  // or a response that is neither 2xx nor 3xx (it prints a line for those only if any).
  bool failed() const {
    return text.find("Socket errors") != std::string::npos ||
           text.find("Non-2xx") != std::string::npos;
  }
};

// A load on `url` from wrk (WRK: its path) with `args` (-c, -H ...), one thread, until stop();
// its -d of 60 s is a bound, not the plan. Destroying it unstopped kills it.
class load {
 public:
  load(const std::string& url, std::vector<std::string> args) {
    auto [out, out_write] = eventlet::green::pipe();
    out_ = std::move(out);
    args.insert(args.begin(), {"-t1", "-d60s"});
    args.push_back(url);
    proc_.emplace(example_tests::program("WRK"), args, out_write.fileno(), -1);
  }

  // stop() sends SIGINT, on which wrk stops and prints its figures, and returns them. Throws
  // std::runtime_error if it had stopped before, or its figures cannot be read.
  load_result stop() {
    if (!proc_->running()) throw std::runtime_error("wrk stopped early");
    kill(proc_->pid(), SIGINT);
    const int status = proc_->wait();
    load_result r;
    out_.set_timeout(30);  // a guard against a hang, not a timing check
    for (std::string s; !(s = out_.read(4096)).empty();) r.text += s;
    const std::size_t at = r.text.find(" requests in ");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || at == std::string::npos)
      throw std::runtime_error("wrk failed: " + r.text);
    r.requests = std::stol(r.text.substr(r.text.rfind('\n', at) + 1));
    return r;
  }

 private:
  eventlet::green::fd out_;
  std::optional<example_tests::process> proc_;
};

// free_port() is a loopback port nothing listens on now (the kernel's pick for a socket bound
// then closed): for a program that cannot be told to take port 0 and say which it got.
inline int free_port() {
  eventlet::green::socket s = eventlet::green::listen({"127.0.0.1", 0});
  return s.getsockname().port();
}

// A directory of its own under $TMPDIR (or /tmp), removed with all in it when destroyed.
class temp_dir {
 public:
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "eventlet-XXXXXX").string();
    if (!mkdtemp(pattern.data())) eventlet::os::throw_error(errno, "mkdtemp");
    path_ = pattern;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace deployment_tests
