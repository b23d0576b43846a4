// What the client tests share: Python's http.server (client_server.py) as a subprocess, a raw
// server on green sockets that answers with the bytes a test gives, and the fields of /echo.
#pragma once

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../examples/example.hpp"
#include "coros/greenthread.hpp"
#include "green/net.hpp"
#include "green/stream.hpp"
#include "http/client.hpp"

namespace client_tests {

// client_server.py, started with `args` ("--tls CERT KEY", "--host H"): the constructor waits
// (at most 60 s) for its "listening on" line; the destructor kills it.
class python_server {
 public:
  explicit python_server(std::vector<std::string> args = {}) {
    const bool tls = !args.empty() && args[0] == "--tls";
    args.insert(args.begin(), example_tests::program("HTTP_CLIENT_SERVER"));
    auto [out, out_write] = eventlet::green::pipe();
    out_ = std::move(out);
    proc_.emplace("/usr/bin/python3", args, out_write.fileno(), -1);
    out_write.close();
    out_.set_timeout(60);  // a guard against a hang, not a timing check
    eventlet::green::stream lines(out_);
    const std::string line = lines.readline();
    const std::string prefix = "listening on ";
    if (line.rfind(prefix, 0) != 0 || line.back() != '\n')
      throw std::runtime_error("client_server.py said '" + line + "'");
    base_ = std::string(tls ? "https://" : "http://") +
            line.substr(prefix.size(), line.size() - prefix.size() - 1);
    port_ = std::stoi(base_.substr(base_.rfind(':') + 1));
  }

  // url() is the server's URL with `path` ("/echo"); with `host`, for that host name.
  std::string url(std::string_view path) const { return base_ + std::string(path); }
  std::string url(std::string_view host, std::string_view path) const {
    return base_.substr(0, base_.find("://") + 3) + std::string(host) + ":" +
           std::to_string(port_) + std::string(path);
  }
  int port() const { return port_; }

 private:
  eventlet::green::fd out_;
  std::optional<example_tests::process> proc_;
  std::string base_;
  int port_ = 0;
};

// A server on loopback that serves one connection at a time: for each request head that comes
// (its body is not read), `answer(stream, head, n)` writes a reply (n counts requests from 0,
// over all connections) and returns whether to wait for another request on that connection.
class raw_server {
 public:
  using answer_fn = std::function<bool(eventlet::green::stream&, const std::string&, int)>;

  explicit raw_server(answer_fn answer) : answer_(std::move(answer)) {}
  raw_server(const raw_server&) = delete;
  raw_server& operator=(const raw_server&) = delete;
  ~raw_server() { serving_.kill(); }

  std::string url(std::string_view path) const {
    return "http://" + where_.to_string() + std::string(path);
  }
  int connections() const { return connections_; }
  int requests() const { return requests_; }

 private:
  answer_fn answer_;
  eventlet::green::socket listener_ = eventlet::green::listen({"127.0.0.1", 0});
  eventlet::green::address where_ = listener_.getsockname();
  int connections_ = 0, requests_ = 0;
  eventlet::greenthread<void> serving_ = eventlet::spawn([this] { serve(); });

  void serve() {
    while (true) {
      eventlet::green::socket c = listener_.accept().first;
      ++connections_;
      eventlet::green::stream s(c);
      try {
        for (std::string head; !(head = s.read_until("\r\n\r\n", 64 * 1024)).empty();) {
          const bool more = answer_(s, head, requests_++);
          s.flush();
          if (!more) break;
        }
      } catch (const std::system_error&) {  // the client reset the connection
      }
    }
  }
};

// field() is the value of "key=value" in /echo's answer (the body is last, and may hold
// '\n'); "" if absent, "?" if the key repeats.
inline std::string field(std::string_view echo, std::string_view key) {
  if (key == "body") {
    const std::size_t at = echo.find("\nbody=");
    return at == std::string_view::npos ? "" : std::string(echo.substr(at + 6));
  }
  std::string found;
  bool seen = false;
  for (std::size_t at = 0; at < echo.size();) {
    const std::size_t end = std::min(echo.find('\n', at), echo.size());
    const std::string_view line = echo.substr(at, end - at);
    if (line.rfind("body=", 0) == 0) break;
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == '=') {
      if (seen) return "?";
      found = line.substr(key.size() + 1);
      seen = true;
    }
    at = end + 1;
  }
  return found;
}

// pattern() is what client_server.py sends for /length/N: "0123456789" repeated, N bytes.
inline std::string pattern(std::size_t n) {
  std::string s;
  while (s.size() < n) s += "0123456789";
  s.resize(n);
  return s;
}

// What `f` throws as E: its message, or "" if it throws nothing.
template <typename E, typename F>
std::string failure_of(F f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

}  // namespace client_tests
