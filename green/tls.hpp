// tls: TLS (OpenSSL 3) over green sockets, like eventlet's green ssl: handshakes, reads and
// writes suspend only the calling greenthread.
//
//   auto s = green::connect_tls(green::resolve("example.com", 443)[0], "example.com");
//   s.sendall("GET / HTTP/1.0\r\nHost: example.com\r\n\r\n");
//   std::string reply = s.recv(4096);  // "" once the server has closed TLS cleanly
//
//   green::tls_listener server({"0.0.0.0", 8443}, "cert.pem", "key.pem");
//   green::serve(server, [](green::tls_socket conn, green::address peer) {
//     green::stream s(conn);  // the handshake happens in this greenthread, on the first read
//     s.write(s.readline());
//     s.flush();
//   });
//
// Secure by default: a client verifies the server's certificate against the system's trust
// store and its host name (or IP address), unless its context says set_verify(false); TLS 1.2
// is the oldest version spoken; renegotiation is refused (TLS 1.3 key updates work both ways).
//
// OpenSSL only encrypts and decrypts here: it reads the socket through a BIO that never
// blocks, and writes into a buffer this socket sends from (with MSG_NOSIGNAL: never SIGPIPE).
// So OpenSSL never asks to retry a write, and data it has buffered is always used before the
// greenthread waits on the fd.
//
// Errors: tls_error for TLS failures, with OpenSSL's reason ("handshake: certificate verify
// failed: hostname mismatch (expected 'example.com')"); tls_eof_error when the peer closes the
// connection without TLS's close_notify; std::system_error (with the errno, "recv: Connection
// reset by peer") and timeout_error as for green::socket. Timeouts are green::socket's:
// set_timeout(nullopt) blocks, set_timeout(0) never waits (EAGAIN), set_timeout(t) bounds each
// call, handshake included, by t seconds. A server's handshake is also bounded as a whole,
// over all the calls that make it progress, by its context's handshake timeout: 60 s unless
// set_handshake_timeout() says otherwise, so that a client that connects and stays silent,
// or sends a byte at a time, holds a greenthread (a slot of serve()) only that long. An
// tls_socket is used by one thread; one greenthread may read while another writes (once the
// handshake is done).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../base/export.hpp"
#include "address.hpp"
#include "socket.hpp"
#include "tls_context.hpp"

namespace eventlet::green {

// tls_socket: a TLS connection over a green socket (which it owns), made by wrap_tls(),
// connect_tls() or tls_listener::accept(). Move-only.
class EVENTLET_API tls_socket {
 public:
  // tls_socket() is a closed socket, what a moved-from one is too.
  tls_socket() noexcept;
  tls_socket(tls_socket&&) noexcept;
  tls_socket& operator=(tls_socket&&) noexcept;

  // ~tls_socket() closes it, as close() does.
  ~tls_socket();

  // handshake() performs the TLS handshake, if not done yet; recv() and send() do it
  // themselves on first use, so calling it only makes its errors come here. Throws tls_error
  // (the peer refused or was refused: "certificate verify failed: ..."), tls_eof_error,
  // std::system_error, timeout_error (the socket's timeout: the handshake may resume; the
  // context's handshake timeout: the connection is closed).
  void handshake();

  // recv() waits for data and returns up to `max` bytes of it; "" means the peer closed TLS
  // cleanly (close_notify). Throws tls_eof_error if the peer closed the connection without
  // close_notify, tls_error, std::system_error (ECONNRESET, ...), timeout_error.
  std::string recv(std::size_t max);

  // recv_into() is recv() into `buffer`; returns how many bytes came (0: closed cleanly).
  std::size_t recv_into(std::span<char> buffer);

  // send() encrypts up to 16 KiB of `data` (one TLS record) and waits until the kernel has
  // taken it; returns how many bytes of `data` it sent. If it throws after encrypting (a
  // timeout, say), those bytes go out first on the next send() or sendall(). With a timeout
  // of 0 it never waits: what the kernel cannot take yet stays in the socket likewise, and
  // when earlier bytes still cannot go, it throws std::system_error(EAGAIN) having sent none
  // of `data`. Throws tls_error, std::system_error (EPIPE or ECONNRESET, never SIGPIPE),
  // timeout_error.
  std::size_t send(std::string_view data);

  // sendall() sends all of `data`, and first what earlier calls left in the socket (so
  // sendall("") just sends that); the timeout bounds the whole call. Throws as send() does.
  void sendall(std::string_view data);

  // shutdown() sends close_notify (doing the handshake first if needed): the peer's recv()
  // returns "" and it may still send (recv() here returns "" once it closes too). send()
  // then throws tls_error. Throws as send() does.
  void shutdown();

  // close() closes the connection: it sends close_notify first if that needs no waiting and
  // the connection is sound, so a peer sees a clean close. A greenthread waiting on it wakes
  // with std::system_error(EBADF). Idempotent; never throws.
  void close() noexcept;

  // fileno() is the socket's fd, or -1 once closed.
  int fileno() const noexcept;

  // set_timeout() sets the timeout of each later call, as green::socket's does. Throws
  // std::invalid_argument if negative or NaN, std::system_error(EBADF) for an empty socket
  // (default-made or moved-from).
  void set_timeout(std::optional<double> seconds);

  // timeout() is the timeout set_timeout() set (nullopt: blocking).
  std::optional<double> timeout() const noexcept;

