// http websocket: what each end refuses — broken frames and messages (1002, 1007, 1009),
// handshakes a server refuses (400, 426) and responses a client refuses, bad arguments.
#include <string>

#include "http/parser.hpp"
#include "http/websocket_handshake.hpp"
#include "websocket_tests.hpp"

using namespace eventlet;
using namespace websocket_tests;
using http::websocket_opcode;
using hub_tests::hub_test;

namespace {

// The close code of the websocket_error that the server's receive() throws while `peer`
// sends what `send` sends; and the code of the Close frame the peer gets, then its EOF.
struct failure {
  std::uint16_t thrown = 0, sent = 0;
  bool then_eof = false;
};
template <typename Send>
failure fail_server(server& s, Send send, http::websocket_accept_options options = {}) {
  auto serving = spawn([&s, options] {
    http::websocket ws = s.accept(options);
    try {
      while (ws.receive()) {
      }
    } catch (const http::websocket_error& e) {
      CHECK_FALSE(ws.is_open());
      CHECK_FALSE(ws.receive().has_value());  // closed for good
      return e.close_code();
    }
    return std::uint16_t(0);
  });
  raw_peer peer = raw_peer::client(s.listener.where);
  send(peer);
  failure f;
  f.sent = peer.read_close();
  f.then_eof = !peer.read_frame().has_value();
  f.thrown = serving.wait();
  return f;
}

// The status of the response a server gives to `request`, and that of the
// websocket_handshake_error its accept_websocket() throws.
std::pair<int, int> refusal(server& s, const std::string& request, std::string* response_text) {
  auto serving = spawn([&s] {
    try {
      s.accept();
    } catch (const http::websocket_handshake_error& e) {
      return e.status();
    }
    return 0;
  });
  http::transport t(green::connect(s.listener.where));
  t.sendall(request);
  response r = read_response(t);
  if (response_text) {
    r.head.fields.append_to(*response_text);
    *response_text += r.rest;
  }
  return {r.head.status, serving.wait()};
}

const std::string key_fields = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
const std::string good_request =
    "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" + key_fields +
    "Sec-WebSocket-Version: 13\r\n\r\n";

// The status of the websocket_handshake_error connect_websocket() throws when the server
// answers its request with `answer` (given the request's key; "" closes at once).
template <typename Answer>
int client_refusal(Answer answer) {
  server s;
  auto serving = spawn([&s, answer] {
    auto [t, r] = s.accept_raw();
    const std::string text =
        answer(http::websocket_accept_key(*r.head.fields.get("Sec-WebSocket-Key")));
    if (!text.empty()) t.sendall(text);
  });
  int status = -1;
  try {
    http::connect_websocket(s.url());
  } catch (const http::websocket_handshake_error& e) {
    status = e.status();
  }
  serving.wait();
  return status;
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "websocket: a text message that is not UTF-8 fails with 1007") {
  server s;
  const failure whole = fail_server(s, [](raw_peer& p) {
    p.send_frame(websocket_opcode::text, "caf\xc3\xa9 \xc0\xaf");  // an overlong '/'
  });
  CHECK(whole.thrown == 1007);
  CHECK(whole.sent == 1007);
  CHECK(whole.then_eof);
  const failure split = fail_server(s, [](raw_peer& p) {
    p.send_frame(websocket_opcode::text, "ok \xe2\x82", false);  // a '€' cut short
    p.send_frame(websocket_opcode::continuation, "x", true);
  });
  CHECK(split.thrown == 1007);
  CHECK(split.sent == 1007);
}

TEST_CASE_FIXTURE(hub_test, "websocket: frames and messages above the limits fail with 1009") {
  server s;
  http::websocket_accept_options small;
  small.websocket.limits = {.max_frame_size = 1000, .max_message_size = 1500};
  const failure frame = fail_server(
      s, [](raw_peer& p) { p.send_frame(websocket_opcode::binary, std::string(1001, 'b')); },
      small);
  CHECK(frame.thrown == 1009);
  CHECK(frame.sent == 1009);
  CHECK(frame.then_eof);
  const failure message = fail_server(
      s,
      [](raw_peer& p) {
        p.send_frame(websocket_opcode::binary, std::string(1000, 'b'), false);
        p.send_frame(websocket_opcode::continuation, std::string(501, 'b'), true);
      },
      small);
  CHECK(message.thrown == 1009);
  CHECK(message.sent == 1009);
  // Refused from its header: a peer announcing 2^62 bytes need not send them.
  const failure announced = fail_server(
      s, [](raw_peer& p) { p.send_bytes(std::string("\x82\xff\x40\0\0\0\0\0\0\0mask", 14)); });
  CHECK(announced.thrown == 1009);
  CHECK(announced.sent == 1009);
}

TEST_CASE_FIXTURE(hub_test, "websocket: framing errors fail with 1002") {
  server s;
  const failure unmasked = fail_server(
      s, [](raw_peer& p) { p.send_frame(websocket_opcode::text, "naked", true, false); });
  CHECK(unmasked.thrown == 1002);
  CHECK(unmasked.sent == 1002);
  CHECK(unmasked.then_eof);
  const failure opcode = fail_server(s, [](raw_peer& p) {
    p.send_bytes("\x83\x80mask");  // opcode 3 (reserved), empty, masked
  });
  CHECK(opcode.thrown == 1002);
  const failure orphan =
      fail_server(s, [](raw_peer& p) { p.send_frame(websocket_opcode::continuation, "?"); });
  CHECK(orphan.thrown == 1002);
  const failure bad_close = fail_server(s, [](raw_peer& p) {
    p.send_frame(websocket_opcode::close, std::string("\x03\xed", 2));  // 1005 may not be sent
  });
  CHECK(bad_close.thrown == 1002);
}

TEST_CASE_FIXTURE(hub_test, "websocket: a client refuses a masked frame from the server (1002)") {
  server s;
  auto serving = spawn([&s] {
    auto [t, r] = s.accept_raw();
    t.sendall(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
        "Sec-WebSocket-Accept: " +
        http::websocket_accept_key(*r.head.fields.get("Sec-WebSocket-Key")) + "\r\n\r\n");
    raw_peer peer(std::move(t), http::websocket_role::server);
    peer.send_frame(websocket_opcode::text, "masked", true, true);
    return peer.read_close();  // the client's Close frame, masked
  });
  http::websocket ws = http::connect_websocket(s.url());
  std::uint16_t thrown = 0;
  try {
    ws.receive();
  } catch (const http::websocket_error& e) {
    thrown = e.close_code();
  }
  CHECK(thrown == 1002);
  CHECK(serving.wait() == 1002);
  CHECK_THROWS_AS(ws.send_text("after"), http::websocket_closed);
}

TEST_CASE_FIXTURE(hub_test, "websocket: handshakes a server refuses, with 400 or 426") {
  server s;
  std::string text;
  CHECK(refusal(s,
                good_request.substr(0, good_request.find("Sec-WebSocket-Version")) +
                    "Sec-WebSocket-Version: 8\r\n\r\n",
                &text) == std::pair(426, 426));
  CHECK(text.find("Sec-WebSocket-Version: 13\r\n") != std::string::npos);
  CHECK(text.find("Upgrade: websocket\r\n") != std::string::npos);
  auto without = [](std::string_view field) {
    std::string r = good_request;
    const std::size_t at = r.find(field);
    return r.erase(at, r.find("\r\n", at) + 2 - at);
  };
  CHECK(refusal(s, without("Sec-WebSocket-Version"), nullptr) == std::pair(426, 426));
  CHECK(refusal(s, without("Upgrade"), nullptr) == std::pair(426, 426));
  CHECK(refusal(s, without("Sec-WebSocket-Key"), nullptr) == std::pair(400, 400));
  CHECK(refusal(s, without("Connection"), nullptr) == std::pair(400, 400));
  std::string bad_key = good_request;
  bad_key.replace(bad_key.find("dGhl"), 4, "d!hl");
  CHECK(refusal(s, bad_key, nullptr) == std::pair(400, 400));
  std::string two_keys = good_request;
  two_keys.insert(two_keys.find(key_fields), key_fields);
  CHECK(refusal(s, two_keys, nullptr) == std::pair(400, 400));
  std::string post = good_request;
  post.replace(0, 3, "POST");
  CHECK(refusal(s, post, nullptr) == std::pair(400, 400));
  std::string http10 = good_request;
  http10.replace(http10.find("1.1"), 3, "1.0");
  CHECK(refusal(s, http10, nullptr) == std::pair(400, 400));
  std::string body = good_request;
  body.insert(body.size() - 2, "Content-Length: 2\r\n");
  CHECK(refusal(s, body + "hi", &text) == std::pair(400, 400));
}

TEST_CASE("websocket: is_websocket_upgrade() tells which requests ask for a WebSocket") {
  auto head = [](const std::string& text) {
    http::request_parser p;
    REQUIRE(p.parse(text) == text.size());
    return p.head();
  };
  CHECK(http::is_websocket_upgrade(head(good_request)));
  CHECK(http::is_websocket_upgrade(head(
      "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: h2c, WebSocket\r\nConnection: keep-alive, UPGRADE\r\n"
      "\r\n")));
  CHECK_FALSE(http::is_websocket_upgrade(head("GET / HTTP/1.1\r\nHost: a\r\n\r\n")));
  CHECK_FALSE(http::is_websocket_upgrade(
      head("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: close\r\n\r\n")));
  CHECK_FALSE(http::is_websocket_upgrade(
      head("PUT / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
           "Content-Length: 0\r\n\r\n")));
}

TEST_CASE_FIXTURE(hub_test, "websocket: responses a client refuses") {
  CHECK(client_refusal([](const std::string&) {
          return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        }) == 404);
  CHECK(client_refusal([](const std::string&) {
          return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
                 "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
        }) == 101);
  const std::string ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n";
  CHECK(client_refusal([&](const std::string& accept) {
          return ok + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n";  // no Connection
        }) == 101);
  CHECK(client_refusal([&](const std::string& accept) {
          return ok + "Connection: upgrade\r\nSec-WebSocket-Accept: " + accept +
                 "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n";
        }) == 101);
  CHECK(client_refusal([&](const std::string& accept) {
          return ok + "Connection: upgrade\r\nSec-WebSocket-Accept: " + accept +
                 "\r\nSec-WebSocket-Protocol: never.offered\r\n\r\n";
        }) == 101);
  CHECK(client_refusal([](const std::string&) { return std::string(); }) == 0);
}

TEST_CASE_FIXTURE(hub_test, "websocket: bad arguments, and a server that never answers") {
  server s;
  using http::connect_websocket;
  CHECK_THROWS_AS(connect_websocket("http://127.0.0.1/"), std::invalid_argument);
  CHECK_THROWS_AS(connect_websocket("ws://127.0.0.1/#top"), std::invalid_argument);
  CHECK_THROWS_AS(connect_websocket("ws//127.0.0.1/"), std::invalid_argument);
  CHECK_THROWS_AS(connect_websocket("ws://user@127.0.0.1/"), std::invalid_argument);
  http::websocket_connect_options o;
  o.extra_headers.add("sec-websocket-extensions", "permessage-deflate");
  CHECK_THROWS_AS(connect_websocket(s.url(), o), std::invalid_argument);
  o.extra_headers.clear();
  o.subprotocols = {"two words"};
  CHECK_THROWS_AS(connect_websocket(s.url(), o), std::invalid_argument);
  o.subprotocols.clear();
  o.timeout = 0;
  CHECK_THROWS_AS(connect_websocket(s.url(), o), std::invalid_argument);
  http::websocket_accept_options a;
  a.subprotocols = {""};
  CHECK_THROWS_AS(http::accept_websocket({}, {}, {}, a), std::invalid_argument);

  server silent;  // it never accepts: the kernel's backlog takes the connection
  o.timeout = 0.1;
  CHECK_THROWS_AS(connect_websocket(silent.url(), o), timeout_error);

  auto serving = spawn_echo(s);
  http::websocket ws = connect_websocket(s.url());
  CHECK_THROWS_AS(ws.send_text("\xff"), std::invalid_argument);
  CHECK(ws.is_open());
  ws.close();
  CHECK(serving.wait() == 1000);
}
