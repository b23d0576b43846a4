// What the WebSocket tests share: a server in the test (a listener whose connections are read
// with request_parser and handed to accept_websocket), an echo loop, and raw peers that write
// hand-made frames and read what comes back frame by frame.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "../green/helpers.hpp"
#include "coros/greenthread.hpp"
#include "http/message.hpp"
#include "http/transport.hpp"
#include "http/websocket.hpp"
#include "http/websocket_accept.hpp"
#include "http/websocket_connect.hpp"

namespace websocket_tests {

namespace http = eventlet::http;

// A request head read from a connection, and the bytes that came after it.
struct request {
  http::request_head head;
  std::string rest;
};

// read_request() reads one request head from `t`. Throws std::runtime_error at EOF first.
request read_request(http::transport& t);

// read_response() reads one response head from `t`, and the bytes after it.
struct response {
  http::response_head head;
  std::string rest;
};
response read_response(http::transport& t);

// A listener on 127.0.0.1 for the test's server, with ws:// URLs that name it.
struct server {
  green_tests::loopback_listener listener;

  // url() is ws://127.0.0.1:PORT`path`.
  std::string url(std::string_view path = "/") const;

  // accept() takes the next connection, reads its request and accepts it as a WebSocket.
  http::websocket accept(const http::websocket_accept_options& options = {});

  // accept_raw() takes the next connection and reads its request, leaving the answer to the
  // test.
  std::pair<http::transport, request> accept_raw();
};

// echo() sends each message that `ws` receives back as it came, until receive() returns
// nullopt; returns how many it echoed.
int echo(http::websocket& ws);

// spawn_echo() accepts one connection of `s` in a new greenthread, echoes, and returns the
// peer's close code.
eventlet::greenthread<std::uint16_t> spawn_echo(server& s,
                                                http::websocket_accept_options options = {});

// A frame a raw peer read.
struct frame {
  http::websocket_opcode opcode;
  bool fin;
  std::string payload;
};

// A peer that writes frames by hand over a transport, and reads frames one at a time.
class raw_peer {
 public:
  // raw_peer() speaks as `role` over `t`, whose handshake is done; `pending` are the bytes
  // already received.
  raw_peer(http::transport t, http::websocket_role role, std::string pending = {});

  // client() connects to `where` and makes the opening handshake as a client.
  static raw_peer client(const eventlet::green::address& where);

  // send_frame() writes one frame: masked as `role` does unless `masked` says otherwise.
  void send_frame(http::websocket_opcode opcode, std::string_view payload, bool fin = true,
                  std::optional<bool> masked = std::nullopt);

  // send_bytes() writes bytes as they are.
  void send_bytes(std::string_view bytes) { t_.sendall(bytes); }

  // read_frame() returns the next whole frame, or nullopt at EOF.
  std::optional<frame> read_frame();

  // read_close() reads frames up to a Close frame and returns its code (1005: none), or 0 if
  // the connection ends first.
  std::uint16_t read_close();

  http::transport& transport() { return t_; }

 private:
  http::transport t_;
  http::websocket_role role_;
  std::string pending_;
  http::websocket_frame_decoder decoder_;
};

}  // namespace websocket_tests