  // version() is the TLS version negotiated ("TLSv1.3", "TLSv1.2"); "" before the handshake.
  std::string version() const;

  // selected_alpn() is the ALPN protocol negotiated; "" if none.
  std::string selected_alpn() const;

  // server_name() is the host name the client sent (SNI) for the server's certificate; ""
  // if none (clients send none for an IP address).
  std::string server_name() const;

  // peer_subject() is the subject of the peer's certificate, as RFC 2253 writes it
  // ("CN=localhost"); "" if the peer presented none.
  std::string peer_subject() const;

 private:
  friend tls_socket wrap_tls(socket&& sock, const tls_context& context,
                             const std::string& server_hostname);
  tls_socket(socket&& sock, const tls_context& context, const std::string& server_hostname);

  std::unique_ptr<detail::tls_connection> c_;
};

// wrap_tls() makes `sock`, a connected stream socket, a TLS connection on `context`, keeping
// its timeout; the handshake comes with the first recv(), send() or handshake(). A client
// gives `server_hostname`, the name (or IP address) the server's certificate must match,
// also sent as SNI (names only); it may be empty only if the context does not verify. Throws
// std::invalid_argument (no host name for a verifying client, one for a server),
// std::system_error(EBADF) for a closed socket, tls_error; `sock` stays the caller's then.
EVENTLET_API tls_socket wrap_tls(socket&& sock, const tls_context& context,
                                 const std::string& server_hostname = {});

// connect_tls() connects to `remote` and completes the handshake as a client of `context`
// (by default one made by tls_context::client()) expecting `server_hostname`, both within
// `timeout` seconds (nullopt: no limit); the socket it returns has no timeout. Throws as
// green::connect() and wrap_tls() do, and what handshake() throws.
EVENTLET_API tls_socket connect_tls(const address& remote, const std::string& server_hostname,
                                    std::optional<double> timeout = std::nullopt);
EVENTLET_API tls_socket connect_tls(const address& remote, const std::string& server_hostname,
                                    const tls_context& context,
                                    std::optional<double> timeout = std::nullopt);

namespace detail {
EVENTLET_API tls_socket connect_tls_host(std::string_view host, int port,
                                         const tls_context* context, std::optional<double> timeout);
}  // namespace detail

// connect_tls() by host name connects to `host` (a name or a numeric address) and `port` as
// green::connect() does (Happy Eyeballs over its addresses) and completes the handshake as a
// client of `context` (by default one made by tls_context::client()), with `host` as the name
// the certificate must match and, for a name, as SNI; all within `timeout` seconds. Throws as
// green::connect() and the connect_tls() above do.
template <typename Host>
requires std::is_convertible_v<const Host&, std::string_view> tls_socket
connect_tls(const Host& host, int port, std::optional<double> timeout = std::nullopt) {
  return detail::connect_tls_host(host, port, nullptr, timeout);
}
template <typename Host>
requires std::is_convertible_v<const Host&, std::string_view> tls_socket
connect_tls(const Host& host, int port, const tls_context& context,
            std::optional<double> timeout = std::nullopt) {
  return detail::connect_tls_host(host, port, &context, timeout);
}

// What serve() calls for each TLS connection, in a greenthread of its own.
using tls_connection_handler = std::function<void(tls_socket connection, address peer)>;

// tls_listener: a listening socket whose connections speak TLS, the seed's tls_listener().
class EVENTLET_API tls_listener {
 public:
  // tls_listener() listens on `local`, as listen() does, with a server context made by
  // tls_context::server(cert_file, key_file). Throws as those do.
  tls_listener(const address& local, const std::string& cert_file, const std::string& key_file,
               int backlog = 128);

  // tls_listener() serves TLS with `context` on `listener`, a listening socket. Throws
  // std::invalid_argument for a client context (`listener` stays the caller's then).
  tls_listener(socket&& listener, tls_context context);

  // accept() waits for a connection and returns it, its handshake still to come (in the
  // greenthread that first reads or writes it: a slow client holds up only that one, for at
  // most the context's handshake timeout), and the peer's address. Throws as
  // socket::accept() does.
  std::pair<tls_socket, address> accept();

  // getsockname() is the local address. Throws std::system_error.
  address getsockname() const { return socket_.getsockname(); }

  // close() closes it, as socket::close() does.
  void close() noexcept { socket_.close(); }

  // fileno() is the fd, or -1 once closed.
  int fileno() const noexcept { return socket_.fileno(); }

  // set_timeout() and timeout() are socket's, for accept().
  void set_timeout(std::optional<double> seconds) { socket_.set_timeout(seconds); }
  std::optional<double> timeout() const noexcept { return socket_.timeout(); }

 private:
  friend void serve(tls_listener& listener, tls_connection_handler handler,
                    std::size_t concurrency);
  socket socket_;
  tls_context context_;
};

// serve() is green::serve() for TLS: each handler gets its connection before the handshake,
// which happens in the handler's greenthread on its first read or write, so a failed
// handshake is the handler's exception (reported through the hub's exception handler unless
// the handler catches it); one that outlasts the context's handshake timeout fails with
// timeout_error, freeing its slot. Throws as green::serve() does.
EVENTLET_API void serve(tls_listener& listener, tls_connection_handler handler,
                        std::size_t concurrency = 1000);

}  // namespace eventlet::green
