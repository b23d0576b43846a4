// green_transport, connect_*, serve() and line_transport over libevent bufferevents (the
// libevent ways only: bufferevents are libevent's).
#include <doctest/doctest.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "../green/tls_helpers.hpp"
#include "coros/event.hpp"
#include "coros/greenthread.hpp"
#include "coros/timeout.hpp"
#include "embed/line_transport.hpp"
#include "embed/transport.hpp"
#include "green/net.hpp"
#include "green/stream.hpp"
#include "green/tls.hpp"
#include "green/tls_context.hpp"
#include "way.hpp"

using embed_tests::way;
namespace embed = eventlet::embed;
namespace green = eventlet::green;

namespace {

// A libevent listener on 127.0.0.1, any port, freed on destruction.
struct tcp_listener {
  explicit tcp_listener(event_base* base) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l = evconnlistener_new_bind(base, nullptr, nullptr, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                                -1, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    REQUIRE(l);
    sockaddr_in bound{};
    socklen_t len = sizeof bound;
    getsockname(evconnlistener_get_fd(l), reinterpret_cast<sockaddr*>(&bound), &len);
    port = ntohs(bound.sin_port);
  }
  ~tcp_listener() { evconnlistener_free(l); }
  evconnlistener* l;
  int port;
};

// serve() whose handlers are counted: finish() waits until every one has returned, so that no
// transport outlives the loop.
struct counted_server {
  counted_server(evconnlistener* l, std::function<void(embed::green_transport&)> h)
      : server(embed::serve(l, [this, h](embed::green_transport& t) {
          ++active;
          try {
            h(t);
          } catch (...) {
            --active;
            throw;
          }
          --active;
        })) {}
  void finish() const {
    for (int i = 0; i < 500 && active; ++i) eventlet::sleep(0.01);
    CHECK(active == 0);
  }
  int active = 0;
  std::unique_ptr<embed::server> server;
};

// A server's handler that reads nothing until `go` is sent, then counts all it reads.
struct lagging_reader {
  std::function<void(embed::green_transport&)> handler() {
    return [this](embed::green_transport& t) {
      go.wait();
      while (true) {
        std::string data = t.read(65536);
        if (data.empty()) break;
        received += data.size();
      }
    };
  }
  eventlet::event<void> go;
  std::size_t received = 0;
};

}  // namespace

TEST_CASE("serve and connect_tcp: read, recv, read_exactly, readline, addresses") {
  way w;
  if (!w.base) return;
  tcp_listener listener(w.base);
  counted_server server(listener.l, [](embed::green_transport& t) {
    while (true) {
      std::string line = t.readline();
      if (line.empty()) break;
      t.write("echo " + line);
    }
    t.close();
  });
  w.run([&] {
    embed::green_transport t = embed::connect_tcp(w.base, "127.0.0.1", listener.port);
    CHECK(t.peer_address().port() == listener.port);
    CHECK(t.local_address().to_string().starts_with("127.0.0.1:"));
    CHECK(t.bev() != nullptr);
    t.write("one\ntwo\n");
    CHECK(t.readline() == "echo one\n");
    CHECK(t.read_exactly(4) == "echo");
    CHECK(t.recv(100) == " two\n");
    t.write("three\n");
    CHECK(t.read(100) == "echo three\n");
    t.close();
    CHECK(t.bev() == nullptr);
    CHECK_THROWS_AS(t.write("x"), std::logic_error);
    server.finish();
  });
}

TEST_CASE("connect_tcp to a closed port fails with the errno") {
  way w;
  if (!w.base) return;
  int port;
  {
    tcp_listener gone(w.base);
    port = gone.port;
  }
  w.run([&] { CHECK_THROWS_AS(embed::connect_tcp(w.base, "127.0.0.1", port), std::system_error); });
}

TEST_CASE("write blocks above the high watermark until the peer reads") {
  way w;
  if (!w.base) return;
  tcp_listener listener(w.base);
  lagging_reader reader;
  counted_server server(listener.l, reader.handler());
  w.run([&] {
    embed::green_transport t = embed::connect_tcp(w.base, "127.0.0.1", listener.port);
    t.set_write_watermarks(1024, 8192);
    const std::string chunk(4096, 'x');
    std::size_t max_buffered = 0;
    bool blocked = false;
    auto writer = eventlet::spawn([&] {
      for (int i = 0; i < 2048; ++i) {  // 8 MiB: more than the kernel's buffers
        t.write(chunk);
        max_buffered = std::max(max_buffered, evbuffer_get_length(bufferevent_get_output(t.bev())));
      }
    });
    eventlet::sleep(0.1);
    blocked = !writer.dead();
    reader.go.send();
    writer.wait();
    CHECK(blocked);
    CHECK(max_buffered <= 8192 + chunk.size());
    t.close();
    server.finish();
    CHECK(reader.received == 2048 * chunk.size());
  });
  CHECK_THROWS_AS(embed::green_transport(nullptr), std::invalid_argument);
}

