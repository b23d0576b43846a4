// forwarder: a TCP port forwarder. Each connection it accepts is joined to a new connection
// to the target, and bytes are copied both ways until both sides are done.
//
//   build/tools/examples/forwarder --port 7000 --to example.com:80
//
// It listens on 127.0.0.1 (--port 0: the kernel picks the port), prints "listening on
// 127.0.0.1:PORT" once listening and serves until SIGINT or SIGTERM, which make it stop
// accepting, close the connections and exit with status 0 (stop_signal.hpp). The target is
// "HOST:PORT" ("[v6]:PORT" for an IPv6 address); a host name is resolved once at start
// (green::resolve), and each connection tries its addresses in order. A side that reaches EOF
// is passed on as a half-close (shutdown(SHUT_WR)), so the other side can still answer.
// EVENTLET_HUB picks the hub.
#include <sys/socket.h>

#include <cstdio>
#include <exception>
#include <string>
#include <system_error>
#include <vector>

#include "backdoor_option.hpp"
#include "command_line.hpp"
#include "eventlet.hpp"
#include "stop_signal.hpp"

using namespace eventlet;

std::vector<green::address> target;  // where connections are forwarded, in order of preference

// copy() copies bytes from `from` to `to` until `from` reaches EOF, then passes the EOF on by
// shutting `to` down for writing. An error on either socket shuts both down, which ends the
// copy in the other direction too (errors of shutdown(2) itself are ignored: the socket may be
// disconnected already).
void copy(green::socket& from, green::socket& to) {
  char buffer[64 * 1024];
  try {
    while (const std::size_t n = from.recv_into(buffer)) to.sendall({buffer, n});
    to.shutdown(SHUT_WR);
  } catch (const std::system_error&) {
    ::shutdown(from.fileno(), SHUT_RDWR);
    ::shutdown(to.fileno(), SHUT_RDWR);
  }
}

// connect_to_target() connects to the first address of `target` that accepts. Throws what the
// last attempt threw.
green::socket connect_to_target() {
  for (std::size_t i = 0;; ++i) {
    try {
      return green::connect(target[i]);
    } catch (const std::system_error&) {
      if (i + 1 == target.size()) throw;
    }
  }
}

// forward() serves one connection: it copies upstream in a second greenthread and downstream
// in this one; both sockets close when both copies are done.
void forward(green::socket client, green::address) {
  green::socket server = connect_to_target();
  auto upstream = spawn([&] { copy(client, server); });
  copy(server, client);
  upstream.wait();
}

int main(int argc, char** argv) {
  const examples::command_line args(argc, argv,
                                    "forwarder [--port N] --to HOST:PORT [--backdoor PATH]",
                                    {"--port", "--to", "--backdoor"});
  const int listen_port = args.port(7000);
  const std::string to = args.value("--to");
  const std::size_t colon = to.rfind(':');
  if (colon == std::string::npos || colon == 0) args.fail("--to '" + to + "' is not HOST:PORT");
  std::string host = to.substr(0, colon);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const int port = args.parse_port(to.substr(colon + 1), "the port of --to");
  examples::block_stop_signals();  // before any thread starts
  try {
    hubs::get_hub();  // chooses the hub (EVENTLET_HUB) now: a bad choice fails before listening
    examples::serve_backdoor(args);
    target = green::resolve(host, port);
    green::socket server = green::listen({"127.0.0.1", listen_port});
    examples::serve_until_signal([&] {
      examples::announce(server.getsockname());
      green::serve(server, forward, /*concurrency=*/100'000);
    });
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "forwarder: %s\n", e.what());
    return 1;
  }
}
