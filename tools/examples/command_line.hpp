// command_line: what the examples share to read their arguments, "--name value" pairs, and
// to say where they listen.
//
//   examples::command_line args(argc, argv, "echo_server [--port N]", {"--port"});
//   int port = args.port(6000);  // --port N, or 6000 if not given
//
// A bad command line (an unknown name, a missing or bad value) prints what is wrong and the
// usage to stderr and exits with status 2.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "green/address.hpp"

namespace examples {

// announce() prints "listening on HOST:PORT" on stdout at once: the one line the tests and
// echo_bench wait for.
inline void announce(const eventlet::green::address& where) {
  std::printf("listening on %s\n", where.to_string().c_str());
  std::fflush(stdout);
}

class command_line {
 public:
  // command_line() reads argv[1...]: each of `names` may be given once, followed by its value.
  command_line(int argc, char** argv, std::string usage, const std::vector<std::string>& names)
      : usage_(std::move(usage)) {
    for (int i = 1; i < argc; ++i) {
      const std::string name = argv[i];
      if (name == "--help" || name == "-h") fail("");
      bool known = false;
      for (const std::string& n : names) known = known || n == name;
      if (!known) fail("unknown argument '" + name + "'");
      if (i + 1 == argc) fail(name + " needs a value");
      if (!values_.emplace(name, argv[++i]).second) fail(name + " is given twice");
    }
  }

  // value() is the value given for `name`, else `fallback`; without one, `name` is required.
  std::string value(const std::string& name, std::optional<std::string> fallback = {}) const {
    if (const auto it = values_.find(name); it != values_.end()) return it->second;
    if (!fallback) fail(name + " is required");
    return *fallback;
  }

  // port() is the value of --port as a port number (0: the kernel picks one), else `fallback`.
  int port(int fallback) const {
    const std::string text = value("--port", std::to_string(fallback));
    return parse_port(text, "--port");
  }

  // count() is the value of `name` as a whole number from 1 to `most`, else `fallback`.
  int count(const std::string& name, int fallback, int most) const {
    const std::string text = value(name, std::to_string(fallback));
    char* end = nullptr;
    const long n = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || n < 1 || n > most)
      fail(name + " '" + text + "' is not a number from 1 to " + std::to_string(most));
    return static_cast<int>(n);
  }

  // parse_port() reads a port number, 0..65535, given for `name`.
  int parse_port(const std::string& text, const std::string& name) const {
    char* end = nullptr;
    const long n = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || n < 0 || n > 65535)
      fail(name + " '" + text + "' is not a port number (0..65535)");
    return static_cast<int>(n);
  }

  // fail() prints `problem` (if any) and the usage to stderr and exits with status 2.
  [[noreturn]] void fail(const std::string& problem) const {
    if (!problem.empty()) std::fprintf(stderr, "%s\n", problem.c_str());
    std::fprintf(stderr, "usage: %s\n", usage_.c_str());
    std::exit(2);
  }

 private:
  std::string usage_;
  std::map<std::string, std::string> values_;
};

}  // namespace examples
