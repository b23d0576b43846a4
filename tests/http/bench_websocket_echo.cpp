// What a WebSocket connection costs: echo round trips between our client and our server in one
// process (one core), over loopback, for messages of 16 B to 1 MiB. Prints round trips per
// second and MB/s each way; asserts nothing. EVENTLET_HUB picks the hub.
#include <chrono>
#include <cstdio>
#include <string>

#include "coros/greenthread.hpp"
#include "green/net.hpp"
#include "http/parser.hpp"
#include "http/websocket_accept.hpp"
#include "http/websocket_connect.hpp"
#include "hubs/hub.hpp"

using namespace eventlet;

namespace {

constexpr http::websocket_limits limits{.max_frame_size = 8 << 20, .max_message_size = 8 << 20};

// serve() accepts one WebSocket on `listener` and echoes binary messages until it closes.
void serve(green::socket& listener) {
  http::transport t(listener.accept().first);
  http::request_parser parser;
  std::string received;
  std::size_t head_size;
  char chunk[4096];
  while ((head_size = parser.parse(received)) == 0) received.append(chunk, t.recv_into(chunk));
  http::websocket_accept_options options;
  options.websocket.limits = limits;
  http::websocket ws = http::accept_websocket(
      parser.head(), std::move(t), std::string_view(received).substr(head_size), options);
  while (const auto m = ws.receive()) ws.send_binary(m->data);
}

}  // namespace

int main() {
  green::socket listener = green::listen({"127.0.0.1", 0});
  auto server = spawn([&] { serve(listener); });
  http::websocket_connect_options options;
  options.websocket.limits = limits;
  http::websocket ws = http::connect_websocket(
      "ws://127.0.0.1:" + std::to_string(listener.getsockname().port()) + "/", options);
  std::printf("hub %s\n", std::string(hubs::get_hub().name()).c_str());
  for (const std::size_t size : {16, 1024, 64 << 10, 1 << 20}) {
    const std::string data(size, 'x');
    const int rounds = size < (64 << 10) ? 50000 : size < (1 << 20) ? 5000 : 1000;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < rounds; ++i) {
      ws.send_binary(data);
      ws.receive();
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::printf("%8zu B messages: %8.0f round trips/s %8.1f MB/s each way\n", size,
                rounds / took.count(), double(rounds) * size / took.count() / 1e6);
  }
  ws.close();
  server.wait();
}
