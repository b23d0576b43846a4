// green tls: serve() over a tls_listener: 100 clients at once; a silent one, the handshake timeout.
#include <string>
#include <vector>

#include "green/stream.hpp"
#include "tls_helpers.hpp"

using namespace eventlet;
using green::address;
using green::tls_context;
using green::tls_socket;
using hub_tests::hub_test;
using namespace tls_tests;

TEST_CASE_FIXTURE(hub_test,
                  "tls: 100 clients at once through serve(tls_listener), lines over streams") {
  green::tls_listener server({"127.0.0.1", 0}, pki().server_cert, pki().server_key);
  const address where = server.getsockname();
  int handlers_running = 0;
  auto serving = spawn([&] {
    green::serve(server, [&](tls_socket connection, address) {
      ++handlers_running;
      struct leave {
        int& n;
        ~leave() { --n; }
      } on_exit{handlers_running};
      green::stream s(connection);
      for (std::string line; !(line = s.readline()).empty();) {
        if (line == "stop\n") throw green::stop_serve();
        s.write(line);
        s.flush();
      }
    });
  });
  const tls_context client = trusting_client();
  std::vector<greenthread<bool>> clients;
  for (int i = 0; i < 100; ++i)
    clients.push_back(spawn([&, i] {
      tls_socket s = green::connect_tls(where, "localhost", client);
      green::stream lines(s);
      bool echoed = true;
      for (int j = 0; j < 3; ++j) {
        const std::string line =
            "client " + std::to_string(i) + " line " + std::to_string(j) + "\n";
        lines.write(line);
        lines.flush();
        echoed = echoed && lines.readline() == line;
      }
      return echoed;
    }));
  int echoed = 0;
  for (auto& c : clients) echoed += c.wait();
  CHECK(echoed == 100);
  green::connect_tls(where, "localhost", client).sendall("stop\n");
  serving.wait();
  while (handlers_running > 0) eventlet::sleep(0.001);  // each ends at its client's close_notify
}

TEST_CASE_FIXTURE(hub_test,
                  "tls: a silent client holds serve(concurrency 1) only for the handshake "
                  "timeout; the next client is served") {
  tls_context context = test_server();
  context.set_handshake_timeout(0.2);
  green::tls_listener server(green::listen({"127.0.0.1", 0}), context);
  const address where = server.getsockname();
  hub_tests::collected_reports reports(hub);
  std::vector<std::string> timeouts;  // what the handlers' handshakes threw
  auto serving = spawn([&] {
    green::serve(
        server,
        [&](tls_socket connection, address) {
          try {
            connection.handshake();
          } catch (const timeout_error& e) {
            timeouts.push_back(e.what());
            CHECK(e.source() == 0);
            CHECK(connection.fileno() == -1);  // closed
            throw;
          }
          green::stream s(connection);
          s.write(s.readline());
          s.flush();
          throw green::stop_serve();
        },
        1);
  });
  green::socket silent = green::connect(where);  // accepted first; it never speaks
  const double start = hub.clock();
  tls_socket client = green::connect_tls(where, "localhost", trusting_client(), 5.0);
  CHECK(hub.clock() - start < 1.0);  // the silent one held the only slot for 0.2 s
  REQUIRE(timeouts.size() == 1);     // before this client's handshake could begin
  CHECK(timeouts[0] == handshake_timeout_message("0.2"));
  green::stream lines(client);
  lines.write("served\n");
  lines.flush();
  CHECK(lines.readline() == "served\n");
  serving.wait();
  CHECK(reports.lines ==
        std::vector<std::string>{"a serve() handler: " + handshake_timeout_message("0.2")});
  silent.set_timeout(5);
  CHECK(silent.recv(1) == "");  // the server closed it
}