// libevent runs a bufferevent's read callback again on every pass of its loop while the input
// stays at its high watermark: unless the transport stops that, a reader that lags makes a
// joined loop spin, and the libevent hub running the loop never leaves it (hub-libevent hung).
TEST_CASE("a reader that lags leaves the loop idle") {
  way w;
  if (!w.base) return;
  tcp_listener listener(w.base);
  lagging_reader reader;
  counted_server server(listener.l, reader.handler());
  const std::string chunk(65536, 'y');
  const int chunks = 64;  // 4 MiB: the reader's input fills to its limit, the rest waits
  w.run([&] {
    embed::green_transport t = embed::connect_tcp(w.base, "127.0.0.1", listener.port);
    auto writer = eventlet::spawn([&] {
      for (int i = 0; i < chunks; ++i) t.write(chunk);
    });
    eventlet::sleep(0.1);
    const double before = embed_tests::cpu_seconds();
    eventlet::sleep(0.3);
    const double used = embed_tests::cpu_seconds() - before;
    MESSAGE("CPU time while the reader lags 0.3 s: " << used << " s");
    CHECK(used < 0.15);  // a loop spinning all along uses about 0.3 s
    reader.go.send();
    writer.wait();
    t.close();
    server.finish();
    CHECK(reader.received == chunks * chunk.size());
  });
}

TEST_CASE("long lines: readline and line_transport refuse them") {
  way w;
  if (!w.base) return;
  tcp_listener listener(w.base);
  counted_server server(listener.l, [](embed::green_transport& t) {
    t.write("short\r\n" + std::string(100, 'a') + "\r\nlast");
    t.close();
  });
  w.run([&] {
    embed::line_transport lines(embed::connect_tcp(w.base, "127.0.0.1", listener.port));
    CHECK(lines.read_line(64) == "short");
    CHECK_THROWS_AS(lines.read_line(64), green::line_too_long);
    CHECK_THROWS_AS(lines.send_line("a\r\nb"), std::invalid_argument);
    lines.send_line("fine");
    server.finish();
  });
  w.run([&] {
    embed::green_transport t = embed::connect_tcp(w.base, "127.0.0.1", listener.port);
    CHECK(t.readline(16) == "short\r\n");
    CHECK_THROWS_AS(t.readline(16), green::line_too_long);
    CHECK(t.read_exactly(200).size() == 106);  // the long line, its delimiter and "last"
    server.finish();
  });
}

TEST_CASE("connect_unix and line_transport over a Unix socket") {
  way w;
  if (!w.base) return;
  char dir[] = "/tmp/embed-test-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string path = std::string(dir) + "/s";
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path.c_str());
  evconnlistener* l = evconnlistener_new_bind(w.base, nullptr, nullptr, LEV_OPT_CLOSE_ON_FREE, -1,
                                              reinterpret_cast<sockaddr*>(&sun), sizeof sun);
  REQUIRE(l);
  {
    counted_server server(l, [](embed::green_transport& t) {
      embed::line_transport lines(std::move(t), "\n");
      while (auto line = lines.read_line()) lines.send_line("got " + *line);
    });
    w.run([&] {
      embed::line_transport lines(embed::connect_unix(w.base, path), "\n");
      lines.send_line("hello");
      CHECK(lines.read_line() == "got hello");
      lines.transport().close();
      server.finish();
    });
  }
  evconnlistener_free(l);
  unlink(path.c_str());
  rmdir(dir);
}

TEST_CASE("connect_tls verifies the server by default") {
  way w;
  if (!w.base) return;
  green::tls_listener server(green::address("127.0.0.1", 0), tls_tests::pki().server_cert,
                             tls_tests::pki().server_key);
  const int port = server.getsockname().port();
  auto serving = eventlet::spawn([&] {
    for (int i = 0; i < 3; ++i) {
      auto [s, peer] = server.accept();
      try {
        std::string got = s.recv(100);
        if (!got.empty()) s.sendall("tls " + got);
      } catch (const std::exception&) {  // the client refused the handshake
      }
    }
  });
  w.run([&] {
    CHECK_THROWS_AS(embed::connect_tls(w.base, "localhost", port), green::tls_error);
    embed::tls_options trusting;
    trusting.ca_file = tls_tests::pki().ca;
    embed::green_transport t = embed::connect_tls(w.base, "localhost", port, trusting);
    t.write("hi");
    CHECK(t.read(100) == "tls hi");
    t.close();
    embed::tls_options insecure;
    insecure.verify = false;
    embed::green_transport u = embed::connect_tls(w.base, "127.0.0.1", port, insecure);
    u.write("yo");
    CHECK(u.read(100) == "tls yo");
    u.close();
    serving.wait();
  });
  server.close();
}

// libevent stops reading at the read limit: read_exactly() and readline() that need more at
// once waited for good.
TEST_CASE("read_exactly and readline beyond the read limit") {
  way w;
  if (!w.base) return;
  tcp_listener listener(w.base);
  const std::size_t n = embed::green_transport::default_read_limit + 12345;
  counted_server server(listener.l, [n](embed::green_transport& t) {
    t.write(std::string(n, 'z') + std::string(n, 'l') + "\n");
    t.close();
  });
  w.run([&] {
    embed::green_transport t = embed::connect_tcp(w.base, "127.0.0.1", listener.port);
    eventlet::timeout limit(10);
    CHECK(t.read_exactly(n) == std::string(n, 'z'));
    CHECK(t.readline(2 * n) == std::string(n, 'l') + "\n");
    CHECK(t.read(10).empty());
    server.finish();
  });
}
