// http websocket: wss:// — our client and our server over TLS, with the test certificates.
#include <string>

#include "../examples/example.hpp"
#include "../green/tls_helpers.hpp"
#include "websocket_tests.hpp"

using namespace eventlet;
using namespace websocket_tests;
using http::websocket_opcode;
using hub_tests::hub_test;

namespace {

// A TLS listener on 127.0.0.1 with the test CA's certificate for localhost.
struct tls_server {
  green::tls_listener listener{
      {"127.0.0.1", 0}, tls_tests::pki().server_cert, tls_tests::pki().server_key};
  std::string url = "wss://localhost:" + std::to_string(listener.getsockname().port()) + "/";

  // accept() takes the next connection, reads its request over TLS and accepts it.
  http::websocket accept() {
    http::transport t(listener.accept().first);
    request r = read_request(t);
    return http::accept_websocket(r.head, std::move(t), r.rest);
  }
};

}  // namespace

TEST_CASE_FIXTURE(hub_test, "websocket: wss, our client and server over TLS") {
  tls_server s;
  auto serving = spawn([&s] {
    http::websocket ws = s.accept();
    echo(ws);
    return std::pair(ws.close_code(), ws.close_reason());
  });
  http::websocket_connect_options o;
  o.tls = tls_tests::trusting_client();
  o.websocket.receive_pongs = true;
  http::websocket ws = http::connect_websocket(s.url, o);  // localhost: ::1 refused, then IPv4
  ws.send_text("over TLS");
  std::optional<http::websocket_message> m = ws.receive();
  REQUIRE(m.has_value());
  CHECK(m->data == "over TLS");
  const std::string records = example_tests::noise(3, 100'000);  // several TLS records
  ws.send_binary(records);
  m = ws.receive();
  REQUIRE(m.has_value());
  CHECK(m->opcode == websocket_opcode::binary);
  CHECK(m->data == records);
  ws.ping("tls");
  m = ws.receive();
  REQUIRE(m.has_value());
  CHECK(m->opcode == websocket_opcode::pong);
  CHECK(m->data == "tls");
  ws.close(4002, "tls done");
  CHECK(ws.close_code() == 4002);
  CHECK(serving.wait() == std::pair(std::uint16_t(4002), std::string("tls done")));
}

TEST_CASE_FIXTURE(hub_test, "websocket: wss verifies the server by default") {
  tls_server s;
  auto serving = spawn([&s] {
    try {
      s.accept();
    } catch (const green::tls_error&) {  // the client refused the certificate
      return true;
    }
    return false;
  });
  const std::string failure = tls_tests::tls_failure_of([&] { http::connect_websocket(s.url); });
  CHECK(failure.find("certificate verify failed") != std::string::npos);
  CHECK(serving.wait());
}
