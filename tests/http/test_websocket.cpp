// http websocket: our client and our server — messages of every kind and size, fragments,
// ping and pong, the close handshake, greenthreads sending at once, timeouts.
#include <algorithm>
#include <string>
#include <vector>

#include "../examples/example.hpp"
#include "coros/event.hpp"
#include "websocket_tests.hpp"

using namespace eventlet;
using namespace websocket_tests;
using http::websocket_opcode;
using hub_tests::hub_test;

namespace {

// The next message of `ws`; fails the test case at the end of the connection.
http::websocket_message next(http::websocket& ws) {
  std::optional<http::websocket_message> m = ws.receive();
  REQUIRE(m.has_value());
  return std::move(*m);
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "websocket: text and binary messages round trip, empty ones too") {
  server s;
  auto serving = spawn_echo(s);
  http::websocket ws = http::connect_websocket(s.url("/echo?x=1"));
  CHECK(ws.role() == http::websocket_role::client);
  CHECK(ws.subprotocol().empty());
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes += static_cast<char>(i);
  const std::string texts[] = {"hello", "", "grüße, 世界, 🙂"};
  for (const std::string& t : texts) {
    ws.send_text(t);
    const http::websocket_message m = next(ws);
    CHECK(m.opcode == websocket_opcode::text);
    CHECK(m.data == t);
  }
  for (const std::string& b : {all_bytes, std::string()}) {
    ws.send_binary(b);
    const http::websocket_message m = next(ws);
    CHECK(m.opcode == websocket_opcode::binary);
    CHECK(m.data == b);
  }
  CHECK(ws.is_open());
  ws.close();
  CHECK_FALSE(ws.is_open());
  CHECK(ws.close_code() == 1000);  // the server echoed it
  CHECK(serving.wait() == 1000);
}

TEST_CASE_FIXTURE(hub_test, "websocket: large messages, up to the limits, both ways") {
  server s;
  http::websocket_accept_options big;
  big.websocket.limits = {.max_frame_size = 8 << 20, .max_message_size = 8 << 20};
  auto serving = spawn_echo(s, big);
  http::websocket_connect_options options;
  options.websocket.limits = big.websocket.limits;
  http::websocket ws = http::connect_websocket(s.url(), options);
  for (const std::size_t size : {std::size_t(125), std::size_t(126), std::size_t(65535),
                                 std::size_t(65536), std::size_t(1) << 20, std::size_t(8) << 20}) {
    const std::string data = example_tests::noise(size, size);
    ws.send_binary(data);
    const http::websocket_message m = next(ws);
    CHECK(m.data.size() == size);
    CHECK(m.data == data);
  }
  ws.close();
  CHECK(serving.wait() == 1000);
}

TEST_CASE_FIXTURE(hub_test, "websocket: fragments are joined, a ping between them answered") {
  server s;
  auto serving = spawn([&] {
    http::websocket ws = s.accept();
    std::vector<http::websocket_message> got;
    while (auto m = ws.receive()) got.push_back(std::move(*m));
    return got;
  });
  raw_peer peer = raw_peer::client(s.listener.where);
  // "grüße" with its 'ü' cut between two fragments, a ping in the middle.
  peer.send_frame(websocket_opcode::text, "gr\xc3", false);
  peer.send_frame(websocket_opcode::ping, "are you there", true);
  peer.send_frame(websocket_opcode::continuation, "\xbc\xc3\x9f", false);
  peer.send_frame(websocket_opcode::continuation, "e", true);
  // A binary message in three fragments, the middle one empty; the frames in one write.
  peer.send_frame(websocket_opcode::binary, "one,", false);
  peer.send_frame(websocket_opcode::continuation, "", false);
  peer.send_frame(websocket_opcode::continuation, "two", true);
  const std::optional<frame> pong = peer.read_frame();
  REQUIRE(pong.has_value());
  CHECK(pong->opcode == websocket_opcode::pong);
  CHECK(pong->payload == "are you there");
  peer.send_frame(websocket_opcode::close, http::websocket_close_payload(4321, "over"));
  const std::optional<frame> reply = peer.read_frame();
  REQUIRE(reply.has_value());
  CHECK(reply->opcode == websocket_opcode::close);
  CHECK(http::websocket_parse_close(reply->payload).code == 4321);  // echoed
  CHECK_FALSE(peer.read_frame().has_value());                       // then the server ends TCP
  const std::vector<http::websocket_message> got = serving.wait();
  REQUIRE(got.size() == 2);
  CHECK(got[0].opcode == websocket_opcode::text);
  CHECK(got[0].data == "grüße");
  CHECK(got[1].opcode == websocket_opcode::binary);
  CHECK(got[1].data == "one,two");
}

TEST_CASE_FIXTURE(hub_test, "websocket: ping and pong, pongs shown only when asked") {
  server s;
  auto serving = spawn_echo(s);
  http::websocket_connect_options options;
  options.websocket.receive_pongs = true;
  http::websocket ws = http::connect_websocket(s.url(), options);
  ws.ping("1234");
  http::websocket_message m = next(ws);
  CHECK(m.opcode == websocket_opcode::pong);
  CHECK(m.data == "1234");
  ws.ping();
  CHECK(next(ws).data.empty());
  CHECK_THROWS_AS(ws.ping(std::string(126, 'p')), std::invalid_argument);
  ws.close();
  serving.wait();

  auto serving2 = spawn_echo(s);
  http::websocket quiet = http::connect_websocket(s.url());
  quiet.ping("dropped");
  quiet.send_text("after the ping");
  m = next(quiet);  // the pong came first, and was passed over
  CHECK(m.opcode == websocket_opcode::text);
  CHECK(m.data == "after the ping");
  quiet.close();
  serving2.wait();
}

TEST_CASE_FIXTURE(hub_test, "websocket: the close handshake carries codes and reasons") {
  server s;
  SUBCASE("the client closes with an application's code") {
    auto serving = spawn([&] {
      http::websocket ws = s.accept();
      CHECK_FALSE(ws.receive().has_value());
      CHECK_FALSE(ws.is_open());
      CHECK_FALSE(ws.receive().has_value());  // and ever after
      return std::pair(ws.close_code(), ws.close_reason());
    });
    http::websocket ws = http::connect_websocket(s.url());
    ws.close(4000, "done here");
    CHECK(ws.close_code() == 4000);
    CHECK(ws.close_reason().empty());  // the server echoed the code alone
    CHECK(serving.wait() == std::pair(std::uint16_t(4000), std::string("done here")));
    CHECK_THROWS_AS(ws.send_text("late"), http::websocket_closed);
    ws.close();  // again: nothing to do
  }
  SUBCASE("the server closes while the client receives") {
    auto serving = spawn([&] {
      http::websocket ws = s.accept();
      ws.send_text("last words");
      ws.close(http::websocket_close::going_away, "maintenance");
      return ws.close_code();
    });
    http::websocket ws = http::connect_websocket(s.url());
    CHECK(next(ws).data == "last words");
    CHECK_FALSE(ws.receive().has_value());
    CHECK(ws.close_code() == 1001);
    CHECK(ws.close_reason() == "maintenance");
    try {
      ws.send_binary("late");
      FAIL("sent after the close");
    } catch (const http::websocket_closed& e) {
      CHECK(e.code() == 1001);
      CHECK(e.reason() == "maintenance");
    }
    CHECK(serving.wait() == 1001);
  }
  SUBCASE("a Close frame with no code is answered with none") {
    auto serving = spawn([&] {
      http::websocket ws = s.accept();
      CHECK_FALSE(ws.receive().has_value());
      return ws.close_code();
    });
    raw_peer peer = raw_peer::client(s.listener.where);
    peer.send_frame(websocket_opcode::close, "");
    const std::optional<frame> reply = peer.read_frame();
    REQUIRE(reply.has_value());
    CHECK(reply->opcode == websocket_opcode::close);
    CHECK(reply->payload.empty());
    CHECK(serving.wait() == http::websocket_close::no_status);
  }
  SUBCASE("a peer that goes away without a Close frame: 1006") {
    auto serving = spawn([&] {
      http::websocket ws = s.accept();
      CHECK_FALSE(ws.receive().has_value());
      return ws.close_code();
    });
    raw_peer::client(s.listener.where).transport().close();
    CHECK(serving.wait() == http::websocket_close::abnormal);
  }
  SUBCASE("codes that may not be sent are refused") {
    auto serving = spawn_echo(s);
    http::websocket ws = http::connect_websocket(s.url());
    CHECK_THROWS_AS(ws.close(1005), std::invalid_argument);
    CHECK_THROWS_AS(ws.close(1000, std::string(124, 'r')), std::invalid_argument);
    CHECK(ws.is_open());
    ws.close();
    serving.wait();
  }
}

TEST_CASE_FIXTURE(hub_test, "websocket: greenthreads that send at once never mix their frames") {
  server s;
  auto serving = spawn_echo(s);
  http::websocket ws = http::connect_websocket(s.url());
  constexpr int senders = 4, each = 50;
  event<> all_in;
  auto receiving = spawn([&] {
    std::vector<std::string> got;
    while (auto m = ws.receive()) {
      got.push_back(std::move(m->data));
      if (got.size() == senders * each) all_in.send();
    }
    return got;
  });
  std::vector<greenthread<void>> sending;
  for (int i = 0; i < senders; ++i)
    sending.push_back(spawn([&ws, i] {
      for (int j = 0; j < each; ++j) ws.send_binary(example_tests::noise(i * 1000 + j, 20000 + j));
    }));
  for (auto& g : sending) g.wait();
  all_in.wait();
  CHECK_THROWS_AS(ws.receive(), std::logic_error);  // one receiver at a time
  ws.close();  // while `receiving` waits in receive(): it returns nullopt
  const std::vector<std::string> got = receiving.wait();
  CHECK(got.size() == senders * each);
  int intact = 0;
  for (int i = 0; i < senders; ++i)
    for (int j = 0; j < each; ++j) {
      const std::string want = example_tests::noise(i * 1000 + j, 20000 + j);
      intact += std::find(got.begin(), got.end(), want) != got.end();
    }
  CHECK(intact == senders * each);
  CHECK(serving.wait() == 1000);
}

TEST_CASE_FIXTURE(hub_test, "websocket: a receive timeout leaves the connection usable") {
  server s;
  auto serving = spawn_echo(s);
  http::websocket ws = http::connect_websocket(s.url());
  ws.set_timeout(0.05);
  CHECK_THROWS_AS(ws.receive(), timeout_error);
  CHECK(ws.is_open());
  ws.set_timeout(std::nullopt);
  ws.send_text("still here");
  CHECK(next(ws).data == "still here");
  ws.close();
  CHECK(serving.wait() == 1000);
}

TEST_CASE_FIXTURE(hub_test,
                  "websocket: subprotocols: the server's first choice the client offers") {
  server s;
  http::websocket_accept_options server_options;
  server_options.subprotocols = {"v2.chat", "v1.chat"};
  auto serving = spawn([&] {
    http::websocket ws = s.accept(server_options);
    const std::string chosen = ws.subprotocol();
    echo(ws);
    return chosen;
  });
  http::websocket_connect_options options;
  options.subprotocols = {"v1.chat", "v2.chat"};
  http::websocket ws = http::connect_websocket(s.url(), options);
  CHECK(ws.subprotocol() == "v2.chat");
  ws.close();
  CHECK(serving.wait() == "v2.chat");

  auto serving2 = spawn([&] { return s.accept(server_options).subprotocol(); });
  options.subprotocols = {"other"};
  CHECK(http::connect_websocket(s.url(), options).subprotocol().empty());
  CHECK(serving2.wait().empty());
}

TEST_CASE_FIXTURE(hub_test, "websocket: close() gives up on a peer that never answers") {
  server s;
  auto closing = spawn([&s] {
    http::websocket_accept_options o;
    o.websocket.close_timeout = 0.05;
    http::websocket ws = s.accept(o);
    ws.close(1000);  // waits 0.05 s for a Close that never comes, then closes
    CHECK_FALSE(ws.receive().has_value());
    return ws.close_code();
  });
  raw_peer peer = raw_peer::client(s.listener.where);
  CHECK(peer.read_close() == 1000);
  CHECK_FALSE(peer.read_frame().has_value());  // the server ended the connection
  CHECK(closing.wait() == http::websocket_close::abnormal);
}

TEST_CASE_FIXTURE(hub_test, "websocket: a sender blocked by a peer that does not read") {
  server s;
  auto serving = spawn([&s] {
    http::websocket ws = s.accept();
    ws.set_timeout(0.05);  // the client never reads: the send times out, the connection closes
    const std::string chunk(1 << 20, 'x');
    try {
      while (true) ws.send_binary(chunk);
    } catch (const timeout_error&) {
    }
    CHECK_FALSE(ws.is_open());
    CHECK_THROWS_AS(ws.send_text("more"), http::websocket_closed);
    ws.close();  // nothing to do
  });
  raw_peer peer = raw_peer::client(s.listener.where);
  serving.wait();
}
