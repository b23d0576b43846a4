// What the server tests share: a server running in a greenthread of the test, programs (curl,
// python3, openssl) run as subprocesses while it serves, and a raw client on a green socket.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../support/fixture.hpp"
#include "coros/greenthread.hpp"
#include "green/net.hpp"
#include "http/server.hpp"

namespace server_tests {

// Options with short timeouts (5 s), so that a test that goes wrong ends soon.
eventlet::http::server_options quick_options();

// A server on 127.0.0.1, on a port the kernel picked, serving in a greenthread of the test;
// shut down (with no grace) when destroyed.
struct running_server {
  eventlet::green::socket listener;
  eventlet::green::address where;
  eventlet::http::server server;
  eventlet::greenthread<void> serving;

  explicit running_server(eventlet::http::handler h,
                          eventlet::http::server_options options = quick_options());
  running_server(eventlet::green::tls_listener& tls, eventlet::http::handler h,
                 eventlet::http::server_options options = quick_options());
  ~running_server();
  running_server(const running_server&) = delete;
  running_server& operator=(const running_server&) = delete;

  // url() is "http://127.0.0.1:PORT" followed by `path`.
  std::string url(std::string_view path = "/") const;
};

// What a program printed, and how it ended.
struct program_result {
  int status = -1;  // its exit status; -1 if a signal ended it
  std::string out, err;
};

// run() runs `argv` (found on PATH) with `input` on its stdin, closed after it, and returns
// once it has ended; the hub runs meanwhile, so a server of the test serves it. A program
// still running after 30 s is killed.
program_result run(const std::vector<std::string>& argv, std::string_view input = {});

// A response as a client parses it.
struct parsed_response {
  int status = 0;
  eventlet::http::headers fields;
  std::string body;
  bool keep_alive = true;
};

// A client that writes raw bytes and reads what comes back, with a 10 s timeout.
class raw_client {
 public:
  explicit raw_client(const eventlet::green::address& server);
  // send() sends `bytes` as they are.
  void send(std::string_view bytes);
  // response() reads one response to a request with `method` (a 1xx is one of its own).
  // Throws std::runtime_error if the connection ends first.
  parsed_response response(std::string_view method = "GET");
  // rest() reads until the server closes the connection and returns what came.
  std::string rest();
  // closed() tells whether the server closes the connection (within the timeout) without
  // sending anything more.
  bool closed();
  eventlet::green::socket& socket() { return socket_; }

 private:
  eventlet::green::socket socket_;
  std::string buffered_;
};

// One request and its response on a new connection: `request` is the whole raw request.
parsed_response round_trip(const eventlet::green::address& server, std::string_view request);

}  // namespace server_tests
