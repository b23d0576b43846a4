// echo_server: sends back every byte it receives, one greenthread per connection.
//
//   build/tools/examples/echo_server --port 6000      # then: nc 127.0.0.1 6000
//   build/tools/examples/echo_server --threads 4      # an accept loop and a hub per thread
//
// It listens on 127.0.0.1 (--port 0: the kernel picks the port), prints "listening on
// 127.0.0.1:PORT" once listening and serves until killed (SIGINT, SIGTERM). EVENTLET_HUB picks
// the hub. With --threads N, N threads serve, each with its own hub and its own SO_REUSEPORT
// listener (smp::server): the kernel spreads the connections over them. echo_bench measures it
// beside an echo server written as a raw epoll loop in C.
#include <cstdio>
#include <exception>

#include "command_line.hpp"
#include "eventlet.hpp"

using namespace eventlet;

// echo() serves one connection: what comes in goes back out, until the client closes. The
// buffer is small so that an idle connection's greenthread touches one 4 KiB page of stack
// (4.6 KiB of RSS per idle connection in all, measured by echo_bench; a 16 KiB buffer makes
// it 8.6): bulk data takes more system calls, small messages do not.
void echo(green::socket connection, green::address) {
  char buffer[2048];
  while (const std::size_t n = connection.recv_into(buffer)) connection.sendall({buffer, n});
}

int main(int argc, char** argv) {
  const examples::command_line args(argc, argv, "echo_server [--port N] [--threads N]",
                                    {"--port", "--threads"});
  try {
    hubs::get_hub();  // chooses the hub (EVENTLET_HUB) now: a bad choice fails before listening
    const green::address local{"127.0.0.1", args.port(6000)};
    if (args.value("--threads", "").empty()) {
      green::socket server = green::listen(local);
      examples::announce(server.getsockname());
      green::serve(server, echo, /*concurrency=*/100'000);
    } else {
      smp::server server(local, echo,
                         {.threads = args.count("--threads", 1, 1024), .concurrency = 100'000});
      examples::announce(server.address());
      server.wait();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "echo_server: %s\n", e.what());
    return 1;
  }
}
