// http websocket: a real peer, Debian's python3-websockets (websocket_peer.py), as a client of
// our server and as a server for our client.
#include <sys/wait.h>

#include <string>
#include <tuple>
#include <vector>

#include "../examples/example.hpp"
#include "websocket_tests.hpp"

using namespace eventlet;
using namespace websocket_tests;
using http::websocket_opcode;
using hub_tests::hub_test;

namespace {

// websocket_peer.py run by /usr/bin/python3 with `args`, its stdout read a line at a time (60 s
// at most for each: a guard against a hang); killed at the end if it still runs.
class python_peer {
 public:
  explicit python_peer(std::vector<std::string> args) {
    auto [out, out_write] = green::pipe();
    out_ = std::move(out);
    out_.set_timeout(60);
    args.insert(args.begin(), example_tests::program("WEBSOCKET_PEER"));
    process_.emplace("/usr/bin/python3", args, out_write.fileno(), -1);
  }

  // line() is its next line, without the line end and the spaces before it ("" at EOF).
  std::string line() { return strip(lines_.readline()); }

  // all_lines() reads its lines to the end of its output.
  std::vector<std::string> all_lines() {
    std::vector<std::string> all;
    for (std::string l; !(l = lines_.readline()).empty();) all.push_back(strip(l));
    return all;
  }

  // exited_cleanly() waits for it to exit and tells whether it exited with 0.
  bool exited_cleanly() {
    const int status = process_->wait();
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }

 private:
  static std::string strip(std::string l) {
    while (!l.empty() && (l.back() == '\n' || l.back() == ' ')) l.pop_back();
    return l;
  }

  green::fd out_;
  green::stream lines_{out_};
  std::optional<example_tests::process> process_;
};

// The options of a peer of python's, whose messages go up to 16 MiB.
http::websocket_options roomy() {
  http::websocket_options o;
  o.limits = {.max_frame_size = 1 << 24, .max_message_size = 1 << 24};
  return o;
}

}  // namespace

TEST_CASE_FIXTURE(hub_test, "websocket: python3-websockets as a client of our server") {
  server s;
  auto serving = spawn([&s] {
    http::websocket ws = s.accept({.subprotocols = {"other", "chat"}, .websocket = roomy()});
    const int echoed = echo(ws);
    return std::tuple(echoed, ws.close_code(), ws.close_reason());
  });
  python_peer py({"client", s.url("/echo")});
  const std::vector<std::string> want = {"subprotocol chat",
                                         "extensions 0",
                                         "echo str 5 ok",
                                         "echo str 7 ok",
                                         "echo str 0 ok",
                                         "echo bytes 1024 ok",
                                         "echo bytes 1048576 ok",
                                         "fragments fragmented",
                                         "pong",
                                         "closed 4001"};  // our server echoed the code
  CHECK(py.all_lines() == want);
  CHECK(py.exited_cleanly());
  CHECK(serving.wait() == std::tuple(6, std::uint16_t(4001), std::string("py done")));
}

TEST_CASE_FIXTURE(hub_test, "websocket: python3-websockets sees our server close") {
  server s;
  auto serving = spawn([&s] {
    http::websocket ws = s.accept();
    ws.send_text("bye");
    ws.close(http::websocket_close::going_away, "going away now");
    return ws.close_code();
  });
  python_peer py({"listen-close", s.url()});
  CHECK(py.all_lines() == std::vector<std::string>{"message bye", "closed 1001 going away now"});
  CHECK(py.exited_cleanly());
  CHECK(serving.wait() == 1001);  // python echoed it
}

TEST_CASE_FIXTURE(hub_test, "websocket: our client with a python3-websockets server") {
  python_peer py({"server"});
  const std::string listening = py.line();
  REQUIRE(listening.starts_with("listening on 127.0.0.1:"));
  const std::string url = "ws://" + listening.substr(13) + "/echo";

  http::websocket_connect_options o;
  o.subprotocols = {"chat"};
  o.websocket = roomy();
  o.websocket.receive_pongs = true;
  http::websocket ws = http::connect_websocket(url, o);
  CHECK(ws.subprotocol() == "chat");
  const std::string big = example_tests::noise(7, 3 << 20);
  for (const std::string& text :
       {std::string("hello"), std::string("grüße 🙂"), std::string()}) {
    ws.send_text(text);
    const std::optional<http::websocket_message> m = ws.receive();
    REQUIRE(m.has_value());
    CHECK(m->opcode == websocket_opcode::text);
    CHECK(m->data == text);
  }
  ws.send_binary(big);
  std::optional<http::websocket_message> m = ws.receive();
  REQUIRE(m.has_value());
  CHECK(m->opcode == websocket_opcode::binary);
  CHECK(m->data == big);
  ws.send_text("fragments please");
  m = ws.receive();
  REQUIRE(m.has_value());
  CHECK(m->data == "one two three");
  ws.ping("ours");
  m = ws.receive();
  REQUIRE(m.has_value());
  CHECK(m->opcode == websocket_opcode::pong);
  CHECK(m->data == "ours");
  ws.send_text("ping me");  // python's ping is answered inside receive()
  m = ws.receive();
  REQUIRE(m.has_value());
  CHECK(m->data == "ponged");
  ws.close(http::websocket_close::normal, "bye");
  CHECK(ws.close_code() == 1000);
  CHECK(ws.close_reason() == "bye");  // python echoes the reason too
  CHECK(py.line() == "closed 1000 bye");

  http::websocket_connect_options small;
  small.websocket.limits.max_message_size = 1000;
  http::websocket tight = http::connect_websocket(url, small);
  tight.send_text("too big please");
  std::uint16_t thrown = 0;
  try {
    tight.receive();
  } catch (const http::websocket_error& e) {
    thrown = e.close_code();
  }
  CHECK(thrown == 1009);
  CHECK(py.line().starts_with("closed 1009 websocket: message of 2000 bytes"));
}
