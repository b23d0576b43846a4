// green_transport: a libevent bufferevent seen as a blocking stream by greenthreads (the seed's
// GreenTransport). libevent does the I/O in the application's loop, its callback code may keep
// using the bufferevent; a greenthread reads and writes with plain blocking calls.
//
//   auto t = eventlet::embed::connect_tcp(base, "127.0.0.1", 8080);  // in a greenthread
//   t.write("ping\n");
//   std::string reply = t.readline();
//
// One greenthread reads and one writes at a time. Errors are std::system_error (the socket's
// errno) or green::tls_error (TLS); EOF is an empty read. Timeouts: eventlet::timeout.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "../base/export.hpp"
#include "../coros/semaphore.hpp"
#include "../green/address.hpp"

struct bufferevent;
struct event_base;
struct evconnlistener;

namespace eventlet::embed {

class green_transport;
// TLS client settings for connect_tls(): the server's certificate is verified, against the
// system's CA store and `ca_file`, and its name against `server_name` (the host by default).
struct tls_options {
  bool verify = true;        // false: accept any server (insecure; tests, private networks)
  std::string ca_file = {};  // a PEM file of CA certificates trusted besides the system's
  std::string server_name = {};
};

// connect_tcp() connects to `host` (a name or a numeric address) and `port` with a bufferevent
// on `base`; blocks the calling greenthread. Throws std::system_error when the connection
// fails, what green::resolve() throws for a name that does not resolve, hubs::hub_error outside
// a greenthread.
EVENTLET_API green_transport connect_tcp(event_base* base, const std::string& host, int port);

// connect_tls() is connect_tcp() with TLS (bufferevent_openssl) over the connection, verified
// as `options` say. Throws as connect_tcp(), and green::tls_error when the handshake or the
// verification fails.
EVENTLET_API green_transport connect_tls(event_base* base, const std::string& host, int port,
                                         const tls_options& options = {});

// connect_unix() connects to the Unix socket at `path`. Throws as connect_tcp(), and
// std::invalid_argument for a path too long for a socket address.
EVENTLET_API green_transport connect_unix(event_base* base, const std::string& path);

class EVENTLET_API green_transport {
 public:
  // The size the input buffer may reach before libevent stops reading (a reader that lags
  // slows the peer down rather than filling memory); read_exactly(n) and readline(max) let it
  // reach n or max while they wait.
  static constexpr std::size_t default_read_limit = 256 * 1024;
  // What write() lets the output buffer reach before it blocks until it drains to low_water.
  static constexpr std::size_t default_high_water = 64 * 1024;
  static constexpr std::size_t default_low_water = 16 * 1024;

  // green_transport() takes over `bev` (freed with the transport: give it BEV_OPT_CLOSE_ON_FREE
  // to close its socket too) and its callbacks. Throws std::invalid_argument for a null one.
  explicit green_transport(bufferevent* bev);
  // ~green_transport() frees the bufferevent without flushing (close() flushes).
  ~green_transport();
  green_transport(green_transport&& other) noexcept;
  green_transport& operator=(green_transport&&) = delete;

  // read() returns up to `n` bytes, blocking until at least one is there; "" at EOF (or for
  // n = 0). Throws std::system_error (green::tls_error for TLS) for a connection error.
  std::string read(std::size_t n);
  // recv() is read(max), as the socket call is named.
  std::string recv(std::size_t max) { return read(max); }
  // read_exactly() returns `n` bytes, fewer only if EOF comes first. Throws as read().
  std::string read_exactly(std::size_t n);
  // readline() returns a line with its '\n', or what is left at EOF ("": EOF). Throws
  // green::line_too_long if no '\n' comes within `max_length` bytes (they stay buffered), and
  // as read().
  std::string readline(std::size_t max_length = 64 * 1024);

  // write() queues `data` for libevent to send; blocks while the output buffer is above the
  // high watermark, until it drained to the low one. Throws as read(), std::logic_error after
  // close().
  void write(std::string_view data);
  // set_write_watermarks() sets write()'s watermarks (low <= high). Throws
  // std::invalid_argument when low > high.
  void set_write_watermarks(std::size_t low, std::size_t high);

  // flush() waits until libevent has sent everything written. Throws as read().
  void flush();

  // close() waits until what was written is sent, then frees the bufferevent. Errors meanwhile
  // are not thrown (the connection is gone either way). A no-op once closed.
  void close();

  // peer_address() and local_address() are the socket's addresses. Throw std::system_error
  // when the socket has none (not connected, closed).
  green::address peer_address() const;
  green::address local_address() const;

  // bev() is the underlying bufferevent, for callback code (null once closed). Its callbacks
  // are the transport's: replace them and the transport no longer hears of the connection.
  bufferevent* bev() const noexcept;

 private:
  friend green_transport connect_tcp(event_base*, const std::string&, int);
  friend green_transport connect_tls(event_base*, const std::string&, int, const tls_options&);
  friend green_transport connect_unix(event_base*, const std::string&);
  // connect() connects the bufferevent to `to` and waits until it is (for TLS: handshaken).
  void connect(const green::address& to, const char* what);

  struct state;
  std::unique_ptr<state> s_;
};

// A server started by serve(): the listener calls back to it until it is destroyed.
class EVENTLET_API server {
 public:
  using handler = std::function<void(green_transport&)>;
  server(evconnlistener* listener, handler h);
  // ~server() stops the listener's callback (the application frees the listener); the
  // greenthreads serving connections go on.
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

 private:
  static void on_accept(evconnlistener*, int fd, struct sockaddr*, int, void* arg);
  evconnlistener* listener_;
  handler handler_;
};

// serve() has `listener` (libevent's, on the application's loop) spawn a greenthread that calls
// `h(transport)` for each connection it accepts; the transport is freed when `h` returns (an
// exception `h` throws is reported as a greenthread's). Safe in loop callbacks. Throws
// std::invalid_argument for a null listener or an empty handler.
EVENTLET_API std::unique_ptr<server> serve(evconnlistener* listener, server::handler h);

}  // namespace eventlet::embed
